package io.mmap4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.counters.Counters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CompletableFuture;
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
        Thread.sleep(300);
        Files.move(counters, file, StandardCopyOption.ATOMIC_MOVE);
        Run r = watch.get();
        assertTrue(r.out().startsWith(r.frames().getFirst().title()), r.out());
        assertEquals("mmap4j stat: " + file + ": replaced by a counters file while being read as a static-store file"
                + Run.NL, r.err());
        assertEquals(1, r.status());
    }
}
