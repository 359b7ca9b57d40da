package io.mmap4j.examples;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A tour of mmap4j: five steps, each running real JVMs, saying in one line what it proves, and
 * checking it. Exits non-zero if any check fails. {@code --quick} runs the smaller sizes
 * {@code TourTest} uses; {@code --counters FILE} keeps the persistent counts elsewhere than
 * {@link PersistentCountersExample#DEFAULT_FILE}.
 *
 * <pre>mvn -B -q -DskipTests -Pdemo verify</pre>
 */
public final class Tour {
    interface Step {
        boolean run() throws Exception;
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
        System.exit(run(quick, counters) == 5 ? 0 : 1);
    }

    /** Runs the five steps; returns how many passed. */
    public static int run(boolean quick, Path countersFile) {
        System.out.printf("mmap4j tour: memory-mapped files and shared memory between JVMs (pid %d, Java %s, %d cores)%n%n",
                ProcessHandle.current().pid(), Runtime.version().feature(), Runtime.getRuntime().availableProcessors());
        int passed = 0;
        passed += step(1, "Shared memory between JVMs",
                "a write in one JVM shows at once through a zero-copy view in another", SharedMemoryExample::run);
        passed += step(2, "Atomic counters across JVMs",
                "three JVMs add to one named counter at the same time and not one increment is lost",
                () -> CountersAcrossJvmsExample.run(quick));
        passed += step(3, "Round-trip latency between JVMs",
                "two JVMs ping-pong over shared memory, each round trip back in order; p50/p99/p99.9 show its cost",
                () -> PingPongExample.run(quick));
        Map<String, Long> events = new LinkedHashMap<>();
        events.put("tour.runs", 1L);
        events.put("tour.steps.1-3.passed", (long) passed); // the steps that ran before this one
        passed += step(4, "Persistent event counters",
                "counts kept in a file survive the JVM: run the tour again and they have grown",
                () -> PersistentCountersExample.run(countersFile, events));
        passed += step(5, "A mapped file used as a file",
                "MappedFiles gives the answers of java.nio.file.Files, straight from mapped memory",
                () -> FilesAdapterExample.run(quick));
        System.out.println(passed == 5 ? "All 5 steps passed." : (5 - passed) + " of 5 steps FAILED.");
        return passed;
    }

    private static int step(int number, String title, String proves, Step step) {
        System.out.println("[" + number + "/5] " + title);
        System.out.println("      proves: " + proves);
        boolean ok;
        try {
            ok = step.run();
        } catch (Exception e) {
            System.out.println("    error: " + e);
            ok = false;
        }
        System.out.println("    " + (ok ? "OK" : "FAILED") + "\n");
        return ok ? 1 : 0;
    }

    private Tour() {}
}
