package io.mmap4j.examples;

import io.mmap4j.counters.Counter;
import io.mmap4j.counters.Counters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Atomic counters across JVMs: several JVMs increment the same named counter of one counters file
 * at the same time, and not one increment is lost.
 *
 * <pre>mvn -B -q -DskipTests -Pdemo verify -Dexample=CountersAcrossJvmsExample</pre>
 */
public final class CountersAcrossJvmsExample {
    private static final String NAME = "tour.clicks";

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("incrementer")) {
            increment(Path.of(args[1]), Long.parseLong(args[2]));
        } else {
            System.exit(run(false) ? 0 : 1);
        }
    }

    /** Starts the JVMs, waits for them, and checks the total; true if it is exact. */
    public static boolean run(boolean quick) throws Exception {
        int jvms = 3;
        long each = quick ? 100_000 : 1_000_000;
        Path dir = Files.createTempDirectory("mmap4j-counters-example");
        Path file = dir.resolve("clicks.counters");
        try {
            List<Process> incrementers = new ArrayList<>();
            for (int i = 0; i < jvms; i++) {
                incrementers.add(Jvm.start(CountersAcrossJvmsExample.class, "incrementer", file.toString(),
                        String.valueOf(each)));
            }
            for (Process incrementer : incrementers) {
                Jvm.finish(incrementer).forEach(line -> System.out.println("    " + line));
            }
            try (Counters counters = Counters.openReadOnly(file)) {
                long total = counters.find(NAME).orElseThrow().get();
                System.out.printf("    %s = %,d after %d JVMs added %,d each: %s%n", NAME, total, jvms, each,
                        total == jvms * each ? "exact" : "WRONG, expected " + (jvms * each));
                return total == jvms * each;
            }
        } finally {
            Files.deleteIfExists(file);
            Files.delete(dir);
        }
    }

    /** One incrementing JVM: opens (or creates) the file, looks the counter up once, adds. */
    private static void increment(Path file, long times) throws Exception {
        try (Counters counters = Counters.open(file)) {
            Counter clicks = counters.counter(NAME); // the same id in every JVM, whoever created it
            long start = System.nanoTime();
            for (long i = 0; i < times; i++) {
                clicks.incrementAndGet();
            }
            long nanos = System.nanoTime() - start;
            System.out.printf("pid %d: %,d increments of \"%s\" (id %d) in %,d ms%n", ProcessHandle.current().pid(),
                    times, NAME, clicks.id(), nanos / 1_000_000);
        }
    }

    private CountersAcrossJvmsExample() {}
}
