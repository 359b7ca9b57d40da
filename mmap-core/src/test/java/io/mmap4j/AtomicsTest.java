package io.mmap4j;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicsTest {
    @TempDir
    Path dir;

    /** emmap's patomic sequence: each operation returns the value before it. */
    @Test
    void emmapSequenceOnLongs() throws IOException {
        try (MMap m = MMap.open(dir.resolve("seq.bin"), 64, CREATE, READ, WRITE)) {
            assertEquals(0, m.getAndAddLong(8, 10));        // 0 + 10 = 10
            assertEquals(10, m.getAndSubLong(8, 3));        // 10 - 3 = 7
            assertEquals(7, m.getAndBitwiseAndLong(8, 6));  // 7 & 6 = 6
            assertEquals(6, m.getAndBitwiseOrLong(8, 9));   // 6 | 9 = 15
            assertEquals(15, m.getAndBitwiseXorLong(8, 5)); // 15 ^ 5 = 10
            assertEquals(10, m.getAndSetLong(8, 100));      // xchg
            assertTrue(m.compareAndSetLong(8, 100, 200));
            assertFalse(m.compareAndSetLong(8, 100, 300), "a strong CAS fails only when the value differs");
            assertEquals(200, m.compareAndExchangeLong(8, 1, 2), "witness on failure");
            assertEquals(200, m.compareAndExchangeLong(8, 200, 250), "witness on success");
            assertEquals(250, m.getLong(8));
        }
    }

    @Test
    void emmapSequenceOnInts() throws IOException {
        try (MMap m = MMap.open(dir.resolve("seq32.bin"), 64, CREATE, READ, WRITE)) {
            assertEquals(0, m.getAndAddInt(4, 10));
            assertEquals(10, m.getAndSubInt(4, 3));
            assertEquals(7, m.getAndBitwiseAndInt(4, 6));
            assertEquals(6, m.getAndBitwiseOrInt(4, 9));
            assertEquals(15, m.getAndBitwiseXorInt(4, 5));
            assertEquals(10, m.getAndSetInt(4, 100));
            assertTrue(m.compareAndSetInt(4, 100, 200));
            assertFalse(m.compareAndSetInt(4, 100, 300));
            assertEquals(200, m.compareAndExchangeInt(4, 1, 2));
            assertEquals(200, m.compareAndExchangeInt(4, 200, 250));
            assertEquals(250, m.getInt(4));
            assertEquals(0, m.getInt(0), "the neighbouring int is untouched");
            assertEquals(0, m.getInt(8));
        }
    }

    @Test
    void overflowWrapsAsInJava() throws IOException {
        try (MMap m = MMap.open(dir.resolve("wrap.bin"), 64, CREATE, READ, WRITE)) {
            m.putLong(0, Long.MAX_VALUE);
            assertEquals(Long.MAX_VALUE, m.getAndAddLong(0, 1));
            assertEquals(Long.MIN_VALUE, m.getLong(0));
            m.putInt(8, Integer.MIN_VALUE);
            assertEquals(Integer.MIN_VALUE, m.getAndSubInt(8, 1));
            assertEquals(Integer.MAX_VALUE, m.getInt(8));
            assertEquals(Integer.MAX_VALUE, m.getAndSubInt(8, Integer.MIN_VALUE));
            assertEquals(-1, m.getInt(8));
        }
    }

    @Test
    void orderedLoadsAndStoresRoundTrip() throws IOException {
        try (MMap m = MMap.open(dir.resolve("ordered.bin"), 64, CREATE, READ, WRITE)) {
            m.putLongVolatile(0, 1);
            assertEquals(1, m.getLongVolatile(0));
            m.putLongRelease(8, 2);
            assertEquals(2, m.getLongAcquire(8));
            m.putLongOpaque(16, 3);
            assertEquals(3, m.getLongOpaque(16));
            m.putIntVolatile(24, 4);
            assertEquals(4, m.getIntVolatile(24));
            m.putIntRelease(28, 5);
            assertEquals(5, m.getIntAcquire(28));
            m.putIntOpaque(32, 6);
            assertEquals(6, m.getIntOpaque(32));
            assertEquals(1, m.getLong(0), "ordered and plain access see the same little-endian bytes");
            assertEquals(4, m.getInt(24));
        }
    }

    /** Alignment is judged on the file offset, so a map at an odd offset behaves predictably. */
    @Test
    void alignmentFollowsTheFileOffset() throws IOException {
        Path file = dir.resolve("offset.bin");
        Files.write(file, new byte[8192]);
        try (MMap m = MMap.open(file, 4, 4096, READ, WRITE)) {
            assertEquals(0, m.getAndAddLong(4, 1), "position 4 is file offset 8: aligned");
            assertEquals(0, m.getAndAddInt(0, 1), "position 0 is file offset 4: aligned for an int");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.getAndAddLong(0, 1));
            assertEquals("position 0 is misaligned for 8-byte atomic access: its file offset 4 is not a multiple of 8 ("
                    + file + " at file offset 4)", e.getMessage());
        }
        try (MMap m = MMap.open(file, 4099, 100, READ, WRITE)) {
            assertEquals(0, m.getAndAddLong(5, 7), "file offset 4104 is aligned whatever the page offset");
            assertThrows(IllegalArgumentException.class, () -> m.getIntVolatile(0));
        }
        try (MMap m = MMap.open(file, READ)) {
            assertEquals(7, m.getLong(4104));
        }
    }

    @Test
    void threadsAddingConcurrentlyLoseNothing() throws Exception {
        int threads = 4, adds = 200_000;
        try (MMap m = MMap.open(dir.resolve("threads.bin"), 64, CREATE, READ, WRITE)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < adds; i++) {
                            m.getAndAddLong(0, 1);
                            m.getAndAddInt(8, 1);
                            int seen;
                            do {
                                seen = m.getIntVolatile(12);
                            } while (!m.compareAndSetInt(12, seen, seen + 1));
                        }
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals((long) threads * adds, m.getLongVolatile(0));
            assertEquals(threads * adds, m.getIntVolatile(8));
            assertEquals(threads * adds, m.getIntVolatile(12));
        }
    }
}
