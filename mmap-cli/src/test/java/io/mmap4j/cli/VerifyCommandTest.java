package io.mmap4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.store.StaticStore;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verify} on a file that another process truncates during the check: a real fault
 * ({@code SIGBUS}, which the JVM turns into an {@link InternalError}) becomes a problem at the new
 * end of the file, followed by what a second check of the file as it now is finds; never a stack
 * trace.
 */
class VerifyCommandTest {
    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    /** Maps two pages of {@code file}, truncates it to 100 bytes, and reads the second page: a real SIGBUS. */
    private static void truncateUnderAMapping(Path file) throws IOException {
        try (Arena arena = Arena.ofConfined();
             FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, 2 * PAGE, arena);
            channel.truncate(100);
            mapped.get(ValueLayout.JAVA_BYTE, PAGE + 1);
        }
    }

    private Path twoPages() throws IOException {
        return Files.write(dir.resolve("file"), new byte[2 * PAGE]);
    }

    @Test
    void aTruncationDuringTheCheckIsTheFirstProblemThenTheFileIsCheckedAsItIs() throws Exception {
        Path file = twoPages();
        int[] calls = {0};
        List<Problem> problems = VerifyCommand.check(file, f -> {
            if (calls[0]++ == 0) {
                truncateUnderAMapping(f);
            }
            return List.of(Problem.at(16, "file length", Long.toString(Files.size(f)), "8192"));
        });
        assertEquals(2, calls[0]);
        assertEquals(List.of(
                "at byte offset 100: the file shrank from 8192 to 100 bytes while being checked (another process truncated it)",
                "at byte offset 16: file length is 100, expected 8192"), problems.stream().map(Problem::toString).toList());
    }

    @Test
    void aFileTruncatedAgainDuringTheSecondCheckIsOneLine() throws Exception {
        Path file = twoPages();
        Failure f = assertThrows(Failure.class, () -> VerifyCommand.check(file, p -> {
            Files.write(p, new byte[2 * PAGE], StandardOpenOption.APPEND); // grows back, to shrink again
            truncateUnderAMapping(p);
            return List.of();
        }));
        assertEquals(file + ": the file shrank from 8192 to 100 bytes while being checked (another process truncated it),"
                + " and changed again while checked once more", f.getMessage());
    }

    @Test
    void aFaultWithoutATruncationIsOneLine() throws Exception {
        Path file = twoPages();
        IOException e = assertThrows(IOException.class, () -> VerifyCommand.check(file, p -> {
            throw new InternalError("a fault occurred in an unsafe memory access operation");
        }));
        assertEquals(file + ": a fault reading the mapped file (a fault occurred in an unsafe memory access operation)",
                e.getMessage());
    }

    /** In a store of several files, the problem names the file that shrank. */
    @Test
    void theFileThatShrankInADirectoryIsNamed() throws Exception {
        Path store = Files.createDirectory(dir.resolve("store"));
        Path data = Files.write(store.resolve("data.1"), new byte[2 * PAGE]);
        Files.write(store.resolve("map"), new byte[PAGE]);
        int[] calls = {0};
        List<Problem> problems = VerifyCommand.check(store, d -> {
            if (calls[0]++ == 0) {
                truncateUnderAMapping(data);
            }
            return List.of();
        });
        assertEquals(List.of(data + ": at byte offset 100: the file shrank from 8192 to 100 bytes while being checked"
                + " (another process truncated it)"), problems.stream().map(Problem::toString).toList());
    }

    /**
     * The real race, through the command: a static store truncated at a random moment while
     * {@code verify} reads it. Every run ends in a report (no problems, the truncated file's
     * problems, or the truncation and then those), never an error escaping; until one run is caught
     * mid-check. Bounded: at most 30 rounds.
     */
    @Test
    void aStaticStoreTruncatedAtRandomWhileVerified() throws Exception {
        Path file = dir.resolve("racing.static-store");
        try (StaticStore.Writer w = StaticStore.writer(file)) {
            for (int i = 0; i < 4_000; i++) {
                w.put("key-" + i, new byte[1000]);
            }
        }
        byte[] whole = Files.readAllBytes(file);
        Run.inProcess("verify", file.toString()).assertOk(); // the code compiled: the next check takes as long as the rounds'
        long started = System.nanoTime();
        Run.inProcess("verify", file.toString()).assertOk();
        long checkNanos = Math.max(1_000_000, System.nanoTime() - started);
        List<String> outcomes = new ArrayList<>();
        int caught = 0;
        for (int round = 0; round < 30 && caught == 0; round++) {
            Files.write(file, whole);
            CompletableFuture<Run> verify = CompletableFuture.supplyAsync(() -> Run.inProcess("verify", file.toString()));
            long delay = ThreadLocalRandom.current().nextLong(checkNanos);
            Thread.sleep(delay / 1_000_000, (int) (delay % 1_000_000));
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(whole.length / 3);
            }
            Run r = verify.get();
            assertEquals("", r.err(), "verify failed in one line at most, and only if the file changed twice: " + r.out());
            assertTrue(r.out().startsWith(file + ": static-store file, "), r.out());
            assertEquals(r.out().endsWith("no problems" + Run.NL) ? 0 : 1, r.status(), r.out());
            if (r.out().contains(": the file shrank from " + whole.length + " to " + whole.length / 3
                    + " bytes while being checked (another process truncated it)")) {
                caught++;
                List<String> asItIs = Run.inProcess("verify", file.toString()).out().lines().skip(1).toList();
                List<String> lines = r.out().lines().toList();
                assertEquals(file + ": static-store file, " + (asItIs.size() + 1) + " problems:", lines.getFirst());
                assertEquals("  at byte offset " + whole.length / 3 + ": the file shrank from " + whole.length + " to "
                        + whole.length / 3 + " bytes while being checked (another process truncated it)", lines.get(1));
                assertEquals(asItIs, lines.subList(2, lines.size()), "then the file as it is: " + r.out());
            }
            outcomes.add(r.out().lines().findFirst().orElseThrow());
        }
        assertTrue(caught > 0, "no round truncated the file during the check: " + outcomes);
    }
}
