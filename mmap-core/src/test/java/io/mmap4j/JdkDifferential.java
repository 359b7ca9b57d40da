package io.mmap4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * What the jqwik differential tests share: scratch files (jqwik has no {@code @TempDir}) and the
 * initial contents of a file, often empty, up to 20,000 random bytes.
 */
abstract class JdkDifferential {
    private static final int MAX_CONTENT = 20_000;

    private static Path dir;
    private static int files;

    @BeforeContainer
    static void createScratchDir() throws IOException {
        dir = Files.createTempDirectory("differential");
    }

    @AfterContainer
    static void deleteScratchDir() throws IOException {
        try (var paths = Files.list(dir)) {
            for (Path p : paths.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    /** A new file holding {@code content}, with a name no other try has used. */
    static Path scratchFile(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name + "-" + files++), content);
    }

    /** One operation of a sequence, applied to the JDK's object or to ours; describes its result. */
    interface Step<T> {
        String apply(T target) throws IOException;
    }

    /** How a step's outcome is told: its result, what it threw, what state it left. */
    interface Outcome<T> {
        String of(Step<T> step, T target) throws IOException;
    }

    /**
     * Runs each step on the JDK's object, then on ours, and fails at the first outcome that
     * differs, listing the steps so far. Returns that list, for the messages of later checks.
     */
    static <T> String runOnBoth(List<? extends Step<T>> steps, T jdk, T ours, Outcome<T> outcome) throws IOException {
        List<String> trace = new ArrayList<>();
        for (Step<T> step : steps) {
            String expected = outcome.of(step, jdk);
            trace.add(step + " -> " + expected);
            String actual = outcome.of(step, ours);
            assertEquals(expected, actual, () -> "after\n  " + String.join("\n  ", trace));
        }
        return "ops:\n  " + String.join("\n  ", trace);
    }

    /** The step's result, or the type and message of what it threw. */
    static <T> String resultOrThrown(Step<T> step, T target) {
        try {
            return step.apply(target);
        } catch (IOException | RuntimeException e) {
            return "threw " + e.getClass().getName() + ": " + e.getMessage();
        }
    }

    @Provide
    Arbitrary<byte[]> contents() {
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(new byte[0])),
                Tuple.of(4, Arbitraries.bytes().array(byte[].class).ofMaxSize(MAX_CONTENT)));
    }
}
