package io.mmap4j.bench.report;

import com.google.gson.Gson;
import io.mmap4j.bench.Baseline;
import io.mmap4j.bench.latency.LatencyHarness;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Writes the results section of {@code docs/BENCHMARKS.md} from a JMH JSON file (and the latency
 * harness's JSON): the machine, the JDK, the settings, the flags each peer's forks ran with, and
 * per area a table of every score with its error and its ratio to each of the area's
 * {@link Baseline} peers measured in the same run.
 *
 * <pre>
 * java -cp benchmarks.jar io.mmap4j.bench.report.BenchmarkReport --jmh FILE [--jmh FILE...] [--latency FILE...]
 *      [--results DIR] [--mode short|full|smoke] [--note TEXT] [--date INSTANT] [--docs docs/BENCHMARKS.md]
 * </pre>
 * {@code --results docs/results} takes every {@code jmh-*.json} and {@code latency-*.json} there,
 * each kind oldest first ({@link #finished}, then by name), so a store's newer run of an area
 * replaces the suite's; it is how the published section is made.
 * With {@code --docs}, everything between the file's {@link #BEGIN} and {@link #END} markers is
 * replaced and the rest is kept; without it the section is printed. Several {@code --jmh} files
 * make one section in which each area comes from the last file that measured it (a store's own
 * run, say, beside the suite's). A run's date is {@code --date} (an ISO instant, for a single
 * file) if given, else the date in the file's name ({@link #finished}). Each {@code --latency}
 * file (the harness's runs are separate runs too) gets its own table, in the order given.
 */
public final class BenchmarkReport {
    public static final String BEGIN = "<!-- BEGIN GENERATED RESULTS (BenchmarkReport rewrites this section) -->";
    public static final String END = "<!-- END GENERATED RESULTS -->";
    private static final String OURS = "mmap4j";

    private BenchmarkReport() {
    }

    /**
     * One JMH results file and when its run finished.
     *
     * @param name the file's name, as the section shows it
     * @param run  its results
     * @param date when the run finished
     */
    public record Source(String name, JmhRun run, Instant date) {
    }

    /**
     * One latency harness file's results.
     *
     * @param name    the file's name, as the section shows it
     * @param results its round trips, per transport
     */
    public record LatencySource(String name, List<LatencyHarness.Result> results) {
    }

    /**
     * The results section of one run.
     *
     * @param date when the run finished
     * @param mode "short" marks the section provisional
     * @param note a line to add under the title, or null
     */
    public static String render(JmhRun run, List<LatencyHarness.Result> latency, Machine machine, Instant date,
                                String mode, String note) {
        List<LatencySource> latencySources = latency.isEmpty() ? List.of() : List.of(new LatencySource("", latency));
        return render(List.of(new Source("", run, date)), latencySources, machine, mode, note);
    }

    /**
     * The results section of several runs, each area (benchmark class) from the last of
     * {@code sources} that measured it, so that every ratio compares peers of one run. With more than
     * one source, a table says which run each area comes from and how it was made.
     *
     * @param mode "short" marks the section provisional
     * @param note a line to add under the title, or null
     */
    public static String render(List<Source> sources, List<LatencySource> latency, Machine machine,
                                String mode, String note) {
        Map<String, List<JmhRun.Row>> areas = new LinkedHashMap<>();
        Map<String, Source> areaSource = new LinkedHashMap<>();
        for (Source source : sources) {
            byArea(source.run().rows()).forEach((area, rows) -> {
                areas.put(area, rows);
                areaSource.put(area, source);
            });
        }
        List<JmhRun.Row> rows = areas.values().stream().flatMap(List::stream).toList();
        Instant last = sources.stream().map(Source::date).max(Comparator.naturalOrder()).orElseThrow();

        StringBuilder md = new StringBuilder();
        md.append("## Results (").append(mode).append(" mode, ").append(WHEN.format(last)).append(")\n\n");
        if (mode.equals("short")) {
            md.append("**PROVISIONAL**: short mode (").append(sources.get(0).run().settings().forks())
                    .append(" fork, short iterations) gives a quick look, not numbers to publish.\n");
        }
        if (note != null) {
            md.append(note).append('\n');
        }
        if (mode.equals("short") || note != null) {
            md.append('\n');
        }
        machine(md, sources, machine);
        if (sources.size() > 1) {
            runs(md, sources, areaSource);
        }
        flags(md, rows);
        areas.forEach((area, areaRows) -> area(md, area, areaRows));
        if (!latency.isEmpty()) {
            latency(md, latency);
        }
        return md.toString();
    }

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    private static void machine(StringBuilder md, List<Source> sources, Machine machine) {
        md.append("| Machine | |\n|---|---|\n");
        md.append("| CPU | ").append(machine.cpu()).append(" |\n");
        md.append("| Cores (nproc) | ").append(machine.cores()).append(" |\n");
        md.append("| Memory | ").append(machine.memory()).append(" |\n");
        md.append("| OS | ").append(machine.os()).append(" |\n");
        md.append("| JDK | ").append(distinct(sources, s -> s.jdkVersion() + ", " + s.vmName() + ' ' + s.vmVersion())).append(" |\n");
        md.append("| JMH | ").append(distinct(sources, JmhRun.Settings::jmhVersion)).append(" |\n");
        if (sources.size() == 1) {
            md.append("| Settings | ").append(settings(sources.get(0).run().settings())).append(" |\n");
        }
        md.append('\n');
    }

    private static String distinct(List<Source> sources, Function<JmhRun.Settings, String> field) {
        return sources.stream().map(s -> field.apply(s.run().settings())).distinct().collect(Collectors.joining("; "));
    }

    private static String settings(JmhRun.Settings s) {
        return s.forks() + " fork(s) per benchmark; " + s.warmupIterations() + " × " + s.warmupTime() + " warm-up, "
                + s.measurementIterations() + " × " + s.measurementTime() + " measurement";
    }

    /** Which run each area comes from, when there are several. */
    private static void runs(StringBuilder md, List<Source> sources, Map<String, Source> areaSource) {
        md.append("Each area comes from one run (the last listed that measured it), so each ratio compares peers")
                .append(" measured in the same run:\n\n| Run | Finished | Settings | Areas |\n|---|---|---|---|\n");
        for (Source source : sources) {
            String shown = areaSource.entrySet().stream().filter(e -> e.getValue() == source)
                    .map(e -> e.getKey().substring(e.getKey().lastIndexOf('.') + 1).replaceFirst("Benchmark$", ""))
                    .collect(Collectors.joining(", "));
            md.append("| `").append(source.name()).append("` | ").append(WHEN.format(source.date())).append(" | ")
                    .append(settings(source.run().settings())).append(" | ").append(shown.isEmpty() ? "none (replaced)" : shown)
                    .append(" |\n");
        }
        md.append('\n');
    }

    /** Which flags each peer's forks had beyond those every fork had: read from the results, not declared. */
    private static void flags(StringBuilder md, List<JmhRun.Row> rows) {
        Set<String> common = JmhRun.commonJvmArgs(rows);
        // Per peer, each flag with the areas whose forks had it: a flag not in all of a peer's areas is named with them.
        Map<String, Map<String, Set<String>>> perPeer = new TreeMap<>();
        Map<String, Set<String>> peerAreas = new TreeMap<>();
        for (JmhRun.Row row : rows) {
            String area = row.name().area();
            peerAreas.computeIfAbsent(row.name().peer(), p -> new TreeSet<>()).add(area);
            Map<String, Set<String>> own = perPeer.computeIfAbsent(row.name().peer(), p -> new LinkedHashMap<>());
            row.jvmArgs().stream().filter(a -> !common.contains(a))
                    .forEach(a -> own.computeIfAbsent(a, f -> new TreeSet<>()).add(area));
        }
        md.append("JVM flags each peer's forks were started with (from the results");
        if (!common.isEmpty()) {
            md.append("; every fork also had `").append(String.join(" ", common)).append('`');
        }
        md.append("):\n\n| Peer | Flags |\n|---|---|\n");
        perPeer.forEach((peer, own) -> md.append("| ").append(peer).append(" | ")
                .append(own.isEmpty() ? "none" : flagsByAreas(own, peerAreas.get(peer))).append(" |\n"));
        md.append('\n');
    }

    /** {@code own}'s flags, grouped by the areas that had them, each group but one in all of {@code areas} named with its areas. */
    private static String flagsByAreas(Map<String, Set<String>> own, Set<String> areas) {
        Map<Set<String>, List<String>> groups = new LinkedHashMap<>();
        own.forEach((flag, in) -> groups.computeIfAbsent(in, a -> new ArrayList<>()).add('`' + flag + '`'));
        return groups.entrySet().stream()
                .map(g -> String.join(" ", g.getValue()) + (g.getKey().equals(areas) ? "" : " in " + String.join(", ", g.getKey())))
                .collect(Collectors.joining("; "));
    }

    private static Map<String, List<JmhRun.Row>> byArea(List<JmhRun.Row> rows) {
        Map<String, List<JmhRun.Row>> areas = new LinkedHashMap<>();
        rows.forEach(r -> areas.computeIfAbsent(r.name().className(), a -> new ArrayList<>()).add(r));
        return areas;
    }

    private static void area(StringBuilder md, String className, List<JmhRun.Row> rows) {
        List<String> baselines = baselines(className);
        boolean profiled = rows.stream().anyMatch(r -> !Double.isNaN(r.allocated()));
        String unit = rows.get(0).unit();
        md.append("### ").append(rows.get(0).name().area()).append("\n\n| Operation | Params | Peer | Score (")
                .append(unit).append(") | ± Error |");
        if (profiled) {
            md.append(" B/op |");
        }
        baselines.forEach(b -> md.append(" vs ").append(b).append(" |"));
        md.append("\n|---|---|---|--:|--:|").append(profiled ? "--:|" : "").append("--:|".repeat(baselines.size())).append('\n');

        // Rows of one comparison: same operation, role and parameters; in file order, peers sorted.
        Map<String, List<JmhRun.Row>> comparisons = new LinkedHashMap<>();
        rows.forEach(r -> comparisons.computeIfAbsent(comparison(r), k -> new ArrayList<>()).add(r));
        for (List<JmhRun.Row> comparison : comparisons.values()) {
            comparison.sort(Comparator.comparingInt((JmhRun.Row r) -> rank(r.name().peer(), baselines))
                    .thenComparing(r -> r.name().peer()));
            for (JmhRun.Row row : comparison) {
                String operation = row.name().operation() + (row.name().role().isEmpty() ? "" : " (" + row.name().role() + ")");
                md.append("| ").append(operation).append(" | ").append(row.params()).append(" | ").append(peer(row.name().peer()))
                        .append(" | ").append(number(row.score())).append(" | ").append(number(row.error())).append(" |");
                if (profiled) {
                    md.append(' ').append(Double.isNaN(row.allocated()) ? "" : number(row.allocated())).append(" |");
                }
                for (String baseline : baselines) {
                    md.append(' ').append(comparison.stream().filter(r -> r.name().peer().equals(baseline)).findFirst()
                            .map(b -> String.format(Locale.ROOT, "%.2f", row.score() / b.score())).orElse("")).append(" |");
                }
                md.append('\n');
            }
        }
        md.append('\n');
    }

    private static String comparison(JmhRun.Row row) {
        return row.name().operation() + '\u0000' + row.name().role() + '\u0000' + row.params();
    }

    /** The floor first, then ours, then the other baselines, then everyone else. */
    private static int rank(String peer, List<String> baselines) {
        int index = baselines.indexOf(peer);
        if (index == 0) {
            return 0;
        }
        if (peer.equals(OURS)) {
            return 1;
        }
        return index > 0 ? 1 + index : 1 + baselines.size();
    }

    /** The area class's {@link Baseline} peers; none if the class is not on the class path. */
    private static List<String> baselines(String className) {
        try {
            Baseline baseline = Class.forName(className, false, BenchmarkReport.class.getClassLoader())
                    .getAnnotation(Baseline.class);
            return baseline == null ? List.of() : Arrays.asList(baseline.value());
        } catch (ClassNotFoundException e) {
            return List.of();
        }
    }

    private static void latency(StringBuilder md, List<LatencySource> sources) {
        md.append("### Cross-process round trip\n\nTwo JVMs ping-pong a sequence number over a shared map in")
                .append(" `/dev/shm`, busy-spinning (`LatencyHarness`); nanoseconds per round trip.\n\n");
        for (LatencySource source : sources) {
            if (sources.size() > 1) {
                md.append("From `").append(source.name()).append("`:\n\n");
            }
            latencyTable(md, source.results());
        }
    }

    private static void latencyTable(StringBuilder md, List<LatencyHarness.Result> results) {
        md.append("| Transport | Round trips | Warm-up | p50 | p90 | p99 | p99.9 | max | mean |\n")
                .append("|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        for (LatencyHarness.Result r : results) {
            var s = r.stats();
            md.append("| ").append(peer(r.transport())).append(" | ").append(s.count()).append(" | ").append(r.warmup())
                    .append(" | ").append(s.p50()).append(" | ").append(s.p90()).append(" | ").append(s.p99())
                    .append(" | ").append(s.p999()).append(" | ").append(s.max()).append(" | ")
                    .append(number(s.mean())).append(" |\n");
        }
        md.append('\n');
    }

    /** A peer's name for a table cell: ours in bold. */
    private static String peer(String name) {
        return name.equals(OURS) ? "**" + name + "**" : name;
    }

    /** Three significant digits or so: 2.34, 23.4, 234, 2345. */
    static String number(double value) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        double magnitude = Math.abs(value);
        String format = magnitude < 10 ? "%.2f" : magnitude < 100 ? "%.1f" : "%.0f";
        return String.format(Locale.ROOT, format, value);
    }

    /**
     * Replaces what lies between the markers in {@code document} with {@code section}.
     *
     * @throws IllegalArgumentException if the markers are missing or out of order
     */
    public static String splice(String document, String section) {
        int begin = document.indexOf(BEGIN);
        int end = document.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("the document needs the line " + BEGIN + " followed by the line " + END);
        }
        return document.substring(0, begin + BEGIN.length()) + "\n" + section + document.substring(end);
    }

    /**
     * When the run of {@code file} finished: the {@code yyyy-MM-ddTHH-mm} or {@code yyyy-MM-dd} (read as
     * midnight UTC) in its name, as {@code docs/results} names its files, else its modification time,
     * which a copy or a git checkout does not keep.
     */
    static Instant finished(Path file) throws IOException {
        Matcher m = DATED.matcher(file.getFileName().toString());
        if (!m.find()) {
            return Files.getLastModifiedTime(file).toInstant();
        }
        String time = m.group(2) == null ? "00:00" : m.group(2).replace('-', ':');
        return Instant.parse(m.group(1) + "T" + time + ":00Z");
    }

    /** The {@code prefix*.json} files of {@code dir}, oldest run first, then by name. */
    static List<Path> oldestFirst(Path dir, String prefix) throws IOException {
        List<Path> files;
        try (var listing = Files.list(dir)) {
            files = listing.filter(f -> f.getFileName().toString().startsWith(prefix)
                    && f.getFileName().toString().endsWith(".json")).sorted().toList();
        }
        List<Path> sorted = new ArrayList<>(files);
        Map<Path, Instant> when = new LinkedHashMap<>();
        for (Path f : files) {
            when.put(f, finished(f));
        }
        sorted.sort(Comparator.comparing(when::get)); // stable: equal dates stay in name order
        return sorted;
    }

    private static final Pattern DATED = Pattern.compile("(\\d{4}-\\d{2}-\\d{2})(?:T(\\d{2}-\\d{2}))?");

    /** Writes or prints the results section; the arguments are in the class description. */
    public static void main(String[] args) throws IOException {
        List<Path> jmh = new ArrayList<>();
        List<Path> latency = new ArrayList<>();
        Path docs = null;
        String mode = "full";
        String note = null;
        Instant date = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jmh" -> jmh.add(Path.of(args[++i]));
                case "--latency" -> latency.add(Path.of(args[++i]));
                case "--results" -> {
                    Path dir = Path.of(args[++i]);
                    jmh.addAll(oldestFirst(dir, "jmh-"));
                    latency.addAll(oldestFirst(dir, "latency-"));
                }
                case "--docs" -> docs = Path.of(args[++i]);
                case "--mode" -> mode = args[++i];
                case "--note" -> note = args[++i];
                case "--date" -> date = Instant.parse(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; usage: --jmh FILE [--jmh FILE...]"
                        + " [--latency FILE...] [--results DIR] [--mode short|full|smoke] [--note TEXT] [--date 2026-11-22T01:27:00Z] [--docs FILE]");
            }
        }
        if (jmh.isEmpty()) {
            throw new IllegalArgumentException("--jmh FILE is required");
        }
        if (date != null && jmh.size() > 1) {
            throw new IllegalArgumentException("--date gives the date of one run; with " + jmh.size()
                    + " --jmh files each run's date comes from its file name");
        }
        List<LatencySource> latencyResults = new ArrayList<>();
        for (Path file : latency) {
            latencyResults.add(new LatencySource(file.getFileName().toString(),
                    Arrays.asList(new Gson().fromJson(Files.readString(file), LatencyHarness.Result[].class))));
        }
        List<Source> sources = new ArrayList<>();
        for (Path file : jmh) {
            sources.add(new Source(file.getFileName().toString(), JmhRun.read(file), date != null ? date : finished(file)));
        }
        String section = render(sources, latencyResults, Machine.current(), mode, note);
        if (docs == null) {
            System.out.print(section);
        } else {
            Files.writeString(docs, splice(Files.readString(docs), section));
            System.out.println("wrote the results section of " + docs);
        }
    }
}
