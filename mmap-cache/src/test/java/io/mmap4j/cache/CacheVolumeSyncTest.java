package io.mmap4j.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.cache.CacheVolume.Options;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The background sync under load: writers that never pause must not starve it of the writers' lock. */
class CacheVolumeSyncTest {
    @TempDir
    Path dir;

    /**
     * Every sync snapshots the directory into the one buffer the volume allocated when it opened
     * (native memory the size of a copy), and writes a sound copy from it each time.
     */
    @Test
    void everySyncReusesTheVolumesOneSnapshotBuffer() throws Exception {
        Path path = dir.resolve("v.cache");
        Options options = Options.DEFAULT.withAggregationBytes(64 << 10).withSyncInterval(Duration.ZERO);
        try (CacheVolume v = CacheVolume.open(path, 16L << 20, options)) {
            Volume volume = CacheVolumeTest.volumeOf(v);
            MemorySegment buffer = volume.syncBuffer();
            assertEquals(volume.g.copyBytes(), buffer.byteSize());
            for (int round = 0; round < 3; round++) {
                v.set(Values.key(round), Values.value(round, 1, 3000));
                v.flush();
                assertEquals(buffer.address(), volume.syncBuffer().address(), "sync " + round);
                assertEquals(List.of(), CacheVolume.verify(path), "the copy sync " + round + " wrote");
            }
        }
        try (CacheVolume v = CacheVolume.open(path)) {
            assertTrue(v.recovery().clean(), v.recovery().toString());
            assertArrayEquals(Values.value(2, 1, 3000), v.get(Values.key(2)));
        }
    }

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
