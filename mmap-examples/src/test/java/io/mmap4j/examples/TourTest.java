package io.mmap4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.counters.Counters;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tour in quick mode, twice: every step passes, and the second run finds the counts grown. */
class TourTest {
    @TempDir
    Path dir;

    @Test
    void everyStepPassesAndThePersistentCountsGrowAcrossRuns() throws Exception {
        Path counters = dir.resolve("events.counters");
        String first = tour(counters);
        assertTrue(first.contains("All 5 steps passed."), first);
        assertTrue(first.contains("tour.clicks = 300,000 after 3 JVMs added 100,000 each: exact"), first);
        assertTrue(first.contains("100,000 round trips between pid"), first);
        assertTrue(first.contains("created " + counters), first);

        String second = tour(counters);
        assertTrue(second.contains("All 5 steps passed."), second);
        assertTrue(second.contains("tour.runs                     2  (was 1 before this run)"), second);
        assertTrue(second.contains("kept in " + counters), second);
        try (Counters read = Counters.openReadOnly(counters)) {
            assertEquals(2, read.find("tour.runs").orElseThrow().get());
            assertEquals(6, read.find("tour.steps.passed").orElseThrow().get(), "3 steps pass before step 4, twice");
        }
    }

    @Test
    void theTourLeavesNoTemporaryFilesBehind() throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        List<Path> before = leftovers(tmp);
        tour(dir.resolve("events.counters"));
        assertEquals(before, leftovers(tmp));
    }

    /** What the tour's steps create: shared memory, temporary directories and files. */
    private static final List<String> TOUR_PREFIXES = List.of("mmap4j-example-", "mmap4j-pingpong-",
            "mmap4j-counters-example", "mmap4j-access");

    private static List<Path> leftovers(Path tmp) throws Exception {
        try (Stream<Path> shm = Files.list(Path.of("/dev/shm")); Stream<Path> temp = Files.list(tmp)) {
            return Stream.concat(shm, temp)
                    .filter(p -> TOUR_PREFIXES.stream().anyMatch(p.getFileName().toString()::startsWith))
                    .sorted().toList();
        }
    }

    /** Runs the quick tour with its output captured. */
    private static String tour(Path counters) {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertEquals(5, Tour.run(true, counters));
        } finally {
            System.setOut(out);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        out.print(output);
        return output;
    }
}
