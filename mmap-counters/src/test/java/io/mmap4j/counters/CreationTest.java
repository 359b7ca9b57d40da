package io.mmap4j.counters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.internal.TempFiles;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Creating a file: atomic, shared by racing creators, never touching an existing file. */
class CreationTest {
    @TempDir
    Path dir;

    @Test
    void threadsOpeningOneNewFileAtOnceShareIt() throws Exception {
        int threads = 8;
        for (int round = 0; round < 20; round++) {
            Path path = dir.resolve("race" + round + ".counters");
            CyclicBarrier start = new CyclicBarrier(threads);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Counters> opened = new ArrayList<>();
            try {
                List<Future<Counters>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    futures.add(pool.submit(() -> {
                        start.await();
                        Counters c = Counters.open(path);
                        c.counter("x").incrementAndGet();
                        return c;
                    }));
                }
                for (Future<Counters> f : futures) {
                    opened.add(f.get());
                }
                for (Counters c : opened) {
                    assertEquals(threads, c.counter("x").get(), "every opener updates the one file");
                }
            } finally {
                opened.forEach(Counters::close);
                pool.shutdownNow();
            }
        }
        try (var files = Files.list(dir)) {
            assertEquals(20, files.count(), "only the files, no temporary ones");
        }
    }

    @Test
    void openingAnExistingFileWritesNothing() throws Exception {
        Path path = dir.resolve("existing.counters");
        try (Counters c = Counters.open(path, CountersLayout.DEFAULT.withCapacity(10))) {
            c.counter("a").set(5);
        }
        byte[] before = Files.readAllBytes(path);
        FileTime modified = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        Files.setLastModifiedTime(path, modified);
        try (Counters c = Counters.open(path, CountersLayout.DEFAULT.withCapacity(500))) {
            assertEquals(10, c.layout().capacity());
            assertEquals(5, c.find("a").orElseThrow().get());
        }
        Counters.openReadOnly(path).close();
        assertArrayEquals(before, Files.readAllBytes(path));
        assertEquals(modified, Files.getLastModifiedTime(path));
    }

    @Test
    void aMissingDirectoryIsAnError() {
        assertThrows(NoSuchFileException.class, () -> Counters.open(dir.resolve("no/such/dir/c.counters")));
    }

    @Test
    void staleTemporaryFilesOfCrashedCreatorsAreDeleted() throws Exception {
        Path path = dir.resolve("app.counters");
        String prefix = TempFiles.prefix(path, CounterFiles.TEMP_KIND);
        assertEquals(".app.counters.counters-", prefix);
        FileTime old = FileTime.from(Instant.now().minusSeconds(600));
        Path crashed = dir.resolve(prefix + Integer.MAX_VALUE + "-0123456789abcdef.tmp"); // no such process
        Path running = dir.resolve(prefix + ProcessHandle.current().pid() + "-0123456789abcdef.tmp");
        Path fresh = dir.resolve(prefix + Integer.MAX_VALUE + "-fedcba9876543210.tmp");
        Path other = dir.resolve(".other.counters.counters-" + Integer.MAX_VALUE + "-0123456789abcdef.tmp");
        for (Path temp : List.of(crashed, running, fresh, other)) {
            Files.write(temp, new byte[100]);
            Files.setLastModifiedTime(temp, temp.equals(fresh) ? FileTime.from(Instant.now()) : old);
        }
        Counters.open(path).close();
        try (var files = Files.list(dir)) {
            assertEquals(new HashSet<>(List.of(path, running, fresh, other)), new HashSet<>(files.toList()),
                    "only the old temporary file of a dead creator of this file is gone");
        }
    }

    @Test
    void aVeryLongFileNameStillGetsAValidTemporaryName() throws Exception {
        Path path = dir.resolve("é".repeat(120) + ".counters"); // 249 bytes of name
        Counters.open(path).close();
        assertTrue(Files.exists(path));
        assertTrue(TempFiles.prefix(path, CounterFiles.TEMP_KIND).length() < 60);
    }

    /**
     * Messages name the caller's path and the real cause. Before: a dangling symbolic link made
     * open retry 8 times and report that "the counters file vanished 8 times", and a missing
     * directory was a NoSuchFileException naming a temporary file.
     */
    @Test
    void aDanglingLinkOrAMissingDirectoryIsReportedForTheCallersPath() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("link.counters"), dir.resolve("nowhere.counters"));
        NoSuchFileException dangling = assertThrows(NoSuchFileException.class, () -> Counters.open(link));
        assertEquals(link + ": a symbolic link to " + dir.resolve("nowhere.counters") + ", which does not exist:"
                + " cannot create a counters file through it", dangling.getMessage());

        Path orphan = dir.resolve("missing").resolve("app.counters");
        NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> Counters.open(orphan));
        assertEquals(orphan + ": cannot create the counters file: its directory " + orphan.getParent()
                + " does not exist", missing.getMessage());
        assertEquals(orphan.toString(), missing.getFile());
    }
}
