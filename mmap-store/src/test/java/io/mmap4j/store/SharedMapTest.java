package io.mmap4j.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.ReadOnlyMapException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.AbstractMap;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One process: the API, its errors, growth, reclaim, and the typed view with ModuleStore's doctests. */
class SharedMapTest {
    /** A map that rewrites often: its first index and data region are the smallest there are. */
    static final SharedMap.Options SMALL = SharedMap.Options.DEFAULT.withExpectedKeys(0).withExpectedBytes(0);

    @TempDir
    Path dir;

    static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void putGetRemoveAndSizeWithBytesAndStringKeys() throws Exception {
        try (SharedMap map = SharedMap.open(dir.resolve("m"))) {
            assertTrue(map.isEmpty());
            assertNull(map.get(bytes("a")));
            map.put(bytes("a"), bytes("1"));
            map.put("b", bytes("2"));
            map.put(bytes(""), new byte[0]); // the empty key and the empty value
            assertArrayEquals(bytes("1"), map.get("a"));
            assertArrayEquals(bytes("2"), map.get(bytes("b")));
            assertArrayEquals(new byte[0], map.get(""));
            assertArrayEquals(bytes("1"), map.get(MemorySegment.ofArray(bytes("a"))));
            assertEquals(3, map.size());
            map.put("a", bytes("one"));
            assertArrayEquals(bytes("one"), map.get("a"));
            assertEquals(3, map.size());
            assertTrue(map.remove("a"));
            assertFalse(map.remove("a"));
            assertNull(map.get("a"));
            assertFalse(map.containsKey("a"));
            assertTrue(map.containsKey(bytes("b")));
            assertEquals(2, map.size());
            map.put("a", bytes("again")); // a removed key comes back in its slot
            assertArrayEquals(bytes("again"), map.get("a"));
            assertEquals(3, map.size());
            assertEquals(List.of(), SharedMap.verify(map.path()));
        }
        try (SharedMap map = SharedMap.open(dir.resolve("m"))) {
            assertArrayEquals(bytes("again"), map.get("a"));
            assertArrayEquals(bytes("2"), map.get("b"));
            assertEquals(3, map.size());
        }
    }

    @Test
    void unicodeStringKeysAreTheirUtf8Bytes() throws Exception {
        try (SharedMap map = SharedMap.open(dir)) {
            String key = "clé-日本-\uD83D\uDE00-" + "x".repeat(40);
            map.put(bytes(key), bytes("v"));
            assertArrayEquals(bytes("v"), map.get(key));
            assertArrayEquals(bytes("v"), map.view(key).toArray(ValueLayout.JAVA_BYTE));
            assertTrue(map.containsKey(key));
            assertTrue(map.remove(key));
            assertNull(map.get(bytes(key)));
        }
    }

    @Test
    void aViewKeepsItsValueThroughOverwritesAndRewrites() throws Exception {
        try (SharedMap map = SharedMap.open(dir, SMALL)) {
            map.put("k", bytes("first"));
            MemorySegment view = map.view(bytes("k"));
            long generation = map.stats().generation();
            for (int i = 0; i < 2_000; i++) {
                map.put("k", bytes("value " + i));
                map.put("other-" + i, bytes("x".repeat(100)));
            }
            assertTrue(map.stats().generation() > generation + 3, "rewrites happened: " + map.stats());
            assertEquals("first", new String(view.toArray(ValueLayout.JAVA_BYTE), UTF_8));
            assertTrue(view.isReadOnly());
        }
    }

    @Test
    void growsThroughManyRewritesAndKeepsEveryKeyAcrossReopen() throws Exception {
        int keys = 30_000;
        try (SharedMap map = SharedMap.open(dir, SMALL)) {
            for (int i = 0; i < keys; i++) {
                map.put(bytes("key-" + i), bytes("value-" + i));
            }
            SharedMap.Stats stats = map.stats();
            assertEquals(keys, stats.keys());
            assertTrue(stats.indexLoad() <= 0.75, stats.toString());
            assertTrue(stats.generation() > 5, stats.toString());
        }
        try (SharedMap map = SharedMap.open(dir, StandardOpenOption.READ)) {
            for (int i = 0; i < keys; i++) {
                assertArrayEquals(bytes("value-" + i), map.get("key-" + i), "key-" + i);
            }
            assertEquals(keys, map.size());
            assertEquals(keys, Stream.iterate(map.iterator(), it -> it).limit(1).count() * 0 + countEntries(map));
        }
        assertEquals(List.of(), SharedMap.verify(dir));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(3, files.count(), "map, lock and one data file");
        }
    }

    private static long countEntries(SharedMap map) {
        long n = 0;
        for (SharedMap.Entry ignored : map) {
            n++;
        }
        return n;
    }

    @Test
    void valuesFromZeroBytesToTensOfMegabytes() throws Exception {
        byte[] big = new byte[24 << 20];
        for (int i = 0; i < big.length; i += 4096) {
            big[i] = (byte) (i >>> 12);
        }
        try (SharedMap map = SharedMap.open(dir, SMALL)) {
            map.put("empty", new byte[0]);
            map.put("big", big);
            map.put("small", bytes("s"));
            map.put("big2", big); // the data region grows by a rewrite
            assertArrayEquals(big, map.get("big"));
            assertEquals(big.length, map.view("big2").byteSize());
            assertArrayEquals(new byte[0], map.get("empty"));
            assertTrue(map.remove("big"));
            assertTrue(map.remove("big2"));
        }
        assertEquals(List.of(), SharedMap.verify(dir));
    }

    @Test
    void overwriteChurnStaysWithinThreeTimesTheLiveBytes() throws Exception {
        try (SharedMap map = SharedMap.open(dir, SMALL)) {
            int keys = 500;
            for (int round = 0; round < 200; round++) {
                for (int i = 0; i < keys; i++) {
                    map.put(bytes("key-" + i), new byte[100 + (round + i) % 7]);
                }
            }
            SharedMap.Stats stats = map.stats();
            assertEquals(keys, stats.keys());
            // At each rewrite the data region is from two to three times the live bytes (the
            // docs' reclaim factor), so dead bytes never exceed twice the live ones; the writer
            // keeps the file the last rewrite replaced, to rewrite into next: two data files.
            // (7 * keys: the live bytes at the last rewrite may differ from now by a round's sizes.)
            assertTrue(stats.deadBytes() <= 2 * stats.liveBytes() + 4096 + 7 * keys, stats.toString());
            assertTrue(stats.dataBytes() <= 3 * stats.liveBytes() + 4096 + 7 * keys, stats.toString());
            long onDisk;
            try (Stream<Path> files = Files.list(dir)) {
                onDisk = files.mapToLong(p -> p.toFile().length()).sum();
            }
            long dataFile = 4096 + 16 * stats.slots() + 3 * stats.liveBytes() + 4096 + 7 * keys;
            assertTrue(onDisk <= 4096 + 2 * dataFile, "files of " + onDisk + " bytes for " + stats);
            assertTrue(stats.generation() > 20, "rewrites: " + stats);
            // Overwrites of about the same sizes: every rewrite but the first ones (the index grows
            // from 64 to 1024 slots, then the first data region is too small) writes into the file
            // the one before replaced, in place.
            assertTrue(map.rewritesInPlace >= stats.generation() - 10, map.rewritesInPlace + " in place of " + stats);
        }
    }

    @Test
    void atomicReadModifyWrites() throws Exception {
        try (SharedMap map = SharedMap.open(dir)) {
            assertNull(map.putIfAbsent(bytes("k"), bytes("1")));
            assertArrayEquals(bytes("1"), map.putIfAbsent(bytes("k"), bytes("2")));
            assertFalse(map.replace(bytes("k"), bytes("2"), bytes("3")));
            assertTrue(map.replace(bytes("k"), bytes("1"), bytes("3")));
            assertArrayEquals(bytes("3"), map.get("k"));
            assertFalse(map.remove(bytes("k"), bytes("1")));
            assertTrue(map.remove(bytes("k"), bytes("3")));
            assertNull(map.get("k"));
            byte[] one = Codec.int64().encode(1L);
            for (int i = 0; i < 10; i++) {
                map.merge(bytes("n"), one, SharedMap::sum);
            }
            assertEquals(10L, Codec.int64().decode(MemorySegment.ofArray(map.get("n"))));
            assertArrayEquals(bytes("n=10"), map.compute(bytes("n"), (k, v) ->
                    bytes(new String(k, UTF_8) + "=" + Codec.int64().decode(MemorySegment.ofArray(v)))));
            assertNull(map.compute(bytes("n"), (k, v) -> null));
            assertFalse(map.containsKey("n"));
            RuntimeException thrown = assertThrows(IllegalStateException.class,
                    () -> map.compute(bytes("x"), (k, v) -> { map.put("y", bytes("y")); return v; }));
            assertTrue(thrown.getMessage().contains("inside a compute or merge function"), thrown.getMessage());
            assertThrows(ArithmeticException.class, () -> map.compute(bytes("x"), (k, v) -> { throw new ArithmeticException(); }));
            assertNull(map.get("x"));
            map.put("after", bytes("ok")); // the lock was released by both failures
            assertArrayEquals(bytes("ok"), map.get("after"));
        }
    }

    @Test
    void putAllIsAppliedAtOnceAndGetAllIsASnapshot() throws Exception {
        try (SharedMap map = SharedMap.open(dir)) {
            map.put("keep", bytes("k"));
            map.put("gone", bytes("g"));
            map.putAll(List.of(Map.entry(bytes("a"), bytes("1")), Map.entry(bytes("b"), bytes("2")),
                    Map.entry(bytes("a"), bytes("3")), new AbstractMap.SimpleEntry<>(bytes("gone"), null)));
            Map<String, String> all = map.getAll(Codec.utf8(), Codec.utf8());
            assertEquals(Map.of("keep", "k", "a", "3", "b", "2"), all);
            assertEquals(3, map.size());
        }
    }

    /** ModuleStore's doctests, replayed on the typed view. */
    @Test
    void moduleStoreDoctestsOnTheTypedView() throws Exception {
        try (SharedMap shared = SharedMap.open(dir)) {
            TypedSharedMap<String, String> store = shared.typed(Codec.utf8(), Codec.utf8());
            store.putAll(Map.of("a", "1", "b", "2"));
            assertEquals("1", store.get("a"));                       // get hit
            assertNull(store.get("c"));                              // get miss -> nil
            assertEquals("default", store.get("c", "default"));      // get with a default
            assertEquals("1", store.get("a", "default"));
            NoSuchElementException missing = assertThrows(NoSuchElementException.class, () -> store.getOrThrow("c"));
            assertEquals("key not found: c in the shared map " + shared.path(), missing.getMessage());
            store.putAll(Map.of("b", "20", "c", "3"));               // put_all merges into get_all
            assertEquals(Map.of("a", "1", "b", "20", "c", "3"), store.getAll());
            assertTrue(store.remove("a"));                           // delete
            assertNull(store.get("a"));
            assertEquals(Map.of("b", "20", "c", "3"), store.getAll());
            assertEquals(2, store.size());

        }
        try (SharedMap shared = SharedMap.open(dir.resolve("counts"))) {
            TypedSharedMap<String, Long> counts = shared.typed(Codec.utf8(), Codec.int64());
            assertEquals(5L, counts.merge("n", 5L, Long::sum));
            assertEquals(7L, counts.merge("n", 2L, Long::sum));
            assertEquals(8L, counts.compute("n", (k, v) -> v + 1));
            assertEquals(8L, counts.putIfAbsent("n", 0L));
            assertTrue(counts.replace("n", 8L, 9L));
            assertEquals(9L, counts.getOrThrow("n"));
            Map<String, Long> seen = new HashMap<>();
            counts.forEach(seen::put);
            assertEquals(Map.of("n", 9L), seen);
        }
    }

    @Test
    void badInputNamesTheValueAndTheLimit() throws Exception {
        try (SharedMap map = SharedMap.open(dir)) {
            assertThrows(NullPointerException.class, () -> map.get((byte[]) null));
            assertThrows(NullPointerException.class, () -> map.get((String) null));
            assertThrows(NullPointerException.class, () -> map.put((byte[]) null, bytes("v")));
            assertThrows(NullPointerException.class, () -> map.put(bytes("k"), null));
            assertThrows(NullPointerException.class, () -> map.remove((String) null));
            assertThrows(NullPointerException.class, () -> map.compute(bytes("k"), null));
            assertThrows(NullPointerException.class, () -> map.putAll(List.of(new AbstractMap.SimpleEntry<>(null, bytes("v")))));
            IllegalArgumentException longKey = assertThrows(IllegalArgumentException.class,
                    () -> map.put(new byte[65_536], bytes("v")));
            assertEquals("key of 65536 bytes is over the limit of a shared map key, 65535 bytes", longKey.getMessage());
            assertThrows(IllegalArgumentException.class, () -> map.get("é".repeat(32_768)));
            map.put(new byte[65_535], bytes("longest key"));
            assertArrayEquals(bytes("longest key"), map.get(new byte[65_535]));
            // A value over 1 GiB, from a sparse mapped file: refused before a byte is read.
            Path sparse = dir.resolve("sparse");
            try (RandomAccessFile file = new RandomAccessFile(sparse.toFile(), "rw")) {
                file.setLength((1L << 30) + 1);
            }
            try (io.mmap4j.MMap huge = io.mmap4j.MMap.open(sparse)) {
                IllegalArgumentException longValue = assertThrows(IllegalArgumentException.class,
                        () -> map.put(MemorySegment.ofArray(bytes("k")), huge.segment()));
                assertEquals("value of 1073741825 bytes is over the limit of a shared map value, 1073741824 bytes",
                        longValue.getMessage());
            }
            assertThrows(IllegalArgumentException.class, () -> SharedMap.Options.DEFAULT.withExpectedKeys(-1));
            assertThrows(IllegalArgumentException.class, () -> SharedMap.open(dir.resolve("x"), StandardOpenOption.APPEND));
        }
    }

    @Test
    void everyCallAfterCloseThrowsAndReadOnlyRefusesWrites() throws Exception {
        SharedMap map = SharedMap.open(dir);
        map.put("k", bytes("v"));
        map.close();
        map.close(); // idempotent
        assertFalse(map.isOpen());
        for (Runnable call : List.<Runnable>of(() -> map.get("k"), () -> map.get(bytes("k")), () -> map.put("k", bytes("v")),
                () -> map.remove("k"), map::size, map::stats, map::iterator, () -> map.getAll(Codec.utf8(), Codec.utf8()))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, call::run);
            assertTrue(e.getMessage().contains("is closed"), e.getMessage());
        }
        try (SharedMap reader = SharedMap.open(dir, StandardOpenOption.READ)) {
            assertFalse(reader.isWritable());
            assertArrayEquals(bytes("v"), reader.get("k"));
            assertThrows(ReadOnlyMapException.class, () -> reader.put("k", bytes("w")));
            assertThrows(ReadOnlyMapException.class, () -> reader.remove("k"));
        }
        assertThrows(NoSuchFileException.class, () -> SharedMap.open(dir.resolve("none"), StandardOpenOption.READ));
        assertThrows(NoSuchFileException.class, () -> SharedMap.open(dir.resolve("none"), StandardOpenOption.WRITE));
    }

    @Test
    void twoHandlesInOneJvmSeeEachOthersWritesAndRewrites() throws Exception {
        try (SharedMap a = SharedMap.open(dir, SMALL); SharedMap b = SharedMap.open(dir)) {
            for (int i = 0; i < 3_000; i++) {
                (i % 2 == 0 ? a : b).put("k" + i, bytes("v" + i));
                assertArrayEquals(bytes("v" + i), (i % 2 == 0 ? b : a).get("k" + i));
            }
            assertEquals(3_000, a.size());
            assertEquals(3_000, b.size());
            a.close();
            b.put("after", bytes("a")); // closing one handle keeps the other's locks
            assertArrayEquals(bytes("a"), b.get("after"));
        }
    }

    @Test
    void statsAndVerifyOfASoundMap() throws Exception {
        try (SharedMap map = SharedMap.open(dir, SharedMap.Options.DEFAULT.withSeed(42))) {
            for (int i = 0; i < 100; i++) {
                map.put("k" + i, bytes("v" + i));
            }
            map.remove("k0");
            map.put("k1", bytes("again"));
            map.force();
            SharedMap.Stats stats = SharedMap.stats(dir.resolve("map"));
            assertEquals(99, stats.keys());
            assertEquals(42, stats.seed());
            assertEquals(100, stats.usedSlots());
            assertEquals(4096, stats.slots()); // 1024 expected keys, at most half full
            assertEquals(1, stats.generation());
            assertEquals(2 * 24, stats.deadBytes()); // "k0"+"v0" and "k1"+"v1": 16 + 4 rounded to 24 each
            assertEquals(map.stats(), stats);
        }
        assertEquals(List.of(), SharedMap.verify(dir));
        assertEquals(List.of(), SharedMap.verify(dir.resolve("map")));
    }

    @Test
    void aSeededMapIsTheSameFileByteForByte() throws Exception {
        SharedMap.Options options = SharedMap.Options.DEFAULT.withSeed(7).withExpectedKeys(10).withExpectedBytes(0);
        for (String name : List.of("one", "two")) {
            try (SharedMap map = SharedMap.open(dir.resolve(name), options)) {
                map.put("a", bytes("1"));
                map.put("b", bytes("2"));
            }
        }
        assertTrue(Arrays.equals(Files.readAllBytes(dir.resolve("one/data.1")), Files.readAllBytes(dir.resolve("two/data.1"))));
        assertTrue(Arrays.equals(Files.readAllBytes(dir.resolve("one/map")), Files.readAllBytes(dir.resolve("two/map"))));
    }
}
