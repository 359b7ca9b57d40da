package io.mmap4j.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.cache.CacheVolume.Options;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interrupts of threads that use a volume: a {@code FileChannel} closes when a thread using it is
 * interrupted, so the volume must never let a caller's thread touch its channel. Each call
 * completes, the volume goes on for every thread, and the interrupt status stays set.
 */
class CacheVolumeInterruptTest {
    static final long SIZE = 16L << 20;
    static final Options OPTIONS = Options.DEFAULT.withAggregationBytes(64 << 10)
            .withSyncInterval(Duration.ofMillis(10));

    @TempDir
    Path dir;

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    @Test
    void aSetRemoveFlushAndCloseOfAnInterruptedThreadCompleteAndKeepItsInterruptStatus() throws IOException {
        Path path = dir.resolve("v.cache");
        try (CacheVolume v = CacheVolume.open(path, SIZE, OPTIONS)) {
            v.set(Values.key(0), Values.value(0, 1, 1000));
            Thread.currentThread().interrupt();
            // 100 KiB: more than the 64 KiB buffer, so the set writes to the file at once.
            v.set(Values.key(1), Values.value(1, 1, 100_000));
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status is kept");
            v.set(Values.key(2), Values.value(2, 1, 60_000)); // fills the buffer: it goes to the file
            v.set(Values.key(3), Values.value(3, 1, 60_000));
            assertTrue(v.remove(Values.key(0)));
            v.flush();
            assertTrue(Thread.currentThread().isInterrupted());
            assertArrayEquals(Values.value(1, 1, 100_000), v.get(Values.key(1)));
            assertArrayEquals(Values.value(2, 1, 60_000), v.get(Values.key(2)));
            assertNull(v.lastSyncFailure());
        }
        assertTrue(Thread.interrupted(), "close kept the interrupt status too");
        try (CacheVolume v = CacheVolume.open(path)) {
            assertTrue(v.recovery().clean(), "the interrupted thread's close saved the directory: " + v.recovery());
            assertNull(v.get(Values.key(0)));
            assertArrayEquals(Values.value(1, 1, 100_000), v.get(Values.key(1)));
            assertArrayEquals(Values.value(3, 1, 60_000), v.get(Values.key(3)));
        }
        assertEquals(java.util.List.of(), CacheVolume.verify(path));
    }

    @Test
    void anInterruptedThreadCreatesOpensVerifiesAndStatsAVolumeAndKeepsItsInterruptStatus() throws IOException {
        Path path = dir.resolve("v.cache");
        Thread.currentThread().interrupt();
        try (CacheVolume v = CacheVolume.open(path, SIZE, OPTIONS)) {
            assertTrue(v.recovery().created(), v.recovery().toString());
            assertTrue(Thread.currentThread().isInterrupted(), "create kept the interrupt status");
            v.set(Values.key(0), Values.value(0, 1, 100_000));
        }
        assertTrue(Thread.currentThread().isInterrupted());
        try (CacheVolume v = CacheVolume.open(path)) {
            assertTrue(v.recovery().clean(), v.recovery().toString());
            assertArrayEquals(Values.value(0, 1, 100_000), v.get(Values.key(0)));
            assertTrue(Thread.currentThread().isInterrupted(), "open kept the interrupt status");
        }
        assertEquals(java.util.List.of(), CacheVolume.verify(path));
        assertEquals(1, CacheVolume.stats(path).objects());
        assertTrue(Thread.interrupted(), "verify and stats kept the interrupt status");
    }

    @Test
    void writersInterruptedAgainAndAgainMidSetLeaveTheVolumeWorkingForEveryone() throws Exception {
        Path path = dir.resolve("v.cache");
        int writers = 2;
        int rounds = 300;
        try (CacheVolume v = CacheVolume.open(path, SIZE, OPTIONS)) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicInteger interruptedAtEnd = new AtomicInteger();
            CountDownLatch started = new CountDownLatch(writers);
            Thread[] threads = new Thread[writers];
            for (int w = 0; w < writers; w++) {
                int id = w;
                threads[w] = new Thread(() -> {
                    started.countDown();
                    boolean interrupted = false;
                    try {
                        for (int i = 0; i < rounds; i++) {
                            int k = id * rounds + i;
                            v.set(Values.key(k), Values.value(k, 1, 20_000 + i * 100));
                            interrupted |= Thread.interrupted(); // as code that handles it later would
                            if (i % 50 == 0) {
                                v.flush();
                            }
                        }
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                    if (interrupted || Thread.currentThread().isInterrupted()) {
                        interruptedAtEnd.incrementAndGet();
                    }
                }, "writer-" + w);
                threads[w].start();
            }
            started.await();
            for (int i = 0; i < 2000 && (threads[0].isAlive() || threads[1].isAlive()); i++) {
                for (Thread t : threads) {
                    t.interrupt();
                }
                Thread.sleep(0, 200_000);
            }
            for (Thread t : threads) {
                t.join();
            }
            assertNull(failure.get(), () -> "a writer failed: " + failure.get());
            assertEquals(writers, interruptedAtEnd.get(), "each writer saw its interrupts");
            // Every object set is there, exact (the volume holds them all), and the volume takes more.
            for (int k = 0; k < writers * rounds; k++) {
                byte[] got = v.get(Values.key(k));
                if (got != null) {
                    assertEquals(1, Values.versionOf(k, got), "key " + k);
                }
            }
            v.set(Values.key(-1), Values.value(-1, 7, 5000));
            v.flush();
            assertArrayEquals(Values.value(-1, 7, 5000), v.get(Values.key(-1)));
            assertNull(v.lastSyncFailure());
        }
        try (CacheVolume v = CacheVolume.open(path)) {
            assertTrue(v.recovery().clean(), v.recovery().toString());
            assertArrayEquals(Values.value(-1, 7, 5000), v.get(Values.key(-1)));
        }
        assertEquals(java.util.List.of(), CacheVolume.verify(path));
    }
}
