package io.mmap4j.counters.tool;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.counters.Counter;
import io.mmap4j.counters.Counters;
import io.mmap4j.testkit.ChildJvm;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CountersToolTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    /** What one run printed, and its exit status. */
    record Run(int status, String out, String err) {
        /** The frames: each a map of name to {value, rate}. */
        List<Map<String, String[]>> frames() {
            return CountersToolTest.frames(out.lines().toList());
        }
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = CountersTool.run(args, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
        return new Run(status, out.toString(UTF_8), err.toString(UTF_8));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''                               | no command given",
            "status x                         | unknown command \"status\", the only command is \"stat\"",
            "stat                             | no file given",
            "stat f --verbose                 | unknown option --verbose",
            "stat f g                         | more than one file: f and g",
            "stat f --watch                   | --watch needs a value",
            "stat f --watch 0                 | --watch 0: expected seconds from 0.05 to 86400",
            "stat f --watch soon              | --watch soon: expected seconds from 0.05 to 86400",
            "stat f --watch NaN               | --watch NaN: expected seconds from 0.05 to 86400",
            "stat f --watch 1 --watch 2       | --watch given twice",
            "stat f --count 0                 | --count 0: expected a whole number from 1 to 9223372036854775807",
            "stat f --count -3                | --count -3: expected a whole number from 1 to 9223372036854775807",
            "stat f --filter (                | --filter (: not a regular expression: Unclosed group near index 1"})
    void badArgumentsPrintUsageAndExitWithTwo(String line, String message) {
        Run r = run(line.isEmpty() ? new String[0] : line.split(" "));
        assertEquals(2, r.status);
        assertEquals("", r.out);
        assertTrue(r.err.startsWith("stat: " + message + System.lineSeparator() + "usage: stat <file>"), r.err);
    }

    @Test
    void helpPrintsUsage() {
        Run r = run("--help");
        assertEquals(0, r.status);
        assertEquals(CountersTool.USAGE_TEXT, r.out);
    }

    @Test
    void aMissingOrDamagedFileExitsWithOne() throws Exception {
        Path missing = dir.resolve("missing.counters");
        Run r = run("stat", missing.toString());
        assertEquals(1, r.status);
        assertEquals("stat: no such file: " + missing + System.lineSeparator(), r.err);

        Path damaged = dir.resolve("damaged.counters");
        Files.writeString(damaged, "not counters");
        r = run("stat", damaged.toString());
        assertEquals(1, r.status);
        assertTrue(r.err.startsWith("stat: " + damaged + ": corrupt counters file at byte offset 12: the file has 12 bytes"), r.err);
    }

    @Test
    void printsIdNameValueAndRateOnceByDefault() throws Exception {
        Path file = threeCounters(dir.resolve("once.counters"), "ü.name");
        assertOneFrameOfThree(run("stat", file.toString()), file, "ü.name");
    }

    /** Writes a new file with three counters of known values, the last one named {@code lastName}. */
    static Path threeCounters(Path file, String lastName) throws IOException {
        try (Counters c = Counters.open(file)) {
            c.counter("requests").set(5);
            c.counter("errors").set(-2);
            c.counter(lastName).set(Long.MAX_VALUE);
        }
        return file;
    }

    /** Checks a run that printed one frame of {@link #threeCounters}: header, column names, a row per counter. */
    static void assertOneFrameOfThree(Run r, Path file, String lastName) {
        assertEquals(0, r.status, r.err);
        assertEquals("", r.err);
        List<String> lines = r.out.lines().toList();
        assertEquals(5, lines.size(), r.out);
        assertTrue(lines.get(0).endsWith("  " + file + "  showing 3 of 3 counters, capacity 1024"), lines.get(0));
        assertEquals(List.of(
                List.of("id", "name", "value", "rate/s"),
                List.of("0", "requests", "5", "0.0"),
                List.of("1", "errors", "-2", "0.0"),
                List.of("2", lastName, "9223372036854775807", "0.0")),
                lines.subList(1, 5).stream().map(line -> List.of(line.trim().split(" +"))).toList());
    }

    @Test
    void watchPrintsRatesAndPicksUpNewCountersWhileAWriterRuns() throws Exception {
        Path file = dir.resolve("watch.counters");
        AtomicBoolean stop = new AtomicBoolean();
        try (Counters c = Counters.open(file)) {
            Counter hits = c.counter("http.hits");
            c.counter("http.errors");
            c.counter("db.calls");
            long lateAt = System.nanoTime() + 250_000_000L; // before the last of 4 frames 100 ms apart
            Thread writer = new Thread(() -> {
                boolean late = false;
                while (!stop.get()) {
                    hits.incrementAndGet();
                    if (!late && System.nanoTime() > lateAt) {
                        c.counter("http.late");
                        late = true;
                    }
                }
            });
            writer.start();
            Run r;
            try {
                r = run("stat", file.toString(), "--watch", "0.1", "--count", "4", "--filter", "^http\\.");
            } finally {
                stop.set(true);
                writer.join();
            }
            assertEquals(0, r.status, r.err);
            List<Map<String, String[]>> frames = r.frames();
            assertEquals(4, frames.size(), r.out);
            List<String> headers = r.out.lines().filter(line -> line.contains(" counters, capacity ")).toList();
            assertTrue(headers.get(3).endsWith(" showing 3 of 4 counters, capacity 1024"), r.out);
            long previous = -1;
            for (Map<String, String[]> frame : frames) {
                assertTrue(frame.keySet().stream().allMatch(name -> name.startsWith("http.")), frame.keySet().toString());
                long value = Long.parseLong(frame.get("http.hits")[0]);
                assertTrue(value > previous, r.out);
                assertTrue(Double.parseDouble(frame.get("http.hits")[1]) > 0, r.out);
                assertEquals("0.0", frame.get("http.errors")[1]);
                previous = value;
            }
            assertTrue(frames.get(3).containsKey("http.late"), r.out);
        }
    }

    /**
     * The tool as its own JVM, as a user runs it, reading a file that a writer JVM keeps updating:
     * values climb from frame to frame and counters the writer creates meanwhile show up.
     */
    @Test
    void statInAChildJvmWhileAWriterJvmRuns() throws Exception {
        Path file = dir.resolve("live.counters");
        ChildJvm writer = ChildJvm.start(Writer.class, file.toString());
        List<String> output;
        try {
            writer.awaitLine("writing", TIMEOUT);
            output = ChildJvm.run(TIMEOUT, CountersTool.class, "stat", file.toString(), "--watch", "0.3", "--count", "4");
        } finally {
            writer.close();
        }
        List<Map<String, String[]>> frames = frames(output);
        assertEquals(4, frames.size(), String.join("\n", output));
        long first = Long.parseLong(frames.get(0).get("ticks")[0]);
        long last = Long.parseLong(frames.get(3).get("ticks")[0]);
        assertTrue(last > first, "ticks climb: " + first + " then " + last);
        assertTrue(Double.parseDouble(frames.get(3).get("ticks")[1]) > 0);
        assertTrue(frames.get(3).size() > frames.get(0).size(), "new counters show up");
    }

    /** Creates the file and increments "ticks" until killed, adding a counter every 100 ms. */
    public static final class Writer {
        public static void main(String[] args) throws Exception {
            try (Counters c = Counters.open(Path.of(args[0]))) {
                Counter ticks = c.counter("ticks");
                System.out.println("writing");
                long next = System.nanoTime();
                for (int i = 0; ; i++) {
                    ticks.incrementAndGet();
                    if (System.nanoTime() >= next && i < 1_000_000_000) {
                        c.counter("made." + i);
                        next += 100_000_000L;
                    }
                    Thread.sleep(0, 100_000);
                }
            }
        }
    }

    /** Parses the printed frames: after each header line, "id name value rate" rows until the next header. */
    static List<Map<String, String[]>> frames(List<String> lines) {
        List<Map<String, String[]>> frames = new ArrayList<>();
        Map<String, String[]> frame = null;
        for (String line : lines) {
            String[] cells = line.trim().split(" +");
            if (line.contains(" counters, capacity ")) {
                frame = new LinkedHashMap<>();
                frames.add(frame);
            } else if (frame != null && cells.length == 4 && cells[0].matches("\\d+")) {
                frame.put(cells[1], new String[] {cells[2], cells[3]});
            }
        }
        return frames;
    }
}
