package io.mmap4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a Python 3 script of a test: the readers written from the format documents, which must agree
 * with what Java wrote. A machine without {@code python3} skips the test (a JUnit assumption)
 * rather than failing it; a script that fails, or runs past its time, fails it.
 */
public final class Python {
    private Python() {
    }

    /**
     * Runs {@code python3 script args...} and returns the lines it printed. Its standard error goes
     * to the test's, so that a traceback shows in the build's log.
     */
    public static List<String> run(Duration timeout, Path script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("python3", script.toString()));
        command.addAll(List.of(args));
        Process python;
        try {
            python = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException noPython) {
            assumeTrue(false, "python3 is not installed: " + noPython.getMessage());
            throw noPython;
        }
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean ended = python.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!ended) {
            python.destroyForcibly();
        }
        assertTrue(ended, () -> script.getFileName() + " ran past " + timeout);
        assertEquals(0, python.exitValue(), () -> script.getFileName() + " failed; its output:\n" + out);
        return out.lines().toList();
    }
}
