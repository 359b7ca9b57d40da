package io.mmap4j.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lookup's promise: hashing and comparing a key allocates nothing, for {@code String} keys
 * too (ASCII or not, short or over the 16 and 240 bytes where XXH3 changes its path). Counted with
 * the JVM's per-thread allocation counter over many lookups, the least of ten rounds.
 */
class StaticStoreAllocationTest {
    private static final int CALLS = 20_000;

    @TempDir
    Path dir;

    @Test
    void lookupsByStringAndByBytesAllocateNothing() throws Exception {
        String[] keys = {"k", "key-0123456789", "ü.€", "日本語のキー", "a".repeat(100), "é".repeat(100),
            "ascii ".repeat(60), "ü".repeat(300) + "😀"};
        Path path = dir.resolve("s.static");
        try (StaticStore.Writer w = StaticStore.writer(path)) {
            for (String key : keys) {
                w.put(key, key.getBytes(UTF_8));
            }
        }
        String[] absent = {"absent", "ü.€ absent", "x".repeat(241), "€".repeat(81)};
        byte[][] bytes = new byte[keys.length][];
        for (int i = 0; i < keys.length; i++) {
            bytes[i] = keys[i].getBytes(UTF_8);
        }
        try (StaticStore store = StaticStore.open(path)) {
            long strings = allocatedOver(() -> {
                for (int i = 0; i < CALLS; i++) {
                    String key = keys[i % keys.length];
                    if (!store.contains(key) || store.contains(absent[i % absent.length])) {
                        throw new AssertionError(key);
                    }
                }
            });
            long arrays = allocatedOver(() -> {
                for (int i = 0; i < CALLS; i++) {
                    if (!store.contains(bytes[i % bytes.length])) {
                        throw new AssertionError(i);
                    }
                }
            });
            assertTrue(strings < CALLS, strings + " bytes allocated by " + 2 * CALLS + " lookups by String");
            assertTrue(arrays < CALLS, arrays + " bytes allocated by " + CALLS + " lookups by byte[]");
        }
    }

    /**
     * The fewest bytes the calling thread allocates in one run of {@code work}, over ten runs (the
     * first ones compile it). The counter is read reflectively: this module does not read
     * {@code jdk.management}, and the tests run on the class path, where it is there.
     */
    private static long allocatedOver(Runnable work) throws Exception {
        Object threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        var counter = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
        long least = Long.MAX_VALUE;
        for (int round = 0; round < 10; round++) {
            long before = (long) counter.invoke(threads);
            work.run();
            least = Math.min(least, (long) counter.invoke(threads) - before);
        }
        assertTrue(least >= 0);
        return least;
    }
}
