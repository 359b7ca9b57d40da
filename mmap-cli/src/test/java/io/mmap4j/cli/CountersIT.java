package io.mmap4j.cli;

import static io.mmap4j.cli.Run.NL;
import static io.mmap4j.cli.Run.TIMEOUT;
import static io.mmap4j.cli.Run.jar;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.mmap4j.cli.Run.Frame;
import io.mmap4j.counters.Counter;
import io.mmap4j.counters.Counters;
import io.mmap4j.counters.CorruptCountersException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Counters files: the fixture for {@link FileTypeContract}, and what only counters have, names
 * that any process chose; then what any file may meet, a FIFO in its place and a truncation while
 * it is watched.
 */
class CountersIT extends FileTypeContract {
    @Override
    FileType type() {
        return FileType.COUNTERS;
    }

    @Override
    void writeFresh(Path file) throws IOException {
        CountersStatTest.threeCounters(file, "名前.カウンタ");
    }

    @Override
    Map<String, String> figures(Path file) throws IOException {
        try (Counters counters = Counters.openReadOnly(file)) {
            return Map.of("counters", Integer.toString(counters.counters().size()),
                    "capacity", Integer.toString(counters.layout().capacity()));
        }
    }

    /** Every counter's name and value, as the library reads them. */
    @Override
    void assertItems(Path file, Frame frame) throws IOException {
        try (Counters counters = Counters.openReadOnly(file)) {
            assertEquals(counters.snapshot(), frame.values());
        }
    }


    /** Values climb from sample to sample, and new counters show up. */
    @Override
    void assertFollowed(List<Frame> frames) {
        long first = frames.getFirst().values().get("ticks");
        long last = frames.getLast().values().get("ticks");
        assertTrue(last > first, "ticks climb: " + first + " then " + last);
        Frame lastFrame = frames.getLast();
        long ticksId = lastFrame.rows().entrySet().stream().filter(e -> e.getValue().name().equals("ticks"))
                .findFirst().orElseThrow().getKey();
        assertTrue(lastFrame.rows().get(ticksId).perSecond() > 0, lastFrame::toString);
        assertTrue(lastFrame.rows().size() > frames.getFirst().rows().size(), "new counters show up: " + frames);
    }

    /** Counts "ticks" and creates a counter every 20 ms until killed. */
    public static final class Writer {
        public static void main(String[] args) throws Exception {
            try (Counters c = Counters.open(Path.of(args[0]))) {
                Counter ticks = c.counter("ticks");
                long[] next = {System.nanoTime()};
                untilKilled(10, i -> {
                    ticks.incrementAndGet();
                    if (System.nanoTime() >= next[0] && i < 1_000_000_000) {
                        c.counter("made." + i);
                        next[0] += 20_000_000L;
                    }
                });
            }
        }
    }

    @Override
    List<?> libraryProblems(Path file) throws IOException {
        return Counters.verify(file);
    }

    /** Opening checks the header and the index; reading the counters checks each record. */
    @Override
    String openFailure(Path file) {
        return refusal(() -> {
            try (Counters counters = Counters.openReadOnly(file)) {
                counters.counters();
            }
        }, CorruptCountersException.class);
    }

    @Override
    List<Damage> damages() {
        return List.of(
                new Damage("an index entry and a record's name hash", file -> rewrite(file, bytes -> {
                    long index = bytes.getLong(40);
                    for (int p = 0; p < 2048; p++) { // the entry of id 2 names id 1999 instead
                        if ((int) bytes.getLong((int) index + 8 * p) == 3) {
                            bytes.putInt((int) index + 8 * p, 2000);
                        }
                    }
                    bytes.putInt((int) bytes.getLong(48) + 12, 0xBAD); // record 0: a name hash its entry does not have
                }), ": index entry names id 1999, outside 0 to 1023" + NL, ": record 0 has name hash 0x00000bad, but its index entry at "),
                new Damage("a record's name length", file -> rewrite(file, bytes -> {
                    bytes.putInt((int) bytes.getLong(48) + 256 + 8, 0); // record 1: name length 0
                }), ": record 1 has name length 0, outside 1 to 240"),
                version2("  at byte offset 8: format version is 2, this library reads version 1" + NL),
                new Damage("truncated", file -> Files.write(file, Arrays.copyOf(Files.readAllBytes(file), 10_000)),
                        "  at byte offset 10000: the file has 10000 bytes, its header says 413696 (truncated)" + NL));
    }


    @Test
    void anEmptyFile() throws Exception {
        Path empty = dir.resolve("empty.counters");
        Counters.open(empty).close();
        Frame frame = statOnce(empty).assertOk().frames().getFirst();
        assertEquals(Map.of("counters", "0", "capacity", "1024"), frame.figures());
        assertEquals(Map.of(), frame.rows());
    }

    /**
     * A name holding a newline and escape sequences (which counter() accepts) is printed escaped on
     * its one row, and wide names align; where the locale's encoding is ASCII, what it cannot carry
     * is escaped too, never turned into "?".
     */
    @Test
    void hostileAndWideNames() throws Exception {
        Path file = dir.resolve("hostile.counters");
        try (Counters c = Counters.open(file)) {
            c.counter("a\nb\u001b[2J\u001b]0;owned\u0007").set(1);
            c.counter("名前.カウンタ").set(2);
            c.counter("🚀").set(3);
        }
        Run r = Run.tool("stat", file.toString(), "--watch", "0.05", "--count", "1").assertOk();
        assertFalse(r.out().chars().anyMatch(ch -> ch < 0x20 && ch != '\n'), r.out());
        List<String> lines = r.out().lines().toList();
        assertEquals(7, lines.size(), r.out());
        assertEquals(List.of("a\\nb\\x1b[2J\\x1b]0;owned\\x07", "名前.カウンタ", "🚀"),
                List.copyOf(r.frames().getFirst().values().keySet()));
        for (String row : lines.subList(4, 7)) {
            assertEquals(Terminal.width(lines.get(3)), Terminal.width(row), row);
        }
        Run ascii = jar(Map.of("LC_ALL", "C"), "stat", file.toString(), "--watch", "0.05", "--count", "1").assertOk();
        assertEquals(List.of("a\\nb\\x1b[2J\\x1b]0;owned\\x07", "\\u{540d}\\u{524d}.\\u{30ab}\\u{30a6}\\u{30f3}\\u{30bf}",
                "\\u{1f680}"), List.copyOf(ascii.frames().getFirst().values().keySet()));
    }

    /** Opening a FIFO blocks until some process writes to it: the tool must say what it is and stop. */
    @Test
    void aFifo() throws Exception {
        Path fifo = dir.resolve("fifo.counters");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Run.tool("stat", fifo.toString()).assertFailed("stat", fifo + ": a FIFO (named pipe), not an mmap4j file (those are regular files)");
    }

    /** Another process truncates the file under {@code stat --watch}: one line, exit 1, no stack trace. */
    @Test
    void aFileTruncatedWhileWatched() throws Exception {
        Path file = CountersStatTest.threeCounters(dir.resolve("shrinking.counters"), "x");
        long size = Files.size(file);
        List<String> command = List.of(ProcessHandle.current().info().command().orElseThrow(), "-XX:+UseSerialGC",
                "-jar", Run.JAR.toString(), "stat", file.toString(), "--watch", "0.1", "--count", "600");
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE).start();
        try {
            List<String> out = new ArrayList<>();
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    out.add(line);
                    if (line.startsWith("     2  x ")) { // the first sample is out: the file is mapped
                        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                            channel.truncate(4096);
                        }
                    }
                }
            }
            if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                fail("stat did not stop after the truncation: " + out);
            }
            String err = new String(process.getErrorStream().readAllBytes(), UTF_8);
            assertEquals("mmap4j stat: " + file + ": the file shrank from " + size
                    + " to 4096 bytes while being read (another process truncated it)" + NL, err);
            assertEquals(1, process.exitValue());
        } finally {
            process.destroyForcibly().waitFor();
        }
    }

    /** {@code stat --watch | head}: once the reader has gone, the watch stops (exit 141, as SIGPIPE would), never printing on to no one. */
    @Test
    void aReaderThatGoesAway() throws Exception {
        Path file = CountersStatTest.threeCounters(dir.resolve("piped.counters"), "x");
        List<String> command = List.of(ProcessHandle.current().info().command().orElseThrow(), "-XX:+UseSerialGC",
                "-jar", Run.JAR.toString(), "stat", file.toString(), "--watch", "0.05");
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8));
            assertTrue(lines.readLine().endsWith("  counters"));
            lines.close(); // as head does once it has its lines
            if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                fail("stat --watch went on after its reader had gone");
            }
            assertEquals(141, process.exitValue());
        } finally {
            process.destroyForcibly().waitFor();
        }
    }
}
