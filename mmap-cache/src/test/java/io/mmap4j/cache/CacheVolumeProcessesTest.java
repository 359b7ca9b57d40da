package io.mmap4j.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.cache.CacheVolume.Options;
import io.mmap4j.testkit.ChildJvm;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Other processes: one opener at a time, a live writer seen from outside, writers killed mid-write. */
class CacheVolumeProcessesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final long SIZE = 8L << 20;
    private static final int KEYS = 400;

    @TempDir
    Path dir;

    @Test
    void aSecondProcessOpeningTheVolumeGetsAClearErrorUntilTheFirstCloses() throws Exception {
        Path path = dir.resolve("held.cache");
        try (CacheVolume v = CacheVolume.open(path, SIZE)) {
            v.set(Values.key(1), Values.value(1, 1, 100));
        }
        try (ChildJvm child = ChildJvm.start(CacheVolumeChild.class, "hold", path.toString())) {
            assertEquals("OPEN 1", child.awaitLine("OPEN", TIMEOUT));
            FileSystemException e = assertThrows(FileSystemException.class, () -> CacheVolume.open(path, SIZE));
            assertEquals("the cache volume is open in another process (it holds the volume's lock)", e.getReason());
            assertEquals(List.of(), CacheVolume.verify(path)); // read-only, beside the holder
            child.send("close");
            child.awaitLine("CLOSED", TIMEOUT);
            child.awaitExit(TIMEOUT, 0);
        }
        try (CacheVolume v = CacheVolume.open(path, SIZE)) {
            assertArrayEquals(Values.value(1, 1, 100), v.get(Values.key(1)));
        }
    }

    @Test
    void verifyAndStatsReportNoFalseProblemsWhileAnotherProcessWrites() throws Exception {
        Path path = dir.resolve("live.cache");
        try (ChildJvm child = ChildJvm.start(CacheVolumeChild.class, "write", path.toString(), "" + SIZE, "5", "" + KEYS)) {
            child.awaitLine("READY", TIMEOUT);
            long serial = -1;
            for (int i = 0; i < 10; i++) {
                assertEquals(List.of(), CacheVolume.verify(path), "check " + i);
                CacheVolume.Stats s = CacheVolume.stats(path);
                assertTrue(s.syncSerial() >= serial);
                serial = s.syncSerial();
                Thread.sleep(30);
            }
            assertTrue(CacheVolume.stats(path).writeCursor() > 0);
            child.kill();
        }
    }

    /**
     * Twenty rounds of a writer killed at a random moment: the volume reopens, every hit is exactly
     * a value the writer wrote for that key, it takes new data, and it closes sound.
     */
    @Test
    void aWriterKilledAtRandomMomentsLeavesOnlyExactHits() throws Exception {
        Path path = dir.resolve("crash.cache");
        SplittableRandom r = new SplittableRandom(2026);
        long replayed = 0;
        long totalHits = 0;
        for (int round = 0; round < 20; round++) {
            try (ChildJvm child = ChildJvm.start(CacheVolumeChild.class, "write", path.toString(), "" + SIZE,
                    "" + round, "" + KEYS)) {
                child.awaitLine("READY", TIMEOUT);
                Thread.sleep(50 + r.nextInt(400));
                child.kill();
            }
            try (CacheVolume v = CacheVolume.open(path, SIZE, Options.DEFAULT.withSyncInterval(Duration.ZERO))) {
                CacheVolume.Recovery recovery = v.recovery();
                assertTrue(recovery.recovered(), "round " + round + ": " + recovery);
                assertFalse(recovery.created());
                replayed += recovery.recordsReplayed();
                int hits = 0;
                for (int k = 0; k < KEYS; k++) {
                    byte[] got = v.get(Values.key(k));
                    if (got != null) {
                        hits++;
                        assertTrue(Values.versionOf(k, got) >= 0, "round " + round + ": a wrong value for key " + k);
                    }
                }
                assertTrue(hits > 10, "round " + round + ": " + hits + " hits");
                totalHits += hits;
                assertEquals(0, v.stats().corruptDropped(), "round " + round);
                byte[] fresh = Values.value(KEYS + round, 1, 5000);
                v.set(Values.key(KEYS + round), fresh);
                assertArrayEquals(fresh, v.get(Values.key(KEYS + round)));
                assertEquals(round + 1, v.stats().recoveries());
            }
            assertEquals(List.of(), CacheVolume.verify(path), "round " + round);
        }
        assertTrue(replayed > 0, "no round replayed a record written after the last sync");
        assertTrue(totalHits > 20 * 10);
    }
}
