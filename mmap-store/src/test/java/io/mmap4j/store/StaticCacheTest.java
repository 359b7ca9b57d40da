package io.mmap4j.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** haki's own test list (test/haki_test.erl), on StaticCache; and what its Java shape adds. */
class StaticCacheTest {
    @TempDir
    Path dir;
    StaticCache cache;

    @BeforeEach
    void open() throws IOException {
        cache = StaticCache.open(dir.resolve("cache"));
    }

    /** haki's nested record: a name, tags, a map of numbers and a binary. */
    record Person(String name, List<String> tags, Map<String, Integer> measures, byte[] photo) {
    }

    /** A user's codec, as a Java user would plug in JSON or protobuf: lists of people. */
    static final Codec<List<Person>> PEOPLE = new Codec<>() {
        @Override
        public byte[] encode(List<Person> people) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(people.size());
                for (Person p : people) {
                    out.writeUTF(p.name());
                    out.writeInt(p.tags().size());
                    for (String tag : p.tags()) {
                        out.writeUTF(tag);
                    }
                    out.writeInt(p.measures().size());
                    for (Map.Entry<String, Integer> m : new TreeMap<>(p.measures()).entrySet()) {
                        out.writeUTF(m.getKey());
                        out.writeInt(m.getValue());
                    }
                    out.writeInt(p.photo().length);
                    out.write(p.photo());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        @Override
        public List<Person> decode(MemorySegment bytes) {
            try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes.toArray(ValueLayout.JAVA_BYTE)))) {
                List<Person> people = new ArrayList<>();
                for (int n = in.readInt(); n > 0; n--) {
                    String name = in.readUTF();
                    List<String> tags = new ArrayList<>();
                    for (int t = in.readInt(); t > 0; t--) {
                        tags.add(in.readUTF());
                    }
                    Map<String, Integer> measures = new TreeMap<>();
                    for (int m = in.readInt(); m > 0; m--) {
                        measures.put(in.readUTF(), in.readInt());
                    }
                    byte[] photo = in.readNBytes(in.readInt());
                    people.add(new Person(name, tags, measures, photo));
                }
                return people;
            } catch (IOException e) {
                throw new IllegalArgumentException("not a list of people", e);
            }
        }
    };

    private static List<Person> people(int n, String suffix) {
        List<Person> people = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            people.add(new Person("person " + i + suffix, List.of("tag" + i % 7, "∆" + suffix),
                    Map.of("age", i % 90, "height", 150 + i % 50), new byte[] {(byte) i, (byte) (i >> 8)}));
        }
        return people;
    }

    private static void assertPeople(List<Person> expected, List<Person> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            Person e = expected.get(i), a = actual.get(i);
            assertEquals(e.name(), a.name());
            assertEquals(e.tags(), a.tags());
            assertEquals(new TreeMap<>(e.measures()), a.measures());
            assertArrayEquals(e.photo(), a.photo());
        }
    }

    @Test
    void aCachedValueReadsBackAndAnUnknownKeyIsNull() throws Exception {
        cache.cache("some_key", "VALUE".getBytes(UTF_8));
        assertArrayEquals("VALUE".getBytes(UTF_8), cache.get("some_key"));
        assertEquals("VALUE", cache.get("some_key", Codec.utf8()));
        assertNull(cache.get("other_key"), "haki's bad_key");
        assertTrue(cache.contains("some_key"));
        assertFalse(cache.contains("other_key"));
    }

    @Test
    void cachingAgainReplacesTheValueWhileViewsOfTheOldOneStayValid() throws Exception {
        cache.cache("k", "first".getBytes(UTF_8));
        MemorySegment old = cache.view("k");
        cache.cache("k", "second".getBytes(UTF_8));
        assertEquals("second", cache.get("k", Codec.utf8()));
        assertEquals("first", new String(old.toArray(ValueLayout.JAVA_BYTE), UTF_8), "a reader of the old version carries on");
        try (StaticCache other = StaticCache.open(cache.directory())) {
            assertEquals("second", other.get("k", Codec.utf8()), "another opener sees the new version");
        }
    }

    @Test
    void nestedAndUnicodeValuesRoundTripThroughACodec() throws Exception {
        List<Person> people = people(2000, " ∆ünïcödé 日本");
        cache.cache("people", people, PEOPLE);
        assertPeople(people, cache.get("people", PEOPLE));
    }

    @Test
    void aHugeCollectionOf20000Records() throws Exception {
        List<Person> people = people(20_000, "");
        cache.cache("huge", people, PEOPLE);
        assertPeople(people, cache.get("huge", PEOPLE));
        Map<String, List<Person>> bucket = new LinkedHashMap<>();
        for (int i = 0; i < 20_000; i++) {
            bucket.put("record " + i, List.of(people.get(i)));
        }
        cache.cacheBucket("records", bucket, PEOPLE);
        for (int i = 0; i < 20_000; i += 1009) {
            assertPeople(List.of(people.get(i)), cache.get("records", "record " + i, PEOPLE));
        }
    }

    @Test
    void bucketsKeepEachKeysOwnValueAndTellAMissingKeyFromAMissingBucket() throws Exception {
        cache.cacheBucket("people", Map.of(
                "mike", Map.of("age", 10, "height", 180, "weight", 65),
                "christina", Map.of("age", 10, "height", 160, "weight", 45)), MEASURES);
        assertEquals(Map.of("age", 10, "height", 180, "weight", 65), cache.get("people", "mike", MEASURES));
        assertEquals(Map.of("age", 10, "height", 160, "weight", 45), cache.get("people", "christina", MEASURES));
        assertNull(cache.get("people", "no_name"), "haki's bad_key");
        NoSuchElementException noBucket = assertThrows(NoSuchElementException.class, () -> cache.get("planets", "earth"));
        assertEquals("no bucket \"planets\" is cached in " + cache.directory(), noBucket.getMessage(), "haki's bad_bucket");
        assertThrows(NoSuchElementException.class, () -> cache.view("planets", "earth"));
    }

    @Test
    void anEmptyBucketHasNoKeys() throws Exception {
        cache.cacheBucket("empty", Map.of(), Codec.bytes());
        assertTrue(cache.contains("empty"));
        assertNull(cache.get("empty", "anything"));
        assertNull(cache.get("empty", ""));
    }

    @Test
    void aSnapshotIsSavedAndLoadedBack() throws Exception {
        cache.cache("snap", "saved value".getBytes(UTF_8));
        cache.cacheBucket("snap_bucket", Map.of("k", "bucket value".getBytes(UTF_8)), Codec.bytes());
        Path saved = dir.resolve("snap.snapshot");
        Path savedBucket = dir.resolve("snap_bucket.snapshot");
        cache.saveSnapshot("snap", saved);
        cache.saveSnapshot("snap_bucket", savedBucket);
        assertTrue(Files.size(saved) > 0, "save_snapshot writes a non-empty file");

        assertTrue(cache.remove("snap")); // haki's purge
        assertTrue(cache.remove("snap_bucket"));
        assertFalse(cache.remove("snap"));
        assertNull(cache.get("snap"), "purged: bad_key");
        assertThrows(NoSuchElementException.class, () -> cache.get("snap_bucket", "k"), "purged: bad_bucket");

        cache.loadSnapshot("snap", saved);
        cache.loadSnapshot("snap_bucket", savedBucket);
        assertEquals("saved value", cache.get("snap", Codec.utf8()));
        assertEquals("bucket value", cache.get("snap_bucket", "k", Codec.utf8()));
        try (StaticStore store = StaticStore.open(saved)) { // a snapshot is a store file
            assertEquals("saved value", store.get("", Codec.utf8()));
        }
        assertThrows(NoSuchElementException.class, () -> cache.saveSnapshot("never", dir.resolve("x")));
    }

    @Test
    void aDamagedSnapshotIsRefusedAndChangesNothing() throws Exception {
        cache.cache("keep", "kept".getBytes(UTF_8));
        Path bad = dir.resolve("bad.snapshot");
        Files.write(bad, new byte[5000]);
        CorruptStoreException e = assertThrows(CorruptStoreException.class, () -> cache.loadSnapshot("keep", bad));
        assertEquals("magic", e.field());
        assertEquals("kept", cache.get("keep", Codec.utf8()));
    }

    @Test
    void namesAreFilesAndRefreshSeesAnotherWritersVersion() throws Exception {
        cache.cache("a", new byte[] {1});
        cache.cacheBucket("b", Map.of("x", new byte[] {2}), Codec.bytes());
        assertEquals(Set.of("a", "b"), cache.names());
        try (StaticCache other = StaticCache.open(cache.directory())) {
            other.cache("a", new byte[] {3});
            other.cache("c", new byte[] {4});
        }
        assertArrayEquals(new byte[] {1}, cache.get("a"), "this object keeps the version it opened");
        assertArrayEquals(new byte[] {4}, cache.get("c"), "a name it never opened is read from the directory");
        assertEquals(3, cache.refresh());
        assertArrayEquals(new byte[] {3}, cache.get("a"), "after refresh, the other writer's version");
        assertEquals(Set.of("a", "b", "c"), cache.names());
    }

    @Test
    void badNamesAndUseAfterCloseAreRefused() throws Exception {
        for (String bad : new String[] {"", ".hidden", "a/b", "a\\b", "nul\0", "é".repeat(101)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cache.cache(bad, new byte[0]));
            assertTrue(e.getMessage().contains("a cache name"), e.getMessage());
        }
        assertEquals("name", assertThrows(NullPointerException.class, () -> cache.get(null)).getMessage());
        cache.cache("ok", "v".getBytes(UTF_8));
        MemorySegment view = cache.view("ok");
        cache.close();
        cache.close();
        assertEquals("v", new String(view.toArray(ValueLayout.JAVA_BYTE), UTF_8), "views outlive the cache's close");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> cache.get("ok"));
        assertEquals("the static cache in " + cache.directory() + " is closed", e.getMessage());
        assertThrows(IllegalStateException.class, () -> cache.cache("ok", new byte[0]));
    }

    @Test
    void aCodecThatFailsPublishesNothing() throws Exception {
        cache.cache("stable", "one".getBytes(UTF_8));
        Codec<String> failing = new Codec<>() {
            @Override
            public byte[] encode(String value) {
                throw new IllegalArgumentException("cannot encode " + value);
            }

            @Override
            public String decode(MemorySegment bytes) {
                return "";
            }
        };
        assertThrows(IllegalArgumentException.class, () -> cache.cache("stable", "two", failing));
        assertEquals("one", cache.get("stable", Codec.utf8()));
        try (var files = Files.list(cache.directory())) {
            assertEquals(List.of("stable.static"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    /** Maps of small numbers, as haki's #{age => 10, ...}. */
    static final Codec<Map<String, Integer>> MEASURES = new Codec<>() {
        @Override
        public byte[] encode(Map<String, Integer> value) {
            StringBuilder s = new StringBuilder();
            new TreeMap<>(value).forEach((k, v) -> s.append(k).append('=').append(v).append(';'));
            return s.toString().getBytes(UTF_8);
        }

        @Override
        public Map<String, Integer> decode(MemorySegment bytes) {
            Map<String, Integer> map = new TreeMap<>();
            for (String pair : new String(bytes.toArray(ValueLayout.JAVA_BYTE), UTF_8).split(";")) {
                if (!pair.isEmpty()) {
                    map.put(pair.substring(0, pair.indexOf('=')), Integer.parseInt(pair.substring(pair.indexOf('=') + 1)));
                }
            }
            return map;
        }
    };
}
