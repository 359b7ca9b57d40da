package io.mmap4j.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.cache.CacheVolume.Options;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bakemono's pressure apps, scaled to CI: zero wrong bytes. */
class CacheVolumePressureTest {
    @TempDir
    Path dir;

    /** bakemono's single-threaded app: loops of keys sharing one random value of up to 511 KiB, every hit checked. */
    @Test
    void loopsOfThousandsOfKeysSharingRandomValues() throws Exception {
        SplittableRandom r = new SplittableRandom(42);
        Path path = dir.resolve("pressure.cache");
        try (CacheVolume v = CacheVolume.open(path, 64L << 20, Options.DEFAULT.withAverageObjectBytes(64 << 10))) {
            for (int loop = 0; loop < 4; loop++) {
                int length = r.nextInt(511 << 10);
                byte[] value = new byte[length];
                r.nextBytes(value);
                int keys = 2000;
                for (int i = 0; i < keys; i++) {
                    v.set(Values.key(i), value);
                }
                long hits = 0;
                for (int i = 0; i < keys; i++) {
                    byte[] got = v.get(Values.key(i));
                    if (got != null) {
                        assertArrayEquals(value, got, "loop " + loop + " key " + i);
                        hits++;
                    }
                }
                long fit = v.stats().dataBytes() / CacheFormat.recordBytes(8, length);
                assertTrue(hits >= Math.min(keys, fit) - 2, "loop " + loop + ": " + hits + " hits of " + keys
                        + ", room for " + fit);
                assertEquals(0, v.stats().corruptDropped());
            }
        }
    }

    /** bakemono's concurrent app: one writer wrapping the volume many times, readers at once, every hit exact. */
    @Test
    void oneWriterAndSeveralReadersAtOnce() throws Exception {
        Path path = dir.resolve("concurrent.cache");
        int keys = 3000;
        try (CacheVolume v = CacheVolume.open(path, 16L << 20,
                Options.DEFAULT.withAggregationBytes(256 << 10).withSyncInterval(Duration.ofMillis(50)))) {
            AtomicBoolean done = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicLong hits = new AtomicLong();
            AtomicLong wrong = new AtomicLong();
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                long seed = t;
                readers.add(Thread.ofPlatform().start(() -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    try {
                        while (!done.get()) {
                            int k = r.nextInt(keys);
                            byte[] got = v.get(Values.key(k));
                            if (got != null) {
                                hits.incrementAndGet();
                                if (Values.versionOf(k, got) < 0) {
                                    wrong.incrementAndGet();
                                }
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            SplittableRandom r = new SplittableRandom(99);
            long written = 0;
            for (int round = 0; written < (160L << 20); round++) {
                for (int k = 0; k < keys && written < (160L << 20); k++) {
                    int length = 1 + r.nextInt(64 << 10);
                    v.set(Values.key(k), Values.value(k, round, length));
                    written += length;
                }
            }
            done.set(true);
            for (Thread t : readers) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertEquals(0, wrong.get(), "wrong values among " + hits.get() + " hits");
            assertTrue(hits.get() > 1000, hits.get() + " hits");
            assertEquals(0, v.stats().corruptDropped());
            assertTrue(v.stats().writeCursor() > 9 * v.stats().dataBytes(), "the cursor went round many times");
        }
        assertEquals(List.of(), CacheVolume.verify(path));
    }
}
