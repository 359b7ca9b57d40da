package io.mmap4j;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.testkit.ChildJvm;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
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
            assertPrivateWritesSurvive(output, "true");
            assertWrappedPagesUntouched(output);
        }
    }

    /**
     * Advice and locks on a wrapped 16-byte allocation are refused; before, DONTNEED zeroed the
     * whole page around it, a neighbouring allocation lost its value, and freeing it could abort.
     */
    private static void assertWrappedPagesUntouched(List<String> output) {
        for (String call : List.of("advise(DONTNEED)", "advise(WILLNEED)", "lockPages()", "unlockPages()")) {
            assertTrue(output.stream().anyMatch(l -> l.matches("wrapped " + Pattern.quote(call) + " refused: "
                    + Pattern.quote(call) + " acts on whole pages, and the pages of a wrapped segment .* are not this"
                    + " map's: they may hold other allocations")), call + ":\n" + String.join("\n", output));
        }
        assertTrue(output.contains("neighbour intact: 42"), String.join("\n", output));
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
            assertPrivateWritesSurvive(output, "false");
            assertWrappedPagesUntouched(output);
        }
    }

    /** DONTNEED is refused on a private map with or without native access; other advice is taken as any. */
    private void assertPrivateWritesSurvive(List<String> output, String applied) {
        String file = dir.resolve((applied.equals("true") ? "native" : "plain") + ".bin.private").toString();
        assertTrue(output.contains("private DONTNEED refused: advise(DONTNEED) would discard this PRIVATE map's"
                + " writes (MADV_DONTNEED drops its private copies of the pages): " + file), String.join("\n", output));
        assertTrue(output.contains("private WILLNEED applied: " + applied), String.join("\n", output));
        assertTrue(output.contains("private write intact: 99"), String.join("\n", output));
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
            // Where native access makes MADV_DONTNEED real, it would revert a private map's writes.
            Path cowFile = Path.of(args[0] + ".private");
            Files.write(cowFile, new byte[4096]);
            try (MMap cow = MMap.open(cowFile, MapOption.PRIVATE)) {
                cow.putLong(0, 99);
                try {
                    System.out.println("private DONTNEED applied: " + cow.advise(Advice.DONTNEED));
                } catch (UnsupportedOperationException e) {
                    System.out.println("private DONTNEED refused: " + e.getMessage());
                }
                System.out.println("private WILLNEED applied: " + cow.advise(Advice.WILLNEED));
                System.out.println("private write intact: " + cow.getLong(0));
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment mine = arena.allocate(16);
                MemorySegment neighbour = arena.allocate(16);
                neighbour.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 42);
                MMap wrapped = MMap.wrap(mine);
                Map<String, Callable<Boolean>> calls = new LinkedHashMap<>();
                calls.put("advise(DONTNEED)", () -> wrapped.advise(0, 16, Advice.DONTNEED));
                calls.put("advise(WILLNEED)", () -> wrapped.advise(Advice.WILLNEED));
                calls.put("lockPages()", wrapped::lockPages);
                calls.put("unlockPages()", wrapped::unlockPages);
                for (Map.Entry<String, Callable<Boolean>> call : calls.entrySet()) {
                    try {
                        System.out.println("wrapped " + call.getKey() + " applied: " + call.getValue().call());
                    } catch (UnsupportedOperationException e) {
                        System.out.println("wrapped " + call.getKey() + " refused: " + e.getMessage());
                    }
                }
                System.out.println("neighbour intact: " + neighbour.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
            }
        }
    }
}
