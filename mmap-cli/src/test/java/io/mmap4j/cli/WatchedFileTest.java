package io.mmap4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.counters.Counters;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stat --watch} on a file whose name comes to hold another file, as a publish by rename does. */
class WatchedFileTest {
    @TempDir
    Path dir;

    /** A new version of the same type is followed (StaticStoreIT); a file of another type ends the watch in one line. */
    @Test
    void aFileReplacedByAnotherTypeEndsTheWatch() throws Exception {
        Path file = dir.resolve("data");
        StaticStoreIT.write(file, 10);
        Path counters = dir.resolve("other.counters");
        Counters.open(counters).close();
        CompletableFuture<Run> watch = CompletableFuture.supplyAsync(
                () -> Run.inProcess("stat", file.toString(), "--watch", "0.05", "--count", "400"));
        awaitOpened(file);
        Thread.sleep(250); // five frames' time: the first frame, printed after the first read, is out
        Files.move(counters, file, StandardCopyOption.ATOMIC_MOVE);
        Run r = watch.get();
        assertTrue(r.out().startsWith(r.frames().getFirst().title()), r.out());
        assertEquals("mmap4j stat: " + file + ": replaced by a counters file while being read as a static-store file"
                + Run.NL, r.err());
        assertEquals(1, r.status());
    }

    /**
     * Waits until this JVM has {@code file} open, so the watch has begun reading it: a fixed sleep
     * from the start was too short on a loaded machine (class loading alone could outlast it), and
     * the watch then opened the replacement as a counters file.
     */
    private static void awaitOpened(Path file) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!isOpen(file)) {
            assertTrue(System.nanoTime() < deadline, "the watch did not open " + file + " within 30 s");
            Thread.sleep(1);
        }
    }

    private static boolean isOpen(Path file) throws IOException {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.isSameFile(fd, file)) {
                        return true;
                    }
                } catch (IOException closedMeanwhile) {
                    // the stream's own descriptor, or one closed while listing
                }
            }
        }
        return false;
    }
}
