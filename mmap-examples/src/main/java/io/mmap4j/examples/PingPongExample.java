package io.mmap4j.examples;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.DELETE_ON_CLOSE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import io.mmap4j.MMap;
import java.util.Arrays;

/**
 * Round-trip latency between two JVMs: this one writes a number into shared memory, the other
 * spins until it sees it and writes it back, and this one spins until it sees the answer. Both
 * busy-spin, so each needs a core of its own; the numbers are the time of one whole round trip.
 *
 * <p>Ping and pong live 128 bytes apart, so they never share a cache line (nor the pair of lines
 * that x86 prefetches together). Writes are release stores and reads acquire loads: the pattern
 * that publishes data between processes, at the cost of the bare cache-line transfer.
 *
 * <pre>mvn -B -q -DskipTests -Pdemo verify -Dexample=PingPongExample</pre>
 */
public final class PingPongExample {
    private static final long PING = 0;
    private static final long PONG = 128;
    /** What {@link #await} returns if the other JVM died: no number either side ever writes. */
    private static final long DIED = -1;

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("ponger")) {
            pong(args[1], Long.parseLong(args[2]));
        } else {
            System.exit(run(false) ? 0 : 1);
        }
    }

    /** Measures round trips against a second JVM and prints the percentiles; true if every ping came back, in order. */
    public static boolean run(boolean quick) throws Exception {
        int warmUp = quick ? 20_000 : 200_000;
        int measured = quick ? 100_000 : 1_000_000;
        String name = "mmap4j-pingpong-" + ProcessHandle.current().pid();
        try (MMap shared = MMap.openShared(name, 4096, CREATE_NEW, READ, WRITE, DELETE_ON_CLOSE)) {
            MMap.sharedMemoryPath(name).toFile().deleteOnExit(); // DELETE_ON_CLOSE does not run on Ctrl-C
            try (Jvm ponger = Jvm.start(PingPongExample.class, "ponger", name, String.valueOf(warmUp + measured))) {
                long[] nanos = new long[measured];
                for (int i = 1; i <= warmUp + measured; i++) {
                    long start = System.nanoTime();
                    shared.putLongRelease(PING, i);
                    long answer = await(shared, PONG, i, ponger.handle());
                    if (answer != i) {
                        System.out.println("    round trip " + i + ": "
                                + (answer == DIED ? "the other JVM died" : "the other JVM answered " + answer));
                        return false;
                    }
                    if (i > warmUp) {
                        nanos[i - warmUp - 1] = System.nanoTime() - start;
                    }
                }
                ponger.finish();
                Arrays.sort(nanos);
                System.out.printf("    %,d round trips between pid %d and pid %d (after %,d to warm up):%n", measured,
                        ProcessHandle.current().pid(), ponger.handle().pid(), warmUp);
                System.out.printf("    p50 %,d ns   p99 %,d ns   p99.9 %,d ns   max %,d ns%n", percentile(nanos, 50),
                        percentile(nanos, 99), percentile(nanos, 99.9), nanos[nanos.length - 1]);
                return true;
            }
        }
    }

    /** The other JVM: answers every ping with the same number. */
    private static void pong(String name, long roundTrips) throws Exception {
        ProcessHandle parent = ProcessHandle.current().parent().orElseThrow();
        try (MMap shared = MMap.openShared(name, 4096, READ, WRITE)) {
            for (long i = 1; i <= roundTrips && await(shared, PING, i, parent) == i; i++) {
                shared.putLongRelease(PONG, i);
            }
        }
    }

    /**
     * Spins while the long at {@code pos} still holds the number before {@code value}, then returns
     * what it holds: {@code value}, or anything else if the other side broke the protocol, so that
     * a wrong answer fails the round trip instead of hanging it. {@link #DIED} if {@code other} dies.
     */
    private static long await(MMap shared, long pos, long value, ProcessHandle other) {
        long seen;
        for (int spins = 1; (seen = shared.getLongAcquire(pos)) == value - 1; spins++) {
            if ((spins & 0xFFFF) == 0 && !other.isAlive()) { // rarely: a liveness check is a system call
                return DIED;
            }
            Thread.onSpinWait();
        }
        return seen;
    }

    private static long percentile(long[] sorted, double percent) {
        int index = (int) Math.ceil(percent / 100 * sorted.length) - 1;
        return sorted[Math.max(0, index)];
    }

    private PingPongExample() {}
}
