package io.mmap4j.counters;

import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmap4j.testkit.ChildJvm;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A counters file truncated by someone else under a process that holds counters: each operation
 * on a value whose page was cut throws InternalError and the JVM carries on; before the fix, a
 * compare-and-set run by the interpreter or C1 killed it. In a child JVM, bounded in time.
 */
class TruncationTest {
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);
    private static final List<String> OPERATIONS = List.of("compareAndSet", "getAndAdd", "getAndSet", "set", "get");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"-Xint", "-XX:TieredStopAtLevel=1"})
    void operationsOnACounterWhosePageWasCutThrowInternalErrorAndTheJvmCarriesOn(String mode) throws Exception {
        Path file = dir.resolve("truncated.counters");
        try (ChildJvm child = ChildJvm.start(List.of(mode, "-XX:-CreateCoredumpOnCrash",
                "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log")), Victim.class, file.toString())) {
            child.awaitExit(CHILD_TIMEOUT, 0);
            List<String> output = child.output();
            for (String op : OPERATIONS) {
                assertEquals(1, output.stream().filter(line -> line.equals(op + ": java.lang.InternalError")).count(),
                        () -> op + " in " + mode + ":\n" + String.join("\n", output));
            }
        }
    }

    /**
     * Creates a counter per operation, warms each up, truncates the file to its first page through
     * a channel of its own (to the kernel, as another process's {@code truncate} would), then runs
     * each operation once.
     */
    public static final class Victim {
        public static void main(String[] args) throws Exception {
            Path file = Path.of(args[0]);
            try (Counters counters = Counters.open(file)) {
                List<Consumer<Counter>> ops = List.of(c -> c.compareAndSet(0, 1), c -> c.getAndAdd(1),
                        c -> c.getAndSet(1), c -> c.set(1), Counter::get);
                Counter[] byOp = new Counter[ops.size()];
                for (int i = 0; i < byOp.length; i++) {
                    // A cut page is gone from every mapping, touched before or not: each access faults.
                    byOp[i] = counters.counter(OPERATIONS.get(i));
                    for (int j = 0; j < 10_000; j++) {
                        ops.get(i).accept(byOp[i]);
                    }
                }
                try (FileChannel channel = FileChannel.open(file, WRITE)) {
                    channel.truncate(4096);
                }
                for (int i = 0; i < byOp.length; i++) {
                    try {
                        ops.get(i).accept(byOp[i]);
                        System.out.println(OPERATIONS.get(i) + ": no error");
                    } catch (Throwable t) {
                        System.out.println(OPERATIONS.get(i) + ": " + t.getClass().getName());
                    }
                }
            }
        }
    }
}
