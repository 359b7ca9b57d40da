package io.mmap4j.counters.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.mmap4j.counters.tool.CountersToolTest.Run;
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

    @BeforeAll
    static void theJarIsBuilt() {
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: run the package phase first");
    }

    /** ASCII names: the tool prints in the platform's encoding, which here may be ASCII. */
    @Test
    void statPrintsTheIdNameValueAndRateOfEachCounter() throws Exception {
        Path file = CountersToolTest.threeCounters(dir.resolve("app.counters"), "db.calls");
        CountersToolTest.assertOneFrameOfThree(run("stat", file.toString()), file, "db.calls");
    }

    @Test
    void aCorruptFileExitsWithOneAndSaysWhatIsWrong() throws Exception {
        Path file = CountersToolTest.threeCounters(dir.resolve("corrupt.counters"), "x");
        byte[] bytes = Files.readAllBytes(file);
        bytes[8] = 2; // format version 2
        Files.write(file, bytes);
        Run r = run("stat", file.toString());
        assertEquals(1, r.status());
        assertEquals("", r.out());
        assertEquals("stat: " + file + ": corrupt counters file at byte offset 8: format version is 2, this library reads version 1"
                + System.lineSeparator(), r.err());
    }

    @Test
    void badArgumentsExitWithTwo() throws Exception {
        Run r = run("stat", dir.resolve("x.counters").toString(), "--watch", "0");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("stat: --watch 0: expected seconds from 0.05 to 86400" + System.lineSeparator()
                + "usage: stat <file>"), r.err());
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
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }
}
