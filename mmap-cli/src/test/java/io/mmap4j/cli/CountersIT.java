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
import io.mmap4j.counters.CountersProblem;
import io.mmap4j.testkit.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mmap4j stat} and {@code mmap4j verify} on counters files, as users run them: the jar this
 * build packaged, {@code java -jar mmap4j.jar}, in a process of its own, its printed values
 * compared with what the library reads from the same file.
 */
class CountersIT {
    @TempDir
    Path dir;

    @BeforeAll
    static void theJarIsBuilt() {
        assertTrue(Files.isRegularFile(Run.JAR), Run.JAR + " is missing: run the package phase first");
    }

    @Test
    void aFreshFile() throws Exception {
        Path file = CountersStatTest.threeCounters(dir.resolve("fresh.counters"), "名前.カウンタ");
        CountersStatTest.assertOneSampleOfThree(jar("stat", file.toString()), file, "名前.カウンタ");
        assertEquals(file + ": counters file, no problems" + NL, jar("verify", file.toString()).assertOk().out());
        Path empty = dir.resolve("empty.counters");
        Counters.open(empty).close();
        Frame frame = jar("stat", empty.toString()).assertOk().frames().getFirst();
        assertEquals(Map.of("counters", "0", "capacity", "1024"), frame.figures());
        assertEquals(Map.of(), frame.rows());
    }

    /**
     * A writer JVM keeps counting and creating counters while the tool watches and verifies the
     * file: values climb from sample to sample, new counters show up, verify finds nothing; once
     * the writer is stopped, the tool prints exactly what the library reads.
     */
    @Test
    void aFileUnderConcurrentWritesFromAChildJvm() throws Exception {
        Path file = dir.resolve("live.counters");
        try (ChildJvm writer = ChildJvm.start(Writer.class, file.toString())) {
            writer.awaitLine("writing", TIMEOUT);
            Run watched = jar("stat", file.toString(), "--watch", "0.2", "--count", "3").assertOk();
            List<Frame> frames = watched.frames();
            assertEquals(3, frames.size(), watched.out());
            long first = frames.get(0).values().get("ticks");
            long last = frames.get(2).values().get("ticks");
            assertTrue(last > first, "ticks climb: " + first + " then " + last);
            assertTrue(frames.get(2).rows().get(0L).perSecond() > 0, watched.out());
            assertTrue(frames.get(2).rows().size() > frames.get(0).rows().size(), "new counters show up: " + watched.out());
            assertEquals(file + ": counters file, no problems" + NL, jar("verify", file.toString()).assertOk().out());
            writer.kill();
        }
        Frame after = jar("stat", file.toString()).assertOk().frames().getFirst();
        try (Counters counters = Counters.openReadOnly(file)) {
            assertEquals(counters.snapshot(), after.values());
            assertEquals(Integer.toString(counters.counters().size()), after.figures().get("counters"));
        }
    }

    /** Counts "ticks" and creates a counter every 20 ms until killed. */
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
                        next += 20_000_000L;
                    }
                    Thread.sleep(0, 100_000);
                }
            }
        }
    }

    @Test
    void damagedFiles() throws Exception {
        Path file = CountersStatTest.threeCounters(dir.resolve("damaged.counters"), "x");
        byte[] sound = Files.readAllBytes(file);
        ByteBuffer bytes = ByteBuffer.wrap(sound.clone()).order(ByteOrder.LITTLE_ENDIAN);
        long index = bytes.getLong(40);
        long records = bytes.getLong(48);
        for (int p = 0; p < 2048; p++) { // the entry of id 2 names id 1999 instead
            if ((int) bytes.getLong((int) index + 8 * p) == 3) {
                bytes.putInt((int) index + 8 * p, 2000);
            }
        }
        bytes.putInt((int) records + 12, 0xBAD); // record 0: a name hash its entry does not have
        Files.write(file, bytes.array());
        List<CountersProblem> problems = Counters.verify(file);
        assertEquals(2, problems.size(), problems::toString);
        Run r = jar("verify", file.toString());
        assertEquals(1, r.status());
        StringBuilder expected = new StringBuilder(file + ": counters file, 2 problems:" + NL);
        problems.forEach(p -> expected.append("  at byte offset ").append(p.offset()).append(": ").append(p.problem()).append(NL));
        assertEquals(expected.toString(), r.out());
        assertTrue(r.out().contains(": index entry names id 1999, outside 0 to 1023" + NL), r.out());
        assertTrue(r.out().contains("at byte offset " + (records + 12) + ": record 0 has name hash 0x00000bad, but its index entry at "),
                r.out());
        jar("stat", file.toString()).assertFailed("stat", file + ": corrupt counters file at byte offset "
                + problems.getFirst().offset() + ": " + problems.getFirst().problem());

        bytes = ByteBuffer.wrap(sound.clone()).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putInt(8, 2); // format version 2
        Files.write(file, bytes.array());
        r = jar("verify", file.toString());
        assertEquals(1, r.status());
        assertEquals(file + ": counters file, 1 problem:" + NL
                + "  at byte offset 8: format version is 2, this library reads version 1" + NL, r.out());
        jar("stat", file.toString()).assertFailed("stat", file
                + ": corrupt counters file at byte offset 8: format version is 2, this library reads version 1");

        Files.write(file, Arrays.copyOf(sound, 10_000)); // truncated
        r = jar("verify", file.toString());
        assertEquals(1, r.status());
        assertEquals(file + ": counters file, 1 problem:" + NL
                + "  at byte offset 10000: the file has 10000 bytes, its header says 413696 (truncated)" + NL, r.out());
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
        Run r = jar("stat", file.toString()).assertOk();
        assertFalse(r.out().chars().anyMatch(ch -> ch < 0x20 && ch != '\n'), r.out());
        List<String> lines = r.out().lines().toList();
        assertEquals(7, lines.size(), r.out());
        assertEquals(List.of("a\\nb\\x1b[2J\\x1b]0;owned\\x07", "名前.カウンタ", "🚀"),
                List.copyOf(r.frames().getFirst().values().keySet()));
        for (String row : lines.subList(4, 7)) {
            assertEquals(Terminal.width(lines.get(3)), Terminal.width(row), row);
        }
        Run ascii = jar(Map.of("LC_ALL", "C"), "stat", file.toString()).assertOk();
        assertEquals(List.of("a\\nb\\x1b[2J\\x1b]0;owned\\x07", "\\u{540d}\\u{524d}.\\u{30ab}\\u{30a6}\\u{30f3}\\u{30bf}",
                "\\u{1f680}"), List.copyOf(ascii.frames().getFirst().values().keySet()));
    }

    /** Opening a FIFO blocks until some process writes to it: the tool must say what it is and stop. */
    @Test
    void aFifo() throws Exception {
        Path fifo = dir.resolve("fifo.counters");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        jar("stat", fifo.toString()).assertFailed("stat", fifo + ": a FIFO (named pipe), not an mmap4j file (those are regular files)");
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
}
