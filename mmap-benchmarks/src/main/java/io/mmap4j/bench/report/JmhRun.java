package io.mmap4j.bench.report;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The results of one JMH run, read from its JSON ({@code -rf json}): one {@link Row} per score,
 * which is one per benchmark and parameter set, plus one per thread role of a JMH group.
 *
 * @param rows     the scores, in the order of the file
 * @param settings how the run was made: JMH and JDK versions, forks, iterations
 */
public record JmhRun(List<Row> rows, Settings settings) {
    /**
     * One score.
     *
     * @param name      area, operation, peer and role
     * @param params    the parameters, {@code size=64}, or empty
     * @param score     the average, in {@code unit}
     * @param error     the half-width of JMH's 99.9% confidence interval; NaN with too few iterations
     * @param unit      e.g. {@code ns/op}
     * @param allocated bytes allocated per operation ({@code -prof gc}), or NaN if not profiled
     * @param jvmArgs   the arguments the benchmark's forks were started with
     */
    public record Row(BenchmarkName name, String params, double score, double error, String unit,
                      double allocated, List<String> jvmArgs) {
    }

    /** The run's settings, from its first benchmark. */
    public record Settings(String jmhVersion, String jdkVersion, String vmName, String vmVersion, int forks,
                           int warmupIterations, String warmupTime, int measurementIterations, String measurementTime) {
    }

    private static final String ALLOCATED = "gc.alloc.rate.norm";

    /**
     * Reads a JMH JSON result file.
     *
     * @throws IOException              if it cannot be read
     * @throws IllegalArgumentException if it holds no results, or a benchmark name breaks the convention
     */
    public static JmhRun read(Path file) throws IOException {
        JsonArray results = JsonParser.parseString(Files.readString(file)).getAsJsonArray();
        if (results.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no benchmark results");
        }
        List<Row> rows = new ArrayList<>();
        for (JsonElement element : results) {
            JsonObject result = element.getAsJsonObject();
            BenchmarkName name = BenchmarkName.parse(result.get("benchmark").getAsString());
            String params = params(result);
            List<String> jvmArgs = new ArrayList<>();
            result.getAsJsonArray("jvmArgs").forEach(a -> jvmArgs.add(a.getAsString()));
            JsonObject secondary = result.has("secondaryMetrics") ? result.getAsJsonObject("secondaryMetrics") : new JsonObject();
            double allocated = secondary.has(ALLOCATED) ? secondary.getAsJsonObject(ALLOCATED).get("score").getAsDouble() : Double.NaN;
            rows.add(row(name, params, result.getAsJsonObject("primaryMetric"), allocated, jvmArgs));
            for (Map.Entry<String, JsonElement> metric : secondary.entrySet()) {
                if (!metric.getKey().contains(".")) { // a group member's own score; profilers' metrics have dots
                    BenchmarkName member = BenchmarkName.of(name.className(), metric.getKey());
                    rows.add(row(member, params, metric.getValue().getAsJsonObject(), Double.NaN, jvmArgs));
                }
            }
        }
        JsonObject first = results.get(0).getAsJsonObject();
        Settings settings = new Settings(text(first, "jmhVersion"), text(first, "jdkVersion"), text(first, "vmName"),
                text(first, "vmVersion"), first.get("forks").getAsInt(), first.get("warmupIterations").getAsInt(),
                text(first, "warmupTime"), first.get("measurementIterations").getAsInt(), text(first, "measurementTime"));
        return new JmhRun(List.copyOf(rows), settings);
    }

    /** The JVM arguments the forks of every one of {@code rows} had: whatever the runs added to all of them. */
    public static Set<String> commonJvmArgs(List<Row> rows) {
        Set<String> common = new LinkedHashSet<>(rows.get(0).jvmArgs());
        rows.forEach(r -> common.retainAll(r.jvmArgs()));
        return common;
    }

    private static Row row(BenchmarkName name, String params, JsonObject metric, double allocated, List<String> jvmArgs) {
        // JMH writes an unknown error as the string "NaN", which getAsDouble parses.
        return new Row(name, params, metric.get("score").getAsDouble(), metric.get("scoreError").getAsDouble(),
                metric.get("scoreUnit").getAsString(), allocated, List.copyOf(jvmArgs));
    }

    private static String params(JsonObject result) {
        if (!result.has("params")) {
            return "";
        }
        return result.getAsJsonObject("params").entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue().getAsString()).collect(Collectors.joining(", "));
    }

    private static String text(JsonObject object, String key) {
        return object.has(key) ? object.get(key).getAsString() : "?";
    }
}
