package io.mmap4j.counters.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.mmap4j.counters.Counters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stat tool as the README runs it, {@code java -jar mmap-counters/target/mmap-counters-cli.jar
 * stat FILE}: the shaded jar this build packaged (so also its manifest and the classes shaded into
 * it), on the {@code java} that runs the tests. Failsafe runs it after {@code package}.
 */
class CountersCliIT {
    private static final Path JAR = Path.of(System.getProperty("cli.jar", "target/mmap-counters-cli.jar"));
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    /** What one run of the jar printed, and its exit status. */
    private record Run(int status, List<String> out, String err) {
    }

    @BeforeAll
    static void theJarIsBuilt() {
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: run the package phase first");
    }

    @Test
    void statPrintsTheIdNameValueAndRateOfEachCounter() throws Exception {
        Path file = dir.resolve("app.counters");
        try (Counters c = Counters.open(file)) {
            c.counter("http.hits").set(42);
            c.counter("http.errors").set(-1);
            c.counter("db.calls").set(Long.MAX_VALUE);
        }
        Run r = run("stat", file.toString());
        assertEquals(0, r.status, r.err);
        assertEquals("", r.err);
        assertEquals(5, r.out.size(), String.join("\n", r.out));
        assertTrue(r.out.get(0).endsWith("  " + file + "  showing 3 of 3 counters, capacity 1024"), r.out.get(0));
        assertEquals(List.of(
                List.of("id", "name", "value", "rate/s"),
                List.of("0", "http.hits", "42", "0.0"),
                List.of("1", "http.errors", "-1", "0.0"),
                List.of("2", "db.calls", "9223372036854775807", "0.0")),
                r.out.subList(1, 5).stream().map(line -> List.of(line.trim().split(" +"))).toList());
    }

    @Test
    void aCorruptFileExitsWithOneAndSaysWhatIsWrong() throws Exception {
        Path file = dir.resolve("corrupt.counters");
        try (Counters c = Counters.open(file)) {
            c.counter("x");
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[8] = 2; // format version 2
        Files.write(file, bytes);
        Run r = run("stat", file.toString());
        assertEquals(1, r.status);
        assertEquals(List.of(), r.out);
        assertEquals("stat: " + file + ": corrupt counters file at byte offset 8: format version is 2, this library reads version 1"
                + System.lineSeparator(), r.err);
    }

    @Test
    void badArgumentsExitWithTwo() throws Exception {
        Run r = run("stat", dir.resolve("x.counters").toString(), "--watch", "0");
        assertEquals(2, r.status);
        assertTrue(r.err.startsWith("stat: --watch 0: expected seconds from 0.05 to 86400" + System.lineSeparator()
                + "usage: stat <file>"), r.err);
    }

    private Run run(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "-jar",
                JAR.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            fail(command + " did not exit within " + TIMEOUT);
        }
        return new Run(process.exitValue(), Files.readAllLines(out), Files.readString(err));
    }
}
