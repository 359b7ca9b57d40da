package io.mmap4j.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.MapOption;
import java.io.ByteArrayInputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user of StaticStore relies on: every kind of key and value comes back byte for byte. */
class StaticStoreTest {
    @TempDir
    Path dir;

    @Test
    void zeroByteKeysAndValuesRoundTrip() throws Exception {
        Path path = dir.resolve("empty-things.static");
        try (StaticStore.Writer w = StaticStore.writer(path)) {
            w.put(new byte[0], new byte[0]);
            w.put(new byte[] {1}, new byte[0]);
            w.put(new byte[0 + 2], "two zero bytes as key".getBytes(UTF_8));
        }
        try (StaticStore store = StaticStore.open(path)) {
            assertEquals(3, store.size());
            assertArrayEquals(new byte[0], store.get(new byte[0]));
            assertArrayEquals(new byte[0], store.get(new byte[] {1}));
            assertArrayEquals("two zero bytes as key".getBytes(UTF_8), store.get(new byte[2]));
            assertEquals(0, store.view("").byteSize());
            assertTrue(store.contains(""));
            assertNull(store.get(new byte[] {2}));
            assertNull(store.get(new byte[3]));
        }
    }

    @Test
    void anEmptyStoreHasNoKeys() throws Exception {
        Path path = dir.resolve("nothing.static");
        StaticStore.writer(path).close();
        try (StaticStore store = StaticStore.open(path)) {
            assertEquals(0, store.size());
            assertNull(store.get("anything"));
            assertFalse(store.iterator().hasNext());
            assertEquals(List.of(), StaticStore.verify(path));
        }
    }

    @Test
    void stringSegmentAndByteKeysFindTheSameEntries() throws Exception {
        Path path = dir.resolve("keys.static");
        String[] keys = {"a", "http.hits", "ü.€", "日本語のキー", "emoji \uD83D\uDE00", "lone \uD800 surrogate",
            "x".repeat(5000), "ünïcödé ".repeat(100)};
        try (StaticStore.Writer w = StaticStore.writer(path)) {
            for (String key : keys) {
                w.put(key, ("value of " + key).getBytes(UTF_8));
            }
        }
        try (StaticStore store = StaticStore.open(path); Arena arena = Arena.ofConfined()) {
            for (String key : keys) {
                byte[] expected = ("value of " + key).getBytes(UTF_8);
                byte[] keyBytes = key.getBytes(UTF_8);
                MemorySegment nativeKey = arena.allocateFrom(ValueLayout.JAVA_BYTE, keyBytes);
                assertArrayEquals(expected, store.get(key), key);
                assertArrayEquals(expected, store.get(keyBytes), key);
                assertArrayEquals(expected, store.get(nativeKey), key);
                assertArrayEquals(expected, store.view(key).toArray(ValueLayout.JAVA_BYTE), key);
                assertTrue(store.contains(key) && store.contains(keyBytes) && store.contains(nativeKey), key);
                assertEquals(new String(expected, UTF_8), store.get(key, Codec.utf8()), "a lone surrogate is '?' in UTF-8");
            }
            assertNull(store.get("b"));
            assertNull(store.get("x".repeat(4999)), "a prefix of a key is another key");
            assertNull(store.get("x".repeat(5001)));
            assertNull(store.get("lone \uDC00 surrogate".substring(0, 5)));
            assertNull(store.view("日本語"));
        }
    }

    @Test
    void theUtf8HashOfAStringIsTheHashOfItsBytes() {
        Random random = new Random(12);
        for (int i = 0; i < 2000; i++) {
            StringBuilder s = new StringBuilder();
            for (int n = random.nextInt(80); n > 0; n--) {
                s.append((char) switch (random.nextInt(5)) {
                    case 0 -> random.nextInt(0x80);
                    case 1 -> 0x80 + random.nextInt(0x780);
                    case 2 -> 0x800 + random.nextInt(0xD000);
                    case 3 -> 0xD800 + random.nextInt(0x800); // surrogates, paired or not
                    default -> 0xE000 + random.nextInt(0x2000);
                });
            }
            String key = s.toString();
            byte[] bytes = key.getBytes(UTF_8);
            long seed = random.nextLong();
            assertEquals(StaticKeyHash.hash(MemorySegment.ofArray(bytes), 0, bytes.length, seed),
                    StaticKeyHash.hashUtf8(key, seed), key);
            assertEquals(bytes.length, StaticKeyHash.utf8Length(key), key);
            Xxh3 keyHash = new Xxh3(seed);
            assertEquals(keyHash.hash(bytes), keyHash.hashUtf8(key, bytes.length), key);
            assertTrue(StaticKeyHash.equalsUtf8(MemorySegment.ofArray(bytes), 0, bytes.length, key), key);
        }
    }

    @Test
    void valuesOfEverySizeRoundTripAndBigOnesArePageAligned() throws Exception {
        Path path = dir.resolve("sizes.static");
        Random random = new Random(3);
        Map<String, byte[]> values = new LinkedHashMap<>();
        for (int size : new int[] {1, 7, 8, 9, 100, 4095, 4096, 4097, 65_535, 65_536, 65_537, 1 << 20, 3_000_001}) {
            byte[] value = new byte[size];
            random.nextBytes(value);
            values.put("size " + size, value);
        }
        try (StaticStore.Writer w = StaticStore.writer(path)) {
            values.forEach((key, value) -> put(w, key, value));
        }
        try (StaticStore store = StaticStore.open(path)) {
            values.forEach((key, value) -> {
                assertArrayEquals(value, store.get(key), key);
                MemorySegment view = store.view(key);
                assertEquals(value.length, view.byteSize());
                assertTrue(view.isReadOnly(), "views are read-only");
                if (value.length >= 65_536) {
                    assertEquals(0, view.address() % 4096, key + " starts on a page boundary");
                }
            });
            StaticStore.Stat stat = store.stat();
            assertEquals(values.size(), stat.keys());
            assertEquals(3_000_001, stat.largestValue());
            assertEquals(values.values().stream().mapToLong(v -> v.length).sum(), stat.valueBytes());
            assertEquals(values.keySet().stream().mapToLong(k -> k.length()).sum(), stat.keyBytes());
            assertEquals(Files.size(path), stat.fileBytes());
        }
        assertEquals(List.of(), StaticStore.verify(path));
    }

    @Test
    void streamedValuesOfAnyLengthRoundTrip() throws Exception {
        Path path = dir.resolve("streams.static");
        Random random = new Random(5);
        Map<String, byte[]> values = new LinkedHashMap<>();
        for (int size : new int[] {0, 1, 65_535, 65_536, 65_537, 131_072, 1_000_000}) {
            byte[] value = new byte[size];
            random.nextBytes(value);
            values.put("stream " + size, value);
        }
        try (StaticStore.Writer w = StaticStore.writer(path)) {
            for (Map.Entry<String, byte[]> e : values.entrySet()) {
                w.put(e.getKey().getBytes(UTF_8), new ByteArrayInputStream(e.getValue()));
            }
        }
        try (StaticStore store = StaticStore.open(path)) {
            values.forEach((key, value) -> assertArrayEquals(value, store.get(key), key));
        }
        assertEquals(List.of(), StaticStore.verify(path));
    }

    @Test
    void segmentsFromNativeMemoryAreWrittenAsTheyAre() throws Exception {
        Path path = dir.resolve("segments.static");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zeros = arena.allocate(3 * 4096 + 100); // whole zero pages become holes
            zeros.set(ValueLayout.JAVA_BYTE, 5000, (byte) 7);
            try (StaticStore.Writer w = StaticStore.writer(path)) {
                w.put(MemorySegment.ofArray("zeros".getBytes(UTF_8)), zeros);
                w.put(MemorySegment.ofArray(new byte[] {9}), MemorySegment.ofArray(new byte[] {1, 2, 3}));
            }
            try (StaticStore store = StaticStore.open(path)) {
                assertEquals(-1, store.view(MemorySegment.ofArray("zeros".getBytes(UTF_8))).mismatch(zeros));
                assertArrayEquals(new byte[] {1, 2, 3}, store.get(new byte[] {9}));
            }
        }
        assertEquals(List.of(), StaticStore.verify(path));
    }

    @Test
    void theLastPutOfAKeyWins() throws Exception {
        Path path = dir.resolve("duplicates.static");
        try (StaticStore.Writer w = StaticStore.writer(path)) {
            w.put("k", "first, and long: 1234567890".getBytes(UTF_8));
            w.put("other", "o".getBytes(UTF_8));
            w.put("k", "second".getBytes(UTF_8));
            w.put("k", "third".getBytes(UTF_8));
            assertEquals(4, w.records());
        }
        try (StaticStore store = StaticStore.open(path)) {
            assertEquals("third", store.get("k", Codec.utf8()));
            assertEquals(2, store.size());
            Map<String, String> seen = new TreeMap<>(store.asMap(Codec.utf8(), Codec.utf8()));
            assertEquals(Map.of("k", "third", "other", "o"), seen, "iteration skips the replaced records");
            StaticStore.Stat stat = store.stat();
            assertEquals(2, stat.replacedRecords());
            assertEquals("k".length() + "other".length(), stat.keyBytes(), "key bytes count the live keys only");
            assertEquals("third".length() + "o".length(), stat.valueBytes());
            assertEquals(5, stat.largestValue(), "the largest live value, not the replaced one");
        }
        assertEquals(List.of(), StaticStore.verify(path));
    }

    @Test
    void iterationGivesEveryEntryOnceInWriteOrder() throws Exception {
        Path path = dir.resolve("iterate.static");
        List<String> keys = new ArrayList<>();
        try (StaticStore.Writer w = StaticStore.writer(path)) {
            for (int i = 0; i < 1000; i++) {
                keys.add("key-" + i);
                w.put("key-" + i, Codec.int64().encode((long) i * i));
            }
        }
        try (StaticStore store = StaticStore.open(path)) {
            List<String> iterated = new ArrayList<>();
            for (StaticStore.Entry entry : store) {
                iterated.add(entry.keyString());
                int i = Integer.parseInt(entry.keyString().substring(4));
                assertEquals((long) i * i, Codec.int64().decode(entry.value()));
            }
            assertEquals(keys, iterated);
            List<String> viaForEach = new ArrayList<>();
            store.forEach((k, v) -> viaForEach.add(new String(k.toArray(ValueLayout.JAVA_BYTE), UTF_8)));
            assertEquals(keys, viaForEach);
            Map<String, Long> map = store.asMap(Codec.utf8(), Codec.int64());
            assertEquals(1000, map.size());
            assertEquals(81L, map.get("key-9"));
            assertNull(map.get("key-1000"));
            assertTrue(map.containsKey("key-999"));
            assertFalse(map.containsKey("nope"));
            assertThrows(UnsupportedOperationException.class, () -> map.put("x", 1L));
        }
    }

    @Test
    void typedPutsAndGetsGoThroughCodecs() throws Exception {
        Path path = dir.resolve("typed.static");
        Map<String, Long> counts = new TreeMap<>(Map.of("a", 1L, "b", -2L, "c", Long.MAX_VALUE));
        try (StaticStore.Writer w = StaticStore.writer(path)) {
            w.putAll(counts, Codec.utf8(), Codec.int64());
            w.put("greeting", "Grüße", Codec.utf8());
        }
        try (StaticStore store = StaticStore.open(path)) {
            assertEquals(Long.MAX_VALUE, store.get("c", Codec.int64()));
            assertEquals(-2L, store.get("b".getBytes(UTF_8), Codec.int64()));
            assertEquals("Grüße", store.get("greeting", Codec.utf8()));
            assertNull(store.get("d", Codec.int64()));
        }
    }

    @Test
    void aFixedSeedMakesTheSameFileByteForByte() throws Exception {
        StaticStore.WriterOptions options = StaticStore.WriterOptions.DEFAULT.withSeed(99);
        byte[][] files = new byte[2][];
        for (int i = 0; i < 2; i++) {
            Path path = dir.resolve("same-" + i + ".static");
            try (StaticStore.Writer w = StaticStore.writer(path, options)) {
                for (int k = 0; k < 100; k++) {
                    w.put("k" + k, ("v" + k).getBytes(UTF_8));
                }
            }
            files[i] = Files.readAllBytes(path);
            try (StaticStore store = StaticStore.open(path)) {
                assertEquals(99, store.stat().seed());
            }
        }
        assertArrayEquals(files[0], files[1]);
    }

    @Test
    void everyLoadFactorGivesAnIndexThatFindsEveryKey() throws Exception {
        for (double load : new double[] {0.1, 0.5, 0.75, 0.9, 0.95}) {
            Path path = dir.resolve("load-" + load + ".static");
            try (StaticStore.Writer w = StaticStore.writer(path, StaticStore.WriterOptions.DEFAULT.withLoadFactor(load))) {
                for (int k = 0; k < 5000; k++) {
                    w.put("k" + k, HexFormat.of().formatHex(new byte[] {(byte) k}).getBytes(UTF_8));
                }
            }
            try (StaticStore store = StaticStore.open(path)) {
                for (int k = 0; k < 5000; k++) {
                    assertArrayEquals(HexFormat.of().formatHex(new byte[] {(byte) k}).getBytes(UTF_8), store.get("k" + k));
                    assertNull(store.get("m" + k));
                }
                StaticStore.Stat stat = store.stat();
                assertTrue(stat.indexLoad() <= load && stat.indexLoad() > load - 0.01, () -> load + ": " + stat);
            }
            assertEquals(List.of(), StaticStore.verify(path));
        }
    }

    @Test
    void autoUnmapKeepsViewsValidAfterClose() throws Exception {
        Path path = dir.resolve("auto.static");
        try (StaticStore.Writer w = StaticStore.writer(path)) {
            w.put("k", "still here".getBytes(UTF_8));
        }
        StaticStore store = StaticStore.open(path, MapOption.AUTO_UNMAP, StandardOpenOption.READ);
        MemorySegment view = store.view("k");
        store.close();
        assertEquals("still here", new String(view.toArray(ValueLayout.JAVA_BYTE), UTF_8));
        assertThrows(IllegalStateException.class, () -> store.get("k"));
    }

    @Test
    void badInputIsRefusedByNameAndLimit() throws Exception {
        Path path = dir.resolve("bad.static");
        try (StaticStore.Writer w = StaticStore.writer(path)) {
            assertEquals("key", assertThrows(NullPointerException.class, () -> w.put((byte[]) null, new byte[0])).getMessage());
            assertEquals("value", assertThrows(NullPointerException.class, () -> w.put(new byte[0], (byte[]) null)).getMessage());
            assertEquals("key", assertThrows(NullPointerException.class, () -> w.put((String) null, new byte[0])).getMessage());
            IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                    () -> w.put(new byte[65_536], new byte[0]));
            assertEquals("key of 65536 bytes is over the limit of a static store key, 65535 bytes", tooLong.getMessage());
            w.put(new byte[65_535], "the longest key".getBytes(UTF_8));
            assertThrows(IllegalArgumentException.class, () -> w.put("é".repeat(32_768), new byte[0]), "65536 bytes in UTF-8");
        }
        try (StaticStore.Writer w = StaticStore.writer(dir.resolve("unused.static"))) {
            assertThrows(IllegalArgumentException.class, () -> StaticStore.WriterOptions.DEFAULT.withLoadFactor(0.99));
            assertThrows(IllegalArgumentException.class, () -> StaticStore.WriterOptions.DEFAULT.withLoadFactor(Double.NaN));
            w.abort();
        }
        StaticStore store = StaticStore.open(path);
        assertArrayEquals("the longest key".getBytes(UTF_8), store.get(new byte[65_535]));
        assertEquals("key", assertThrows(NullPointerException.class, () -> store.get((byte[]) null)).getMessage());
        assertEquals("key", assertThrows(NullPointerException.class, () -> store.view((String) null)).getMessage());
        assertEquals("key of 65536 bytes is over the limit of a static store key, 65535 bytes",
                assertThrows(IllegalArgumentException.class, () -> store.get(new byte[65_536])).getMessage());
        assertEquals("key of 65536 bytes is over the limit of a static store key, 65535 bytes",
                assertThrows(IllegalArgumentException.class, () -> store.contains("é".repeat(32_768))).getMessage());
        IllegalArgumentException write = assertThrows(IllegalArgumentException.class,
                () -> StaticStore.open(path, StandardOpenOption.WRITE));
        assertTrue(write.getMessage().contains("option WRITE is not allowed"), write.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StaticStore.open(path, MapOption.PRIVATE));

        MemorySegment view = store.view(new byte[65_535]);
        store.close();
        store.close(); // idempotent
        assertFalse(store.isOpen());
        String closed = "the static store " + path + " is closed";
        assertEquals(closed, assertThrows(IllegalStateException.class, () -> store.get("x")).getMessage());
        assertEquals(closed, assertThrows(IllegalStateException.class, () -> store.view(new byte[1])).getMessage());
        assertEquals(closed, assertThrows(IllegalStateException.class, store::size).getMessage());
        assertEquals(closed, assertThrows(IllegalStateException.class, store::iterator).getMessage());
        assertEquals(closed, assertThrows(IllegalStateException.class, store::stat).getMessage());
        assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_BYTE, 0), "views die with the store");
    }

    @Test
    void aWriterAfterCloseOrAbortRefusesEverything() throws Exception {
        Path path = dir.resolve("done.static");
        StaticStore.Writer w = StaticStore.writer(path);
        w.put("a", new byte[] {1});
        w.close();
        w.close(); // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.put("b", new byte[] {2}));
        assertEquals("the writer of " + path + " is closed", e.getMessage());
        w.abort(); // after close: nothing to do, the store stays published
        try (StaticStore store = StaticStore.open(path)) {
            assertArrayEquals(new byte[] {1}, store.get("a"));
        }

        StaticStore.Writer aborted = StaticStore.writer(path);
        aborted.put("b", new byte[] {2});
        aborted.abort();
        aborted.close(); // nothing: it was aborted
        assertThrows(IllegalStateException.class, () -> aborted.put("c", new byte[] {3}));
        try (StaticStore store = StaticStore.open(path)) {
            assertNull(store.get("b"), "an aborted writer publishes nothing");
            assertArrayEquals(new byte[] {1}, store.get("a"));
        }
        assertEquals(List.of(path), listDir(), "no temporary file is left behind");
    }

    @Test
    void aWriterCannotTargetADirectory() {
        assertThrows(java.nio.file.FileSystemException.class, () -> StaticStore.writer(dir));
    }

    private List<Path> listDir() throws Exception {
        try (var files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    private static void put(StaticStore.Writer w, String key, byte[] value) {
        try {
            w.put(key, value);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void keysCompareByEveryByte() throws Exception {
        Path path = dir.resolve("near.static");
        byte[] base = new byte[40];
        Arrays.fill(base, (byte) 'k');
        try (StaticStore.Writer w = StaticStore.writer(path)) {
            w.put(base, new byte[] {0});
        }
        try (StaticStore store = StaticStore.open(path)) {
            for (int i = 0; i < base.length; i++) {
                byte[] near = base.clone();
                near[i] ^= 1;
                assertNull(store.get(near), "differs at byte " + i);
            }
            assertArrayEquals(new byte[] {0}, store.get(base));
        }
    }
}
