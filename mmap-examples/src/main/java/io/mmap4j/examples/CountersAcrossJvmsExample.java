package io.mmap4j.examples;

import io.mmap4j.counters.Counter;
import io.mmap4j.counters.Counters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Atomic counters across JVMs: several JVMs increment the same named counter of one counters file
 * at the same time, and not one increment is lost.
 *
 * <p>"At the same time" is arranged and checked, for only increments that race can be lost. JVMs
 * start hundreds of milliseconds apart, so the incrementers first meet at a start barrier: a
 * second counter in the same file. Then the counter is its own clock: the values a JVM's
 * increments returned say when its loop ran, and every loop must have started before any ended.
 *
 * <pre>mvn -B -q -DskipTests -Pdemo verify -Dexample=CountersAcrossJvmsExample</pre>
 */
public final class CountersAcrossJvmsExample {
    private static final String NAME = "tour.clicks";
    private static final String READY = "tour.ready"; // how many incrementers are at the start barrier
    private static final long BARRIER_TIMEOUT_SECONDS = 30;

    public static void main(String[] args) throws Exception {
        if (args.length == 4 && args[0].equals("incrementer")) {
            increment(Path.of(args[1]), Integer.parseInt(args[2]), Long.parseLong(args[3]));
        } else {
            System.exit(run(false) ? 0 : 1);
        }
    }

    /** Starts the JVMs, waits for them, and checks; true if the total is exact and the loops overlapped. */
    public static boolean run(boolean quick) throws Exception {
        int jvms = 3;
        long each = quick ? 3_000_000 : 10_000_000;
        Path dir = Files.createTempDirectory("mmap4j-counters-example");
        Path file = dir.resolve("clicks.counters");
        dir.toFile().deleteOnExit(); // at exit, Ctrl-C too, in reverse order: the file, then the directory
        file.toFile().deleteOnExit();
        try {
            List<Jvm> incrementers = new ArrayList<>();
            for (int i = 0; i < jvms; i++) {
                incrementers.add(Jvm.start(CountersAcrossJvmsExample.class, "incrementer", file.toString(),
                        String.valueOf(jvms), String.valueOf(each)));
            }
            long lastStart = 0, firstEnd = Long.MAX_VALUE; // in values of the counter, the clock they share
            for (Jvm incrementer : incrementers) {
                String[] loop = incrementer.finish().getFirst().split(" "); // first value, last value, ms
                long first = Long.parseLong(loop[0]), last = Long.parseLong(loop[1]);
                System.out.printf("    pid %d: %,d increments in %s ms returned %,d to %,d (%,d by the others)%n",
                        incrementer.handle().pid(), each, loop[2], first, last, last - first + 1 - each);
                lastStart = Math.max(lastStart, first);
                firstEnd = Math.min(firstEnd, last);
            }
            try (Counters counters = Counters.openReadOnly(file)) {
                long total = counters.find(NAME).orElseThrow().get();
                System.out.printf("    %s = %,d after %d JVMs added %,d each: %s%n", NAME, total, jvms, each,
                        total == jvms * each ? "exact" : "WRONG, expected " + (jvms * each));
                System.out.printf("    the last loop began at %,d and the first ended at %,d: they %s%n", lastStart,
                        firstEnd, lastStart < firstEnd ? "overlapped" : "did NOT overlap");
                return total == jvms * each && lastStart < firstEnd;
            }
        } finally {
            Files.deleteIfExists(file);
            Files.delete(dir);
        }
    }

    /** One incrementing JVM: opens (or creates) the file, meets the others, adds; prints when it ran. */
    private static void increment(Path file, int jvms, long times) throws Exception {
        try (Counters counters = Counters.open(file)) {
            Counter clicks = counters.counter(NAME); // the same id in every JVM, whoever created it
            awaitAll(counters.counter(READY), jvms);
            long start = System.nanoTime();
            long first = clicks.incrementAndGet();
            long last = first;
            for (long i = 1; i < times; i++) {
                last = clicks.incrementAndGet();
            }
            System.out.println(first + " " + last + " " + (System.nanoTime() - start) / 1_000_000);
        }
    }

    /**
     * The start barrier: counts this JVM in, then waits until all {@code jvms} are in. It naps
     * rather than spins: on a busy machine the scheduler makes a JVM that has spun for a while
     * wait its turn, often until the others have finished their loops.
     */
    private static void awaitAll(Counter ready, int jvms) throws TimeoutException, InterruptedException {
        ready.incrementAndGet();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BARRIER_TIMEOUT_SECONDS);
        while (ready.get() < jvms) {
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("only " + ready.get() + " of " + jvms + " JVMs reached the start in "
                        + BARRIER_TIMEOUT_SECONDS + " s");
            }
            Thread.sleep(1);
        }
    }

    private CountersAcrossJvmsExample() {}
}
