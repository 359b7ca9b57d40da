package io.mmap4j.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * An example program in a child JVM: the same {@code java} and class path as this one. Closing it
 * kills the child if it is still running.
 */
final class Jvm implements AutoCloseable {
    private static final long TIMEOUT_SECONDS = 60;

    private final Process process;

    private Jvm(Process process) {
        this.process = process;
    }

    /** Starts {@code main} with {@code args} in a new JVM; its standard error is merged into its output. */
    static Jvm start(Class<?> main, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "-cp", System.getProperty("java.class.path"),
                "-XX:+UseSerialGC", main.getName()));
        command.addAll(List.of(args));
        return new Jvm(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /** The child's process: its pid, and whether it is still alive. */
    ProcessHandle handle() {
        return process.toHandle();
    }

    /** Waits for the child to exit 0 and returns its output lines; fails otherwise. */
    List<String> finish() throws IOException, InterruptedException {
        // Drained while the child runs, so that a child with much to say never blocks on a full pipe.
        FutureTask<byte[]> drained = new FutureTask<>(process.getInputStream()::readAllBytes);
        Thread.ofVirtual().start(drained);
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("child JVM " + process.pid() + " did not finish within " + TIMEOUT_SECONDS + " s");
        }
        String output;
        try {
            output = new String(drained.get(), StandardCharsets.UTF_8);
        } catch (ExecutionException e) {
            throw new IOException("reading the output of child JVM " + process.pid() + " failed", e.getCause());
        }
        if (process.exitValue() != 0) {
            throw new IOException("child JVM " + process.pid() + " exited with " + process.exitValue() + ":\n" + output);
        }
        return output.lines().toList();
    }

    /** Kills the child if it is still running. */
    @Override
    public void close() {
        process.destroyForcibly();
    }
}
