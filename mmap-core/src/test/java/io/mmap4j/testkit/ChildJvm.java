package io.mmap4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM started with the same {@code java} and class path as the test, for tests that need
 * a second process. Its stdout and stderr are merged and collected line by line. Closing it kills
 * it if it is still running, so a failed test leaves nothing behind.
 */
public final class ChildJvm implements AutoCloseable {
    private static final String END = "\u0000end-of-output";

    private final Process process;
    private final String name;
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final BlockingQueue<String> unread = new LinkedBlockingQueue<>();
    private final CountDownLatch outputEnded = new CountDownLatch(1);

    private ChildJvm(Process process, String name) {
        this.process = process;
        this.name = name;
        Thread reader = new Thread(this::drain, "output of " + name);
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code main} with {@code args}. */
    public static ChildJvm start(Class<?> main, String... args) throws IOException {
        return start(List.of(), main, args);
    }

    /**
     * Starts {@code main} with extra JVM options and {@code args}. The options come after the kit's
     * own {@code -Xmx256m -XX:+UseSerialGC} (and before the class name), so that, say,
     * {@code -Xmx32m} overrides the kit's heap size.
     */
    public static ChildJvm start(List<String> jvmOptions, Class<?> main, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC"); // light on a 2-core CI machine
        command.addAll(jvmOptions);
        command.add(main.getName());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new ChildJvm(process, main.getSimpleName() + " " + String.join(" ", args));
    }

    /** Runs {@code main} to completion and returns its output; fails the test unless it exits 0 in time. */
    public static List<String> run(Duration timeout, Class<?> main, String... args) throws Exception {
        try (ChildJvm child = start(main, args)) {
            child.awaitExit(timeout, 0);
            return child.output();
        }
    }

    /** Waits for the next output line that starts with {@code prefix}, skipping others; fails on timeout or exit. */
    public String awaitLine(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String line = unread.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                fail(name + ": no line starting with \"" + prefix + "\" within " + timeout + "; output:\n" + joined());
            }
            if (line.equals(END)) {
                unread.add(END);
                fail(name + " ended before printing \"" + prefix + "\"; output:\n" + joined());
            }
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    /**
     * Waits for the child to exit and for the end of its output, then checks its exit code; fails
     * (and kills it) on timeout. When this returns, {@link #output()} holds every line the child
     * printed, a killed child's included: its exit does not mean the reader has drained the pipe
     * yet, so this reads to the pipe's end, which comes right after the exit.
     */
    public void awaitExit(Duration timeout, int expectedExitCode) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
            fail(name + " did not exit within " + timeout + "; output:\n" + joined());
        }
        if (!outputEnded.await(10, TimeUnit.SECONDS)) {
            fail(name + " exited but its output did not end within 10 s; output so far:\n" + joined());
        }
        assertEquals(expectedExitCode, process.exitValue(), () -> name + " exit code; output:\n" + joined());
    }

    /**
     * Kills the child at once ({@code SIGKILL}) and waits until it is gone and everything it
     * printed has been read, so {@link #output()} then holds its last line: {@link
     * Process#destroyForcibly()} would also close the pipes, losing the lines still in them, so the
     * kill goes through the process handle.
     */
    public void kill() throws InterruptedException {
        process.toHandle().destroyForcibly();
        process.waitFor();
        outputEnded.await(10, TimeUnit.SECONDS); // the pipe closes right after the exit
        try {
            process.getOutputStream().close();
        } catch (IOException unsentInputOfADeadProcess) {
            // nothing to do: the child is gone
        }
    }

    /** Sends a line to the child's standard input. */
    public void send(String line) throws IOException {
        process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
    }

    /** The child's process id. */
    public long pid() {
        return process.pid();
    }

    /** Whether the child is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** Every line printed so far. */
    public List<String> output() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    private String joined() {
        return String.join("\n", output());
    }

    private void drain() {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                lines.add(line);
                unread.add(line);
            }
        } catch (IOException e) {
            lines.add("(output lost: " + e + ")");
        } finally {
            unread.add(END);
            outputEnded.countDown();
        }
    }
}
