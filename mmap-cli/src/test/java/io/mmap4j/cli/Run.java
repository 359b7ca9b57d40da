package io.mmap4j.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What one run of the tool printed, and its exit status: run in this JVM through
 * {@link Mmap4j#run}; as users run it, {@code java -jar mmap4j.jar}, in a process of its own; or the
 * jar's classes in the one JVM of their own that the tests share ({@link #tool}).
 */
record Run(int status, String out, String err) {
    /** The jar this build packaged; failsafe passes its path. */
    static final Path JAR = Path.of(System.getProperty("mmap4j.jar", "target/mmap4j.jar"));
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final String NL = System.lineSeparator();

    /** Runs the tool in this JVM, printing UTF-8. */
    static Run inProcess(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Mmap4j.run(args, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
        return new Run(status, out.toString(UTF_8), err.toString(UTF_8));
    }

    /**
     * Runs the tool in a JVM of its own that the tests share ({@link ToolShell}): the classes of the
     * jar this build packaged, in another process, as {@link #jar} runs them, without a JVM start
     * per run. {@link Mmap4j#main} passes the status that {@link Mmap4j#run} returns to
     * {@code System.exit}, so the status is the one {@link #jar} sees; {@link #jar} itself is for what
     * only a process of its own shows (the launcher, the locale's encoding, a reader that goes away).
     */
    static Run tool(String... args) throws IOException, InterruptedException {
        return ToolJvm.INSTANCE.run(args);
    }

    /** The JVM that {@link #tool} runs the tool in, started at its first use, ended with the tests' JVM. */
    private static final class ToolJvm {
        static final ToolJvm INSTANCE = new ToolJvm();

        private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "answers of the tool's JVM");
            t.setDaemon(true);
            return t;
        });
        private Process process;
        private DataOutputStream requests;
        private DataInputStream answers;

        synchronized Run run(String... args) throws IOException, InterruptedException {
            if (process == null || !process.isAlive()) {
                start();
            }
            requests.writeInt(args.length);
            for (String arg : args) {
                requests.writeUTF(arg);
            }
            requests.flush();
            try {
                return reader.submit(() -> new Run(answers.readInt(), text(answers), text(answers)))
                        .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                process.destroyForcibly().waitFor();
                process = null;
                return fail("the tool's JVM did not answer " + String.join(" ", args) + " within " + TIMEOUT, e);
            }
        }

        private static String text(DataInputStream in) throws IOException {
            return new String(in.readNBytes(in.readInt()), UTF_8);
        }

        private void start() throws IOException {
            String testClasses;
            try {
                testClasses = Path.of(ToolShell.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
            } catch (URISyntaxException e) {
                throw new IOException(e);
            }
            process = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-cp", JAR + File.pathSeparator + testClasses, ToolShell.class.getName())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            requests = new DataOutputStream(new BufferedOutputStream(process.getOutputStream()));
            answers = new DataInputStream(new BufferedInputStream(process.getInputStream()));
            Process started = process;
            Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
        }
    }

    /** Runs {@code java -jar mmap4j.jar ARGS} on the java running the tests, in a UTF-8 locale. */
    static Run jar(String... args) throws IOException, InterruptedException {
        return jar(Map.of("LC_ALL", "C.UTF-8"), args);
    }

    /** Runs {@code java -jar mmap4j.jar ARGS} with these environment variables set; fails after {@link #TIMEOUT}. */
    static Run jar(Map<String, String> environment, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", JAR.toString()));
        command.addAll(List.of(args));
        return process(new ProcessBuilder(command), environment, String.join(" ", args));
    }

    /** Runs a process to its end, its output decoded as UTF-8; fails after {@link #TIMEOUT}. */
    static Run process(ProcessBuilder builder, Map<String, String> environment, String what)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("mmap4j-out", ".txt");
        Path err = Files.createTempFile("mmap4j-err", ".txt");
        try {
            builder.environment().putAll(environment);
            Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                fail(what + " did not exit within " + TIMEOUT + "; printed:\n" + Files.readString(out, UTF_8)
                        + Files.readString(err, UTF_8));
            }
            return new Run(process.exitValue(), Files.readString(out, UTF_8), Files.readString(err, UTF_8));
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }

    /** Checks a failure: exit status 1, nothing on stdout, this one line on stderr after "mmap4j COMMAND: ". */
    void assertFailed(String command, String line) {
        assertEquals("", out, () -> "stdout of a failure; stderr: " + err);
        assertEquals("mmap4j " + command + ": " + line + NL, err);
        assertEquals(1, status);
    }

    /** Checks a wrong argument: exit status 2, this message, then the command's usage, all on stderr. */
    void assertWrongArgument(String command, String message) {
        assertEquals("", out);
        assertTrue(err.startsWith(command + ": " + message + NL + "Usage: " + command + " "), err);
        assertEquals(2, status);
    }

    /** Checks success: exit status 0, nothing on stderr. */
    Run assertOk() {
        assertEquals("", err, "stderr");
        assertEquals(0, status, "exit status");
        return this;
    }

    /** The samples {@code stat} printed as text. */
    List<Frame> frames() {
        List<Frame> frames = new ArrayList<>();
        Frame frame = null;
        boolean table = false;
        for (String line : out.lines().toList()) {
            if (line.isEmpty()) {
                continue;
            }
            if (!line.startsWith(" ")) {
                frame = new Frame(line, new LinkedHashMap<>(), new LinkedHashMap<>());
                frames.add(frame);
                table = false;
            } else if (line.matches(" +id  name +value +rate/s")) {
                table = true;
            } else if (table) {
                // fixed columns: id in 6, 2 spaces, the name padded, 2 spaces, value in 20, 2 spaces, rate in 14
                String name = line.substring(8, line.length() - 38).stripTrailing();
                String id = line.substring(0, 6).trim();
                String value = line.substring(line.length() - 36, line.length() - 16).trim();
                String rate = line.substring(line.length() - 14).trim();
                frame.rows().put(Long.parseLong(id), new Cells(name, Long.parseLong(value), rate));
            } else {
                String[] cells = line.trim().split("  +");
                frame.figures().put(cells[0], cells[1]);
                if (cells.length > 2) {
                    frame.figures().put(cells[0] + " rate", cells[2]);
                }
            }
        }
        return frames;
    }

    /** One sample of {@code stat}: its title line, its figures (and their rates, as "LABEL rate"), its rows by id. */
    record Frame(String title, Map<String, String> figures, Map<Long, Cells> rows) {
        /** Each row's name and value. */
        Map<String, Long> values() {
            Map<String, Long> values = new LinkedHashMap<>();
            rows.values().forEach(c -> values.put(c.name(), c.value()));
            return values;
        }
    }

    /** A row's cells: name as printed, value, rate as printed. */
    record Cells(String name, long value, String rate) {
        double perSecond() {
            return Double.parseDouble(rate);
        }
    }
}
