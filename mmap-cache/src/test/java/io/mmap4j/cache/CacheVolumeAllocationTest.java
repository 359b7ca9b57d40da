package io.mmap4j.cache;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read path's promise: a probe, and a get into a caller's buffer, allocate nothing. Counted
 * with the JVM's per-thread allocation counter over many calls after the code is compiled.
 */
class CacheVolumeAllocationTest {
    static final int CALLS = 20_000;

    @TempDir
    Path dir;

    @Test
    void probesPastTagCollisionsAllocateNothing() throws Exception {
        try (CacheVolume v = CacheVolume.open(dir.resolve("v.cache"), CacheVolumeTest.SIZE, CacheVolumeTest.QUIET)) {
            Volume volume = CacheVolumeTest.volumeOf(v);
            // Three keys of one bucket sharing one tag: a probe for the last compares the others' keys.
            byte[][] twins = new byte[3][];
            twins[0] = key(0);
            long h = volume.hash(twins[0]);
            for (int i = 1, found = 1; found < twins.length; i++) {
                byte[] k = key(i);
                long t = volume.hash(k);
                if (Volume.tag(t) == Volume.tag(h) && volume.segment(t) == volume.segment(h)
                        && volume.bucket(t) == volume.bucket(h)) {
                    twins[found++] = k;
                }
            }
            for (int i = 0; i < twins.length; i++) {
                v.set(twins[i], Values.value(i, 1, 1000));
            }
            v.flush();
            long p = -1;
            for (long at = 0; p < 0; at += CacheFormat.UNIT) {
                if (volume.matches(at, twins[2], 1 << 20) == Volume.SAME_KEY) {
                    p = at;
                }
            }
            long position = p;
            Runnable probes = () -> {
                for (int i = 0; i < CALLS; i++) {
                    if (volume.matches(position, twins[0], 1 << 20) != Volume.OTHER_KEY
                            || volume.matches(position, twins[2], 1 << 20) != Volume.SAME_KEY) {
                        throw new AssertionError("probe " + i);
                    }
                }
            };
            long bytes = allocatedOver(probes);
            assertTrue(bytes < CALLS, bytes + " bytes allocated by " + 2 * CALLS + " probes (over 10 rounds, the least)");
        }
    }

    /** 24 bytes: a key whose compare takes three 8-byte words. */
    static byte[] key(int i) {
        return String.format("twin-%019d", i).getBytes(UTF_8);
    }

    /** The fewest bytes the calling thread allocates in one run of {@code work}, over ten runs (the first ones compile it). */
    static long allocatedOver(Runnable work) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long least = Long.MAX_VALUE;
        for (int round = 0; round < 10; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            work.run();
            least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertEquals(true, least >= 0);
        return least;
    }
}
