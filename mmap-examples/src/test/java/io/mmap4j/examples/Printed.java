package io.mmap4j.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.concurrent.Callable;

/** What some code returned and what it printed to {@code System.out}. */
record Printed<T>(T value, String output) {
    /**
     * Runs {@code code} with {@code System.out} going to a buffer, then prints the buffer to the
     * real {@code System.out} as well, even if the code threw, so that it stays in the test's log.
     */
    static <T> Printed<T> by(Callable<T> code) throws Exception {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, UTF_8));
        try {
            T value = code.call();
            return new Printed<>(value, captured.toString(UTF_8));
        } finally {
            System.setOut(out);
            out.print(captured.toString(UTF_8));
        }
    }
}
