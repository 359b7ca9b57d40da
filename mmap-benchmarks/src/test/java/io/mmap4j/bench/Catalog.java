package io.mmap4j.bench;

import io.mmap4j.bench.report.BenchmarkName;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;

/** The benchmarks JMH generated (META-INF/BenchmarkList), with the flags their forks get. */
final class Catalog {
    /**
     * @param name           the JMH benchmark name (a group's name for a group)
     * @param parsed         what the name says
     * @param flags          the {@code @Fork(jvmArgsAppend)} of the benchmark, empty for none
     * @param parameterCombinations how many results one run of it gives (its {@code @Param} product)
     */
    record Bench(String name, BenchmarkName parsed, List<String> flags, int parameterCombinations) {
    }

    private Catalog() {
    }

    static List<Bench> all() {
        try (InputStream in = Catalog.class.getResourceAsStream(BenchmarkList.BENCHMARK_LIST)) {
            if (in == null) {
                throw new IllegalStateException("no " + BenchmarkList.BENCHMARK_LIST + ": was the JMH annotation processor run?");
            }
            return BenchmarkList.readBenchmarkList(in).stream().map(Catalog::bench).sorted(
                    Comparator.comparing(Bench::name)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The benchmarks grouped by their flags, in a stable order; the key {@code []} holds those with none. */
    static Map<List<String>, List<Bench>> byFlags() {
        return all().stream().collect(Collectors.groupingBy(Bench::flags, LinkedHashMap::new, Collectors.toList()));
    }

    private static Bench bench(BenchmarkListEntry entry) {
        List<String> flags = List.copyOf(entry.getJvmArgsAppend().orElse(List.of()));
        int combinations = entry.getParams().orElse(Map.of()).values().stream()
                .mapToInt(values -> values.length).reduce(1, (a, b) -> a * b);
        String name = entry.getUsername();
        return new Bench(name, BenchmarkName.parse(name), flags, combinations);
    }

    static List<String> names(Collection<Bench> benches) {
        return benches.stream().map(Bench::name).toList();
    }
}
