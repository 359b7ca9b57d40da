package io.mmap4j.cli;

import static io.mmap4j.cli.Run.NL;
import static io.mmap4j.cli.Run.inProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.cli.Run.Frame;
import io.mmap4j.counters.Counter;
import io.mmap4j.counters.Counters;
import io.mmap4j.counters.CountersProblem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stat} and {@code verify} on counters files, run in this JVM. */
class CountersStatTest {
    /** A title line: time, file, type. */
    static final String TITLE = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,3})?Z  ";

    @TempDir
    Path dir;

    /** Writes a new file with three counters of known values, the last one named {@code lastName}. */
    static Path threeCounters(Path file, String lastName) throws IOException {
        try (Counters c = Counters.open(file)) {
            c.counter("requests").set(5);
            c.counter("errors").set(-2);
            c.counter(lastName).set(Long.MAX_VALUE);
        }
        return file;
    }

    /** Checks the one sample of a stat of {@link #threeCounters}: title, figures, a row per counter. */
    static void assertOneSampleOfThree(Run r, Path file, String lastName) {
        r.assertOk();
        List<Frame> frames = r.frames();
        assertEquals(1, frames.size(), r.out());
        Frame frame = frames.getFirst();
        assertTrue(frame.title().matches(TITLE + "\\Q" + file + "\\E  counters"), frame.title());
        assertEquals(Map.of("counters", "3", "capacity", "1024"), frame.figures());
        assertEquals(List.of(0L, 1L, 2L), List.copyOf(frame.rows().keySet()));
        assertEquals(Map.of("requests", 5L, "errors", -2L, lastName, Long.MAX_VALUE), frame.values());
        frame.rows().values().forEach(cells -> assertEquals("0.0", cells.rate(), "nothing changed: " + r.out()));
    }

    @Test
    void statPrintsEachCountersIdNameValueAndRate() throws IOException {
        Path file = threeCounters(dir.resolve("once.counters"), "ü.name");
        Run r = inProcess("stat", file.toString());
        assertOneSampleOfThree(r, file, "ü.name");
        String columns = "%6s  %-8s  %20s  %14s"; // the name column as wide as its widest name, "requests"
        assertEquals(String.format(columns, "id", "name", "value", "rate/s"), r.out().lines().toList().get(3));
        assertEquals(String.format(columns, 0, "requests", 5, "0.0"), r.out().lines().toList().get(4));
    }

    @Test
    void jsonIsOneLinePerSample() throws IOException {
        Path file = threeCounters(dir.resolve("json.counters"), "q\"uote");
        Run r = inProcess("stat", file.toString(), "--json").assertOk();
        assertTrue(r.out().matches("\\{\"time\":\"" + TITLE.replace("  ", "") + "\",\"file\":\"\\Q" + file
                + "\\E\",\"type\":\"counters\",\"counters\":3,\"capacity\":1024,\"rows\":\\["
                + "\\{\"id\":0,\"name\":\"requests\",\"value\":5,\"perSecond\":0.0},"
                + "\\{\"id\":1,\"name\":\"errors\",\"value\":-2,\"perSecond\":0.0},"
                + "\\{\"id\":2,\"name\":\"q\\\\\"uote\",\"value\":9223372036854775807,\"perSecond\":0.0}]}" + NL), r.out());
    }

    @Test
    void filterKeepsTheCountersWhoseNameMatches() throws IOException {
        Path file = threeCounters(dir.resolve("filter.counters"), "http.errors");
        Frame frame = inProcess("stat", file.toString(), "--filter", "err").assertOk().frames().getFirst();
        assertEquals(Map.of("counters", "3", "capacity", "1024", "shown", "2"), frame.figures());
        assertEquals(Map.of("errors", -2L, "http.errors", Long.MAX_VALUE), frame.values());
        frame = inProcess("stat", file.toString(), "--filter", "^nothing$").assertOk().frames().getFirst();
        assertEquals("0", frame.figures().get("shown"));
        assertEquals(Map.of(), frame.rows());
    }

    /**
     * Names a hostile process chose (counter() accepts any well-formed Unicode): control characters
     * and escape sequences are printed escaped, each counter stays one row, and wide characters
     * line the columns up by display width.
     */
    @Test
    void namesCannotBreakRowsOrDriveTheTerminalAndWideOnesAlign() throws IOException {
        Path file = dir.resolve("hostile.counters");
        String[] names = {"plain", "two\nlines\u001b[2J\u001b]0;owned\u0007", "\u009b31mred", "evil\u202Etxt.exe",
            "名前.カウンタ", "🚀.launches", "e\u0301.accent"};
        try (Counters c = Counters.open(file)) {
            for (int i = 0; i < names.length; i++) {
                c.counter(names[i]).set(i);
            }
        }
        Run r = inProcess("stat", file.toString()).assertOk();
        assertFalse(r.out().chars().anyMatch(ch -> ch < 0x20 && ch != '\n' || ch >= 0x7F && ch <= 0x9F || ch == 0x202E),
                "no control character reaches the terminal: " + r.out());
        List<String> lines = r.out().lines().toList();
        assertEquals(4 + names.length, lines.size(), "one row per counter: " + r.out());
        Map<String, Long> printed = r.frames().getFirst().values();
        assertEquals(List.of("plain", "two\\nlines\\x1b[2J\\x1b]0;owned\\x07", "\\x9b31mred", "evil\\u{202e}txt.exe",
                "名前.カウンタ", "🚀.launches", "e\u0301.accent"), List.copyOf(printed.keySet()));
        int columns = Terminal.width(lines.get(3));
        for (String row : lines.subList(4, lines.size())) {
            assertEquals(columns, Terminal.width(row), "every row as wide as the heading: " + row);
        }
    }

    @Test
    void watchPrintsRatesAndPicksUpNewCountersWhileAWriterRuns() throws Exception {
        Path file = dir.resolve("watch.counters");
        AtomicBoolean stop = new AtomicBoolean();
        try (Counters c = Counters.open(file)) {
            Counter hits = c.counter("http.hits");
            c.counter("http.errors");
            c.counter("db.calls");
            long lateAt = System.nanoTime() + 250_000_000L; // before the last of 4 samples 100 ms apart
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
                r = inProcess("stat", file.toString(), "--watch", "0.1", "--count", "4", "--filter", "^http\\.");
            } finally {
                stop.set(true);
                writer.join();
            }
            r.assertOk();
            List<Frame> frames = r.frames();
            assertEquals(4, frames.size(), r.out());
            assertEquals(Map.of("counters", "4", "capacity", "1024", "shown", "3"), frames.get(3).figures(), r.out());
            long previous = -1;
            for (Frame frame : frames) {
                assertTrue(frame.values().keySet().stream().allMatch(name -> name.startsWith("http.")), r.out());
                long value = frame.values().get("http.hits");
                assertTrue(value > previous, r.out());
                assertTrue(frame.rows().get(0L).perSecond() > 0, r.out());
                assertEquals("0.0", frame.rows().get(1L).rate(), r.out());
                previous = value;
            }
            assertTrue(frames.get(3).values().containsKey("http.late"), r.out());
        }
    }

    @Test
    void aDamagedFileIsOneLineForStatAndEveryProblemForVerify() throws IOException {
        Path file = threeCounters(dir.resolve("damaged.counters"), "x");
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long records = bytes.getLong(48);
        bytes.putInt((int) records, 1); // record 0: state 1, being written
        bytes.putInt((int) records + 256 + 8, 0); // record 1: name length 0
        Files.write(file, bytes.array());
        List<CountersProblem> problems = Counters.verify(file);
        assertEquals(2, problems.size(), problems::toString);

        inProcess("stat", file.toString()).assertFailed("stat", file + ": corrupt counters file at byte offset "
                + problems.getFirst().offset() + ": " + problems.getFirst().problem());
        Run r = inProcess("verify", file.toString());
        assertEquals(1, r.status());
        assertEquals("", r.err());
        assertEquals(file + ": counters file, 2 problems:" + NL
                + "  at byte offset " + problems.get(0).offset() + ": " + problems.get(0).problem() + NL
                + "  at byte offset " + problems.get(1).offset() + ": " + problems.get(1).problem() + NL, r.out());
        assertTrue(r.out().contains("at byte offset " + records + ": record 0 is named by index entry at "), r.out());
        assertTrue(r.out().contains("at byte offset " + (records + 256 + 8) + ": record 1 has name length 0, outside 1 to 240"),
                r.out());

        r = inProcess("verify", "--json", file.toString());
        assertEquals(1, r.status());
        assertEquals("{\"file\":\"" + file + "\",\"type\":\"counters\",\"problems\":[{\"offset\":" + problems.get(0).offset()
                + ",\"problem\":\"" + problems.get(0).problem() + "\"},{\"offset\":" + problems.get(1).offset()
                + ",\"problem\":\"" + problems.get(1).problem() + "\"}]}" + NL, r.out());
    }

    @Test
    void verifyOfASoundFile() throws IOException {
        Path file = threeCounters(dir.resolve("sound.counters"), "x");
        assertEquals(file + ": counters file, no problems" + NL, inProcess("verify", file.toString()).assertOk().out());
        assertEquals("{\"file\":\"" + file + "\",\"type\":\"counters\",\"problems\":[]}" + NL,
                inProcess("verify", file.toString(), "--json").assertOk().out());
    }

    /** A damaged magic hides the type; --type checks the file as counters all the same. */
    @Test
    void verifyWithATypeChecksAFileWhoseMagicIsDamaged() throws IOException {
        Path file = threeCounters(dir.resolve("magic.counters"), "x");
        byte[] bytes = Files.readAllBytes(file);
        bytes[7] = 'X';
        Files.write(file, bytes);
        inProcess("verify", file.toString()).assertFailed("verify", file + ": an mmap4j file of a kind this tool does not"
                + " know (magic \"MMAP4JCX\"; it knows " + FileType.labels() + ")");
        Run r = inProcess("verify", "--type", "counters", file.toString());
        assertEquals(1, r.status());
        assertEquals(file + ": counters file, 1 problem:" + NL + "  at byte offset 0: magic is 4d 4d 41 50 34 4a 43 58,"
                + " expected 4d 4d 41 50 34 4a 43 54 (\"MMAP4JCT\"): not a counters file" + NL, r.out());
    }
}
