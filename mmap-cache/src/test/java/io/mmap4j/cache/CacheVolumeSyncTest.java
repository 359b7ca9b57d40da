package io.mmap4j.cache;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.cache.CacheVolume.Options;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The background sync under load: writers that never pause must not starve it of the writers' lock. */
class CacheVolumeSyncTest {
    @TempDir
    Path dir;

    @Test
    void theBackgroundSyncMakesProgressUnderConstantWrites() throws Exception {
        Options options = Options.DEFAULT.withAggregationBytes(64 << 10).withSyncInterval(Duration.ofMillis(10));
        Path path = dir.resolve("v.cache");
        try (CacheVolume v = CacheVolume.open(path, 16L << 20, options)) {
            Volume volume = CacheVolumeTest.volumeOf(v);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread[] writers = new Thread[3];
            for (int w = 0; w < writers.length; w++) {
                int id = w;
                writers[w] = new Thread(() -> {
                    try {
                        for (int i = 0; !stop.get(); i++) {
                            int k = id * 1000 + i % 1000;
                            v.set(Values.key(k), Values.value(k, i, 3000));
                        }
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                });
            }
            for (Thread t : writers) {
                t.start();
            }
            // Let the writers get going, then count the syncs of one second of constant writes.
            Thread.sleep(100);
            long before = volume.syncs();
            long start = System.nanoTime();
            Thread.sleep(1000);
            long syncs = volume.syncs() - before;
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            stop.set(true);
            for (Thread t : writers) {
                t.join();
            }
            assertNull(failure.get());
            assertNull(v.lastSyncFailure());
            // One every 10 ms plus the sync's own time; starved, a sync would wait for the writers to stop.
            assertTrue(syncs >= 10, syncs + " syncs in " + millis + " ms of constant writes");
            for (int k = 0; k < 3000; k++) {
                byte[] got = v.get(Values.key(k));
                assertTrue(got == null || Values.versionOf(k, got) >= 0, "key " + k + " holds an exact value or none");
            }
        }
    }
}
