package io.mmap4j.examples;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * A tour of mmap4j: steps each running real JVMs, saying in one line what it proves, and
 * checking it. Exits non-zero if any check fails. {@code --quick} runs the smaller sizes
 * {@code TourTest} uses; {@code --counters FILE} keeps the persistent counts elsewhere than
 * {@link PersistentCountersExample#DEFAULT_FILE}.
 *
 * <pre>mvn -B -q -DskipTests -Pdemo verify</pre>
 */
public final class Tour {
    /** What a step does: true if every check it made passed. */
    interface Check {
        boolean run() throws Exception;
    }

    /** One step: a title, what it proves in one line, and the check that proves it. */
    record Step(String title, String proves, Check check) {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        Path counters = PersistentCountersExample.DEFAULT_FILE;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--counters" -> counters = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: Tour [--quick] [--counters FILE]");
                    System.exit(2);
                }
            }
        }
        System.exit(run(quick, counters) == steps(quick, counters, () -> 0).size() ? 0 : 1);
    }

    /** Runs every step, in order; returns how many passed. */
    public static int run(boolean quick, Path countersFile) {
        System.out.printf("mmap4j tour: memory-mapped files and shared memory between JVMs (pid %d, Java %s, %d cores)%n%n",
                ProcessHandle.current().pid(), Runtime.version().feature(), Runtime.getRuntime().availableProcessors());
        AtomicInteger passed = new AtomicInteger();
        List<Step> steps = steps(quick, countersFile, passed::get);
        for (int i = 0; i < steps.size(); i++) {
            passed.addAndGet(runStep(i + 1, steps.size(), steps.get(i)));
        }
        System.out.println(passed.get() == steps.size() ? "All " + passed + " steps passed."
                : (steps.size() - passed.get()) + " of " + steps.size() + " steps FAILED.");
        return passed.get();
    }

    /** The steps, in the order they run; {@code passedSoFar} tells step 4 how many passed before it. */
    static List<Step> steps(boolean quick, Path countersFile, IntSupplier passedSoFar) {
        Map<String, Long> events = new LinkedHashMap<>();
        return List.of(
                new Step("Shared memory between JVMs",
                        "a write in one JVM shows at once through a zero-copy view in another", SharedMemoryExample::run),
                new Step("Atomic counters across JVMs",
                        "three JVMs add to one named counter at the same time and not one increment is lost",
                        () -> CountersAcrossJvmsExample.run(quick)),
                new Step("Round-trip latency between JVMs",
                        "two JVMs ping-pong over shared memory, each round trip back in order; p50/p99/p99.9 show its cost",
                        () -> PingPongExample.run(quick)),
                new Step("Persistent event counters",
                        "counts kept in a file survive the JVM: run the tour again and they have grown",
                        () -> {
                            events.put("tour.runs", 1L);
                            events.put("tour.steps.1-3.passed", (long) passedSoFar.getAsInt());
                            return PersistentCountersExample.run(countersFile, events);
                        }),
                new Step("A mapped file used as a file",
                        "MappedFiles gives the answers of java.nio.file.Files, straight from mapped memory",
                        () -> FilesAdapterExample.run(quick)),
                new Step("A static store shared by JVMs",
                        "two JVMs map a freshly built store and read all of it with no copy; opening reads only its header",
                        () -> StaticStoreExample.run(quick)),
                new Step("A cache volume survives kill -9",
                        "a writer fills a cache volume twice over and is killed mid-write; it reopens, recovers,"
                                + " and returns zero wrong bytes",
                        () -> CacheVolumeExample.run(quick)),
                new Step("A shared map updated by one JVM, read by another",
                        "every change one JVM puts is seen by another at once, in order and whole, and acknowledged through the same map",
                        () -> SharedMapExample.run(quick)),
                new Step("Fixed-size blocks shared by JVMs",
                        "three JVMs store and free blocks in one file that grows under them; every kept block is its owner's",
                        () -> BlockStorageExample.run(quick)),
                new Step("A persistent queue between JVMs",
                        "a producer JVM hands records to two consumer JVMs, each delivered once and in order, and a"
                                + " producer killed mid-offer does not stop the queue", () -> QueueExample.run(quick)),
                new Step("Content-addressed messages shared by JVMs",
                        "two JVMs write into one mapped message cache at once: each reads the other's records whole, a binary they share is stored once",
                        () -> ContentExample.run(quick)));
    }

    private static int runStep(int number, int of, Step step) {
        System.out.println("[" + number + "/" + of + "] " + step.title());
        System.out.println("      proves: " + step.proves());
        boolean ok;
        try {
            ok = step.check().run();
        } catch (Exception e) {
            System.out.println("    error: " + e);
            ok = false;
        }
        System.out.println("    " + (ok ? "OK" : "FAILED") + "\n");
        return ok ? 1 : 0;
    }

    private Tour() {}
}
