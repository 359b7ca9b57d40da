package io.mmap4j;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.testkit.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** madvise and mlock: applied with native access, otherwise one warning and a false result. */
class NativeExtrasTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void withNativeAccessEveryAdviceAndThePageLockAreApplied() throws Exception {
        try (ChildJvm child = ChildJvm.start(List.of("--enable-native-access=ALL-UNNAMED"), Extras.class,
                dir.resolve("native.bin").toString())) {
            child.awaitExit(TIMEOUT, 0);
            List<String> output = child.output();
            for (Advice advice : Advice.values()) {
                assertTrue(output.contains(advice + " applied: true"), String.join("\n", output));
            }
            assertTrue(output.contains("range applied: true"), String.join("\n", output));
            assertTrue(output.contains("lockPages: true, loaded: true"), String.join("\n", output));
            assertTrue(output.contains("unlockPages: true"), String.join("\n", output));
            assertTrue(output.contains("data intact: 7"), String.join("\n", output));
            assertTrue(output.stream().noneMatch(l -> l.contains("WARNING")), String.join("\n", output));
        }
    }

    @Test
    void withoutNativeAccessNothingIsAppliedAndOneWarningSaysWhy() throws Exception {
        try (ChildJvm child = ChildJvm.start(Extras.class, dir.resolve("plain.bin").toString())) {
            child.awaitExit(TIMEOUT, 0);
            List<String> output = child.output();
            for (Advice advice : Advice.values()) {
                assertTrue(output.contains(advice + " applied: false"), String.join("\n", output));
            }
            assertTrue(output.contains("lockPages: false, loaded: false"), String.join("\n", output));
            assertEquals(1, output.stream().filter(l -> l.contains("advise() and lock() were not applied: native"
                    + " access is not enabled; run java with --enable-native-access=ALL-UNNAMED")).count(),
                    String.join("\n", output));
            assertTrue(output.stream().noneMatch(l -> l.contains("restricted method")),
                    "no restricted method was even called:\n" + String.join("\n", output));
        }
    }

    /** Calls every extra on a fresh 1 MiB map at an odd file offset and prints what happened. */
    public static final class Extras {
        public static void main(String[] args) throws Exception {
            try (MMap m = MMap.open(Path.of(args[0]), 4097, 1 << 20, CREATE, READ, WRITE)) {
                m.putLong(3, 7);
                for (Advice advice : Advice.values()) {
                    System.out.println(advice + " applied: " + m.advise(advice));
                }
                System.out.println("range applied: " + m.advise(5000, 10_000, Advice.WILLNEED));
                boolean locked = m.lockPages();
                System.out.println("lockPages: " + locked + ", loaded: " + (locked && m.isLoaded()));
                System.out.println("unlockPages: " + m.unlockPages());
                System.out.println("data intact: " + m.getLong(3));
            }
        }
    }
}
