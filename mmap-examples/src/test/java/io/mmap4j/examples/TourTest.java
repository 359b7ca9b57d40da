package io.mmap4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.counters.Counters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tour in quick mode, run twice: every step passes, the counts grow, the README shows what it prints. */
class TourTest {
    /** What the tour's steps create: shared memory, temporary directories and files. */
    private static final List<String> TOUR_PREFIXES = List.of("mmap4j-example-", "mmap4j-pingpong-",
            "mmap4j-counters-example", "mmap4j-access", "mmap4j-static-example", "mmap4j-blocks-example",
            "mmap4j-queue-example", "mmap4j-content-example");
    /** The README's copy of the tour's output: the first code block after the heading. */
    private static final Pattern README_TOUR = Pattern.compile("## The tour\\n.*?```\\n(.*?)```", Pattern.DOTALL);

    @TempDir
    static Path dir;
    static Path counters;
    static Printed<Integer> first;
    static Printed<Integer> second;
    static List<Path> leftoversBefore;
    static List<Path> leftoversAfter;

    @BeforeAll
    static void runTheTourTwice() throws Exception {
        counters = dir.resolve("events.counters");
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        leftoversBefore = leftovers(tmp);
        first = tour(counters);
        second = tour(counters);
        leftoversAfter = leftovers(tmp);
    }

    @Test
    void everyStepPasses() {
        for (Printed<Integer> run : List.of(first, second)) {
            String output = run.output();
            int steps = Tour.steps(true, counters, () -> 0).size();
            assertEquals(steps, run.value(), output);
            assertTrue(output.contains("All " + steps + " steps passed."), output);
            assertTrue(output.contains("every message arrived intact and in order: yes"), output);
            assertTrue(output.contains("tour.clicks = 9,000,000 after 3 JVMs added 3,000,000 each: exact"), output);
            assertTrue(output.contains(": they overlapped"), output);
            assertTrue(output.contains("100,000 round trips between pid"), output);
            assertEquals(2, output.split("MiB of heap: same bytes, no copy", -1).length - 1, output);
            assertTrue(output.contains(" wrong bytes; ") && output.contains(" hit, 0 wrong bytes; "), output);
            assertTrue(output.contains("blocks, each its owner's: no block had two owners; verify: sound"), output);
            assertTrue(output.contains("every record delivered exactly once, in its producer's order: yes"), output);
            assertTrue(output.contains("arrived, the queue went on"), output);
            assertEquals(2, output.split(", each producer's in order; hand-off latency", -1).length - 1, output);
            assertTrue(output.contains("200 records by 2 JVMs (201 messages with their shared \"env\"); the 64 KiB artifact they share is stored once; verify: no problems"), output);
            assertEquals(2, output.split("read 100 of the other JVM's, whole\n", -1).length - 1, output);
        }
    }

    @Test
    void thePersistentCountsGrowAcrossRuns() throws Exception {
        String one = first.output(), two = second.output();
        assertTrue(one.contains("created " + counters), one);
        assertTrue(one.contains("tour.runs                     1  (was 0 before this run)"), one);
        assertTrue(one.contains("tour.steps.1-3.passed         3  (was 0 before this run)"), one);
        assertTrue(two.contains("kept in " + counters), two);
        assertTrue(two.contains("tour.runs                     2  (was 1 before this run)"), two);
        assertTrue(two.contains("tour.steps.1-3.passed         6  (was 3 before this run)"), two);
        try (Counters read = Counters.openReadOnly(counters)) {
            assertEquals(2, read.find("tour.runs").orElseThrow().get());
            assertEquals(6, read.find("tour.steps.1-3.passed").orElseThrow().get());
        }
    }

    @Test
    void theReadmeShowsTheStepsAndClaimsTheTourPrints() throws Exception {
        Matcher block = README_TOUR.matcher(Files.readString(Path.of("..", "README.md")));
        assertTrue(block.find(), "README.md has no code block under \"## The tour\"");
        List<String> claims = block.group(1).lines()
                .filter(line -> line.matches("\\[\\d+/\\d+] .*") || line.startsWith("      proves: ")).toList();
        int steps = Tour.steps(true, counters, () -> 0).size();
        assertEquals(2 * steps, claims.size(), () -> steps + " titles and " + steps + " proves lines in the README's tour block: " + claims);
        List<String> printed = first.output().lines().toList();
        for (String claim : claims) {
            assertTrue(printed.contains(claim), () -> "README.md shows a line the tour does not print:\n" + claim);
        }
    }

    @Test
    void theTourLeavesNoTemporaryFilesBehind() {
        assertEquals(leftoversBefore, leftoversAfter);
    }

    private static List<Path> leftovers(Path tmp) throws Exception {
        try (Stream<Path> shm = Files.list(Path.of("/dev/shm")); Stream<Path> temp = Files.list(tmp)) {
            return Stream.concat(shm, temp)
                    .filter(p -> TOUR_PREFIXES.stream().anyMatch(p.getFileName().toString()::startsWith))
                    .sorted().toList();
        }
    }

    /** Runs the quick tour with its output captured, and shown; the value is how many steps passed. */
    private static Printed<Integer> tour(Path counters) throws Exception {
        return Printed.by(() -> Tour.run(true, counters));
    }
}
