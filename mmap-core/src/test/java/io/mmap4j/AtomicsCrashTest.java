package io.mmap4j;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.testkit.ChildJvm;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Atomics on pages that are cut off, in child JVMs, since the failure this guards against is the
 * death of the JVM (SIGBUS in an unguarded compare-and-set): a truncation by someone else under
 * every atomic and ordered access, cold (interpreted), C1-compiled and C2-compiled; and the
 * handle's own resize and close racing compare-and-sets and get-and-adds, which must never meet a
 * cut page at all. Each child is bounded in time; its exit code says whether the JVM survived.
 */
class AtomicsCrashTest {
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);
    private static final long MAP_SIZE = 1 << 20;
    private static final int TRUNCATED_SIZE = 4096;
    /** JVM options per mode: interpreted (where the crash was), C1 only, and C2 after warm-up. */
    private static final Map<String, List<String>> MODES = Map.of(
            "cold", List.of("-Xint"),
            "c1", List.of("-XX:TieredStopAtLevel=1"),
            "c2", List.of("-XX:-TieredCompilation"));

    @TempDir
    Path dir;

    /**
     * Another party truncates the file to one page; each atomic and ordered access, once, on a
     * page it cut: the JVM carries on, and each access throws InternalError.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cold", "c1", "c2"})
    void everyAtomicOnATruncatedPageThrowsInternalErrorAndTheJvmCarriesOn(String mode) throws Exception {
        Path file = dir.resolve("truncated.bin");
        try (ChildJvm child = ChildJvm.start(jvmOptions(mode, dir), TruncatedAtomics.class, file.toString(),
                mode.equals("cold") ? "0" : "12000")) {
            child.awaitExit(CHILD_TIMEOUT, 0);
            List<String> output = child.output();
            for (String op : TruncatedAtomics.operations(null).keySet()) {
                assertTrue(output.contains(op + ": java.lang.InternalError"), () -> op + " in " + mode + ":\n"
                        + String.join("\n", output));
            }
        }
    }

    /**
     * One thread compare-and-sets (and another adds) at the end of a map while the handle shrinks
     * it to one page and grows it back, hundreds of times, then closes it: the handle never cuts
     * the file under its own mappings, so no access faults; each one succeeds or is refused as out
     * of bounds or closed.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cold", "default", "auto"})
    void theHandlesOwnResizeAndCloseNeverMakeARacingAccessFault(String mode) throws Exception {
        Path file = dir.resolve("resized.bin");
        try (ChildJvm child = ChildJvm.start(jvmOptions(mode, dir), ResizeRacer.class, file.toString(),
                String.valueOf(mode.equals("auto")))) {
            child.awaitExit(CHILD_TIMEOUT, 0);
            List<String> output = child.output();
            assertEquals("faults 0", output.get(output.size() - 2), () -> String.join("\n", output));
            assertEquals("closed: IllegalStateException", output.getLast(), () -> String.join("\n", output));
        }
        if (!mode.equals("auto")) {
            assertEquals(TRUNCATED_SIZE, Files.size(file), "the cut the last shrink owed is made at close");
        }
    }

    /** The mode's options; a JVM that dies anyway writes no core, and its hs_err file into the temporary directory. */
    private static List<String> jvmOptions(String mode, Path dir) {
        List<String> options = new ArrayList<>(MODES.getOrDefault(mode, List.of()));
        options.add("-XX:-CreateCoredumpOnCrash");
        options.add("-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"));
        return options;
    }

    /**
     * Maps 1 MiB, warms every operation up {@code args[1]} times on the first page, truncates the
     * file to one page through a channel of its own (to the kernel, as another process's
     * {@code truncate} would), then runs each operation once on a page past the cut.
     */
    public static final class TruncatedAtomics {
        public static void main(String[] args) throws Exception {
            Path file = Path.of(args[0]);
            int warmUp = Integer.parseInt(args[1]);
            try (MMap m = MMap.open(file, MAP_SIZE, CREATE, READ, WRITE)) {
                Map<String, LongConsumer> operations = operations(m);
                for (int i = 0; i < warmUp; i++) {
                    for (LongConsumer op : operations.values()) {
                        op.accept(64);
                    }
                }
                try (FileChannel channel = FileChannel.open(file, WRITE)) {
                    channel.truncate(TRUNCATED_SIZE);
                }
                long pos = 8 * TRUNCATED_SIZE;
                for (Map.Entry<String, LongConsumer> op : operations.entrySet()) {
                    try {
                        op.getValue().accept(pos);
                        System.out.println(op.getKey() + ": no error");
                    } catch (Throwable t) {
                        System.out.println(op.getKey() + ": " + t.getClass().getName());
                    }
                    pos += TRUNCATED_SIZE; // a page not touched yet, so each access faults on its own
                }
            }
        }

        /**
         * Where the reads put their values: a load whose value nobody uses is one C2 may drop,
         * and then nothing faults (once in a few dozen runs, getIntVolatile did not).
         */
        static volatile long sink;

        /** Every atomic and ordered access of {@link MMap}, by name. */
        static Map<String, LongConsumer> operations(MMap m) {
            Map<String, LongConsumer> ops = new LinkedHashMap<>();
            ops.put("compareAndSetLong", pos -> m.compareAndSetLong(pos, 0, 1));
            ops.put("compareAndExchangeLong", pos -> m.compareAndExchangeLong(pos, 0, 1));
            ops.put("compareAndSetInt", pos -> m.compareAndSetInt(pos, 0, 1));
            ops.put("compareAndExchangeInt", pos -> m.compareAndExchangeInt(pos, 0, 1));
            ops.put("getAndAddLong", pos -> m.getAndAddLong(pos, 1));
            ops.put("getAndSubLong", pos -> m.getAndSubLong(pos, 1));
            ops.put("getAndSetLong", pos -> m.getAndSetLong(pos, 1));
            ops.put("getAndBitwiseAndLong", pos -> m.getAndBitwiseAndLong(pos, 1));
            ops.put("getAndBitwiseOrLong", pos -> m.getAndBitwiseOrLong(pos, 1));
            ops.put("getAndBitwiseXorLong", pos -> m.getAndBitwiseXorLong(pos, 1));
            ops.put("getAndAddInt", pos -> m.getAndAddInt(pos, 1));
            ops.put("getAndSubInt", pos -> m.getAndSubInt(pos, 1));
            ops.put("getAndSetInt", pos -> m.getAndSetInt(pos, 1));
            ops.put("getAndBitwiseAndInt", pos -> m.getAndBitwiseAndInt(pos, 1));
            ops.put("getAndBitwiseOrInt", pos -> m.getAndBitwiseOrInt(pos, 1));
            ops.put("getAndBitwiseXorInt", pos -> m.getAndBitwiseXorInt(pos, 1));
            ops.put("getLongVolatile", pos -> sink = m.getLongVolatile(pos));
            ops.put("getLongAcquire", pos -> sink = m.getLongAcquire(pos));
            ops.put("getLongOpaque", pos -> sink = m.getLongOpaque(pos));
            ops.put("putLongVolatile", pos -> m.putLongVolatile(pos, 1));
            ops.put("putLongRelease", pos -> m.putLongRelease(pos, 1));
            ops.put("putLongOpaque", pos -> m.putLongOpaque(pos, 1));
            ops.put("getIntVolatile", pos -> sink = m.getIntVolatile(pos));
            ops.put("getIntAcquire", pos -> sink = m.getIntAcquire(pos));
            ops.put("getIntOpaque", pos -> sink = m.getIntOpaque(pos));
            ops.put("putIntVolatile", pos -> m.putIntVolatile(pos, 1));
            ops.put("putIntRelease", pos -> m.putIntRelease(pos, 1));
            ops.put("putIntOpaque", pos -> m.putIntOpaque(pos, 1));
            return ops;
        }
    }

    /**
     * Maps 1 MiB ({@code args[1]}: with AUTO_UNMAP); one thread compare-and-sets the last long
     * while another adds to the one before it, and the main thread resizes to one page and back
     * 300 times, then closes the map. Prints how many accesses faulted, then how the threads ended.
     */
    public static final class ResizeRacer {
        public static void main(String[] args) throws Exception {
            Path file = Path.of(args[0]);
            boolean autoUnmap = Boolean.parseBoolean(args[1]);
            MMap m = autoUnmap
                    ? MMap.open(file, MAP_SIZE, CREATE, READ, WRITE, MapOption.AUTO_UNMAP)
                    : MMap.open(file, MAP_SIZE, CREATE, READ, WRITE);
            AtomicBoolean stop = new AtomicBoolean();
            int[] faults = new int[1];
            AtomicReference<String> ended = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (LongConsumer access : List.<LongConsumer>of(
                    pos -> m.compareAndSetLong(pos, 0, 0), pos -> m.getAndAddLong(pos - 8, 0))) {
                threads.add(Thread.ofPlatform().start(() -> {
                    while (true) {
                        try {
                            access.accept(MAP_SIZE - 8);
                        } catch (IndexOutOfBoundsException shrunk) {
                            if (stop.get()) {
                                return;
                            }
                        } catch (IllegalStateException closed) {
                            ended.set("closed: IllegalStateException");
                            return;
                        } catch (InternalError e) {
                            synchronized (faults) {
                                faults[0]++;
                            }
                        }
                    }
                }));
            }
            for (int i = 0; i < 300; i++) {
                m.resize(TRUNCATED_SIZE);
                m.resize(MAP_SIZE);
            }
            m.resize(TRUNCATED_SIZE);
            m.resize(MAP_SIZE); // the threads run on past the end once more, so close meets them mid-access
            Thread.sleep(20);
            m.resize(TRUNCATED_SIZE);
            m.close();
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            synchronized (faults) {
                System.out.println("faults " + faults[0]);
            }
            System.out.println(ended.get() == null ? "closed: not seen" : ended.get());
        }
    }
}
