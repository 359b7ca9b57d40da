package io.mmap4j.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.testkit.Python;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bytes on disk are those docs/static-store-format.md specifies, and a reader written from it agrees. */
class StaticStoreFormatTest {
    private static final long SEED = 0x0123456789ABCDEFL;
    private static final HexFormat HEX = HexFormat.of();

    @TempDir
    Path dir;

    @Test
    void xxh64TestVectorsOfTheSpecification() {
        // Seed 0: the reference implementation's (xxhsum -H1); the others as the format page lists them.
        assertEquals(0xef46db3751d8e999L, xxh64("", 0));
        assertEquals(0xd24ec4f1a98c6e5bL, xxh64("a", 0));
        assertEquals(0x44bc2cf5ad770999L, xxh64("abc", 0));
        assertEquals(0x65c7dfffa0a9653dL, xxh64("http.hits", 0));
        assertEquals(0xfe79f82eeb3cfbb3L, xxh64("ü.€", 0));
        assertEquals(0x5c5b90c34e376d0bL, xxh64("0123456789abcdef", 0));
        assertEquals(0x0b242d361fda71bcL, xxh64("The quick brown fox jumps over the lazy dog", 0));
        assertEquals(0x92f0de5a88a3c094L, xxh64("x".repeat(100), 0));
        assertEquals(0x51e24c0e9077a48cL, xxh64("", SEED));
        assertEquals(0x63a379f532ba23d4L, xxh64("a", SEED));
        assertEquals(0x53c72496fb8c542aL, xxh64("http.hits", SEED));
        for (String s : new String[] {"", "a", "ü.€", "The quick brown fox jumps over the lazy dog", "x".repeat(100)}) {
            assertEquals(xxh64(s, SEED), StaticKeyHash.hashUtf8(s, SEED), "streamed UTF-8 hash of " + s);
        }
    }

    @Test
    void crc32cTestVector() {
        CRC32C crc = new CRC32C();
        crc.update("123456789".getBytes(UTF_8));
        assertEquals(0xE3069283L, crc.getValue());
    }

    @Test
    void theTestVectorStoreByteByByte() throws IOException {
        Path path = dir.resolve("vector.static");
        try (StaticStore.Writer w = StaticStore.writer(path,
                StaticStore.WriterOptions.DEFAULT.withSeed(SEED).withLoadFactor(0.95))) {
            w.put("a", "1".getBytes(UTF_8));
            w.put("http.hits", "42".getBytes(UTF_8));
            w.put("", new byte[0]);
        }
        byte[] file = Files.readAllBytes(path);
        assertEquals(8224, file.length);
        assertEquals(hex("""
                4d 4d 41 50 34 4a 53 54  03 00 00 00 00 10 00 00
                02 00 00 00 00 00 00 00  ef cd ab 89 67 45 23 01
                03 00 00 00 00 00 00 00  03 00 00 00 00 00 00 00
                00 10 00 00 00 00 00 00  48 10 00 00 00 00 00 00
                00 20 00 00 00 00 00 00  04 00 00 00 00 00 00 00
                20 20 00 00 00 00 00 00  0a 00 00 00 00 00 00 00
                03 00 00 00 00 00 00 00  02 00 00 00 00 00 00 00
                01 00 00 00 00 00 01 00  6c 35 18 8d f8 ad 65 4d
                """), HEX.formatHex(file, 0, 128), "the header's fields");
        for (int i = 128; i < 4096; i++) {
            assertEquals(0, file[i], "reserved byte " + i);
        }
        assertEquals(hex("""
                01 00 00 00 11 00 d7 a0  01 00 00 00 00 00 00 00
                61 31 00 00 00 00 00 00
                09 00 00 00 2e 45 ca f1  02 00 00 00 00 00 00 00
                68 74 74 70 2e 68 69 74  73 34 32 00 00 00 00 00
                00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00
                """), HEX.formatHex(file, 4096, 4168), "the records");
        for (int i = 4168; i < 8192; i++) {
            assertEquals(0, file[i], "padding byte " + i);
        }
        assertEquals(hex("""
                07 9e 08 1b 5a a3 1c cc
                03 e6 92 fe 4c 52 0f 41
                00 00 00 00 00 00 00 00
                00 1e 54 e7 f9 69 f3 fc
                """), HEX.formatHex(file, 8192, 8224), "the index");
        try (StaticStore store = StaticStore.open(path)) { // the lookups the format page walks through
            assertEquals("1", new String(store.get("a"), UTF_8));
            assertEquals("42", new String(store.get("http.hits"), UTF_8));
            assertEquals(0, store.get("").length);
            assertEquals(null, store.get("d"));
        }
    }

    private static String hex(String dump) {
        return dump.replaceAll("\\s", "");
    }

    @Test
    void aPythonReaderWrittenFromTheDocumentReadsWhatJavaWrote() throws Exception {
        Path path = dir.resolve("python.static");
        Random random = new Random(8);
        Map<String, byte[]> live = new LinkedHashMap<>(); // in the order of their surviving records
        List<byte[]> keysInOrder = new ArrayList<>();
        // A full index (load 0.95) makes long probe runs; values cross the 64 KiB alignment rule.
        try (StaticStore.Writer w = StaticStore.writer(path, StaticStore.WriterOptions.DEFAULT.withLoadFactor(0.95))) {
            String[] special = {"", "ü.€.日本語.😀", "x".repeat(300), "with space = and \"quotes\""};
            int[] sizes = {0, 1, 7, 100, 65_535, 65_536, 200_000};
            for (int i = 0; i < 600; i++) {
                String key = i < special.length ? special[i] : "key-" + i + "-" + "k".repeat(random.nextInt(40));
                byte[] value = new byte[i < sizes.length ? sizes[i] : random.nextInt(300)];
                random.nextBytes(value);
                w.put(key, value);
                put(live, keysInOrder, key, value);
            }
            for (int i = 10; i < 20; i++) { // replaced: the last put wins, the earlier record is dead
                String key = "key-" + i;
                byte[] value = ("again " + i).getBytes(UTF_8);
                live.keySet().stream().filter(k -> k.startsWith(key + "-")).findFirst().ifPresent(k -> {
                    put(w, k, value);
                    put(live, keysInOrder, k, value);
                });
            }
        }
        List<String> expected = new ArrayList<>();
        try (StaticStore store = StaticStore.open(path)) {
            StaticStore.Stat s = store.stat();
            expected.add("stat " + s.keys() + " " + (s.keys() + s.replacedRecords()) + " " + s.indexSlots() + " "
                    + s.maxDisplacement() + " " + s.keyBytes() + " " + s.valueBytes() + " " + s.largestValue());
            assertTrue(s.maxDisplacement() >= 3, "the index has probe runs: " + s);
        }
        for (byte[] key : keysInOrder) {
            expected.add("entry " + describe(key, live.get(new String(key, UTF_8))));
        }
        List<String> probes = List.of(HEX.formatHex("ü.€.日本語.😀".getBytes(UTF_8)), HEX.formatHex("nope".getBytes(UTF_8)),
                HEX.formatHex("key-10".getBytes(UTF_8)), "");
        expected.add("hit " + describe("ü.€.日本語.😀".getBytes(UTF_8), live.get("ü.€.日本語.😀")));
        expected.add("miss " + probes.get(1));
        expected.add("miss " + probes.get(2));
        expected.add("hit " + describe(new byte[0], live.get("")));

        List<String> args = new ArrayList<>(List.of(path.toString()));
        args.addAll(probes);
        assertEquals(expected, Python.run(Duration.ofSeconds(120), script(), args.toArray(String[]::new)));
    }

    /** Records the put: a replaced key moves to the end of the order, where its surviving record is. */
    private static void put(Map<String, byte[]> live, List<byte[]> order, String key, byte[] value) {
        byte[] bytes = key.getBytes(UTF_8);
        order.removeIf(k -> java.util.Arrays.equals(k, bytes));
        order.add(bytes);
        live.put(key, value);
    }

    private static void put(StaticStore.Writer w, String key, byte[] value) {
        try {
            w.put(key, value);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String describe(byte[] key, byte[] value) {
        try {
            return HEX.formatHex(key) + " " + value.length + " "
                    + HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(value));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static long xxh64(String s, long seed) {
        byte[] bytes = s.getBytes(UTF_8);
        return StaticKeyHash.hash(MemorySegment.ofArray(bytes), 0, bytes.length, seed);
    }

    private static Path script() throws Exception {
        return Path.of(StaticStoreFormatTest.class.getResource("read_static_store.py").toURI());
    }
}
