package io.mmap4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs benchmarks through JMH's Runner with the smallest settings (no warm-up, one 10 ms
 * iteration, 1 MiB files for the streams, static stores 1000 times smaller), so that every
 * benchmark is executed by the real
 * harness in seconds. As a main
 * class it runs in a child JVM started with a peer's flags and prints one {@code RESULT} line per
 * result.
 */
final class JmhSmoke {
    static final String RESULT = "RESULT ";

    static {
        // JMH refuses to start while another JMH run holds /tmp/jmh.lock, to keep benchmarks from
        // disturbing each other. A smoke run measures nothing, so it must not fail, or wait, for that.
        System.setProperty("jmh.ignoreLock", "true");
    }

    private JmhSmoke() {
    }

    /** Runs the named benchmarks (and every parameter value of each), in this JVM if forks is 0. */
    static Collection<RunResult> run(Collection<String> names, int forks) throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include("^(?:" + names.stream().map(Pattern::quote).collect(Collectors.joining("|")) + ")$")
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(10))
                .forks(forks)
                .warmupForks(0)
                .param("mib", "1") // StreamsBenchmark's files: 1 MiB, not 256
                .param("scaleDown", "1000") // the StaticStore areas: haki's workloads, entries and sizes / 1000
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT);
        if (forks > 0) {
            options.jvmArgs("-Xmx256m", "-XX:+UseSerialGC");
        }
        return new Runner(options.build()).run();
    }

    /** One line per result: name, parameters, score. */
    static List<String> lines(Collection<RunResult> results) {
        return results.stream().map(r -> key(r) + " " + r.getPrimaryResult().getScore()).sorted().toList();
    }

    /** {@code name[size=64]}: a result's name and parameters, in a fixed order, without spaces. */
    static String key(RunResult result) {
        return result.getParams().getBenchmark() + new TreeMap<String, String>(
                result.getParams().getParamsKeys().stream().collect(Collectors.toMap(p -> p, result.getParams()::getParam)))
                .entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",", "[", "]"));
    }

    /** Asserts that there is one finite, positive score for every parameter combination of every bench. */
    static void assertEveryBenchmarkScored(Collection<Catalog.Bench> benches, List<String> resultLines) {
        Map<String, Integer> perName = new TreeMap<>();
        for (String line : resultLines) {
            String[] fields = line.split(" ");
            double score = Double.parseDouble(fields[1]);
            assertTrue(Double.isFinite(score) && score > 0, () -> "score of " + line);
            perName.merge(fields[0].replaceFirst("\\[.*", ""), 1, Integer::sum);
        }
        Map<String, Integer> expected = new TreeMap<>();
        benches.forEach(b -> expected.put(b.name(), b.parameterCombinations()));
        assertEquals(expected, perName, "results per benchmark");
    }

    /** Runs the benchmarks named by the arguments in this JVM and prints their results. */
    public static void main(String[] args) throws RunnerException {
        for (String line : lines(run(List.of(args), 0))) {
            System.out.println(RESULT + line);
        }
    }
}
