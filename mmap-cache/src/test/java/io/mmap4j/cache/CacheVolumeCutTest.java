package io.mmap4j.cache;

import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.cache.CacheVolume.Options;
import io.mmap4j.cache.CacheVolume.Problem;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A volume cut short by another writer of the file while {@code verify} or {@code stats} reads it:
 * the check reports the cut as a problem (or, for stats, a {@link CorruptVolumeException}), and
 * the JVM lives. The CRCs of the check read the mapping through a heap copy: the JDK's CRC32C
 * intrinsic reading the cut pages itself would kill the JVM with {@code SIGBUS}.
 */
class CacheVolumeCutTest {
    static final long SIZE = 32L << 20;
    static final int ROUNDS = 8;

    @TempDir
    Path dir;

    @Test
    void aVolumeCutShortWhileVerifiedIsAReportedProblem() throws Exception {
        Path template = dir.resolve("template.cache");
        try (CacheVolume v = CacheVolume.open(template, SIZE, Options.DEFAULT.withSyncInterval(Duration.ZERO))) {
            for (int k = 0; k < 500; k++) {
                v.set(Values.key(k), Values.value(k, 1, 60_000)); // about the whole data region
            }
        }
        Path path = dir.resolve("cut.cache");
        Files.copy(template, path);
        long start = System.nanoTime();
        assertEquals(List.of(), CacheVolume.verify(path));
        long verifyNanos = System.nanoTime() - start;
        SplittableRandom random = new SplittableRandom(16);
        int cutsSeen = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Files.copy(template, path, REPLACE_EXISTING);
            long length = random.nextLong(SIZE / 2);
            CompletableFuture<List<Problem>> check = CompletableFuture.supplyAsync(() -> {
                try {
                    return CacheVolume.verify(path);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            TimeUnit.NANOSECONDS.sleep(random.nextLong(Math.max(1, verifyNanos)));
            try (FileChannel c = FileChannel.open(path, StandardOpenOption.WRITE)) {
                c.truncate(length);
            }
            List<Problem> problems = check.get(30, TimeUnit.SECONDS);
            String what = "round " + round + ", cut to " + length + ": " + problems;
            // Empty if verify ended before the cut; a header problem if it began after.
            if (!problems.isEmpty() && problems.getFirst().field().equals("file length")) {
                cutsSeen++;
                assertEquals(length, problems.getFirst().offset(), what);
                assertTrue(problems.getFirst().expected().startsWith(SIZE + ", its length when the check began"), what);
            }
            assertTrue(problems.stream().noneMatch(p -> p.field().equals("mapped file")), what);
            // Checked again as it is now, the cut volume is a problem in its header.
            List<Problem> after = CacheVolume.verify(path);
            assertEquals("volume bytes", after.getFirst().field(), what + "; after: " + after);
            assertTrue(assertThrows(CorruptVolumeException.class, () -> CacheVolume.stats(path)).getMessage()
                    .contains("volume bytes"), what);
        }
        assertTrue(cutsSeen > 0, "no round cut the file while verify read it (verify takes "
                + verifyNanos / 1000 + " us)");
    }
}
