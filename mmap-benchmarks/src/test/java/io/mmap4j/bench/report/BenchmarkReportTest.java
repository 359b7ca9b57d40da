package io.mmap4j.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.bench.latency.LatencyHarness;
import io.mmap4j.bench.latency.LatencyStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchmarkReportTest {
    private static final Machine MACHINE = new Machine("Test CPU 9000", 2, "4.0 GiB", "Linux 6.1 amd64");
    private static final Instant DATE = Instant.parse("2026-11-21T22:30:00Z");

    /** A JMH JSON file as JMH 1.37 writes it, cut down to what the report reads. */
    private static String result(String benchmark, String params, double score, String error, String secondary,
                                 String... jvmArgs) {
        return """
                {"jmhVersion": "1.37", "benchmark": "%s", "mode": "avgt", "threads": 1, "forks": 1,
                 "jvmArgs": [%s], "jdkVersion": "25.0.3", "vmName": "OpenJDK 64-Bit Server VM", "vmVersion": "25.0.3+9-LTS",
                 "warmupIterations": 3, "warmupTime": "300 ms", "measurementIterations": 5, "measurementTime": "300 ms",
                 %s
                 "primaryMetric": {"score": %s, "scoreError": %s, "scoreUnit": "ns/op"},
                 "secondaryMetrics": {%s}}
                """.formatted(benchmark, String.join(", ", List.of(jvmArgs).stream().map(a -> '"' + a + '"').toList()),
                params.isEmpty() ? "" : "\"params\": {" + params + "},", score, error, secondary);
    }

    private static final String ATOMICS = "io.mmap4j.bench.AtomicsBenchmark.";
    private static final String IO = "io.mmap4j.bench.PositionalIoBenchmark.";
    private static final String GROUP = "io.mmap4j.bench.ContendedAtomicsBenchmark.volatilePair_";

    private static String gc(double bytesPerOp) {
        return "\"gc.alloc.rate.norm\": {\"score\": " + bytesPerOp + ", \"scoreError\": \"NaN\", \"scoreUnit\": \"B/op\"}";
    }

    private static Path write(Path dir, String... results) throws Exception {
        return Files.writeString(dir.resolve("jmh.json"), "[" + String.join(",", results) + "]");
    }

    @TempDir
    Path dir;

    @Test
    void everyScoreGetsItsRatioToEachBaselineOfItsComparison() throws Exception {
        Path json = write(dir,
                result(ATOMICS + "getAndAdd_mmap4j", "", 5.5, "0.25", gc(0), "-Xmx1g"),
                result(ATOMICS + "getAndAdd_varHandle", "", 5.0, "0.1", gc(0), "-Xmx1g"),
                result(ATOMICS + "getAndAdd_agrona", "", 5.25, "\"NaN\"", gc(0), "-Xmx1g", "--add-exports=x"),
                result(IO + "pread_mmap4j", "\"size\": \"64\"", 8.0, "0.5", gc(0), "-Xmx1g"),
                result(IO + "pread_fileChannel", "\"size\": \"64\"", 400.0, "12", gc(24), "-Xmx1g"),
                result(IO + "pread_fileChannel", "\"size\": \"8\"", 350.0, "12", gc(24), "-Xmx1g"));

        String md = BenchmarkReport.render(JmhRun.read(json), List.of(), MACHINE, DATE, "full", null);

        assertTrue(md.startsWith("## Results (full mode, 2026-11-21 22:30 UTC)\n\n| Machine"), md);
        assertTrue(md.contains("| CPU | Test CPU 9000 |\n| Cores (nproc) | 2 |"), md);
        assertTrue(md.contains("| JDK | 25.0.3, OpenJDK 64-Bit Server VM 25.0.3+9-LTS |"), md);
        assertTrue(md.contains("| Settings | 1 fork(s) per benchmark; 3 × 300 ms warm-up, 5 × 300 ms measurement |"), md);
        assertTrue(md.contains("(from the results; every fork also had `-Xmx1g`)"), md);
        assertTrue(md.contains("| agrona | `--add-exports=x` |\n"), md);
        assertTrue(md.contains("| mmap4j | none |\n"), md);
        assertTrue(md.contains("""
                ### Atomics

                | Operation | Params | Peer | Score (ns/op) | ± Error | B/op | vs varHandle |
                |---|---|---|--:|--:|--:|--:|
                | getAndAdd |  | varHandle | 5.00 | 0.10 | 0.00 | 1.00 |
                | getAndAdd |  | **mmap4j** | 5.50 | 0.25 | 0.00 | 1.10 |
                | getAndAdd |  | agrona | 5.25 | n/a | 0.00 | 1.05 |
                """), md);
        assertTrue(md.contains("""
                | Operation | Params | Peer | Score (ns/op) | ± Error | B/op | vs segmentCopy | vs fileChannel | vs agrona |
                |---|---|---|--:|--:|--:|--:|--:|--:|
                | pread | size=64 | **mmap4j** | 8.00 | 0.50 | 0.00 |  | 0.02 |  |
                | pread | size=64 | fileChannel | 400 | 12.0 | 24.0 |  | 1.00 |  |
                | pread | size=8 | fileChannel | 350 | 12.0 | 24.0 |  | 1.00 |  |
                """), md);
        assertTrue(!md.contains("PROVISIONAL"), "a full run is not marked provisional");
    }

    @Test
    void groupMembersGetRowsOfTheirOwnAndShortRunsAreMarkedProvisional() throws Exception {
        String members = "\"volatilePair_mmap4j_reader\": {\"score\": 4.0, \"scoreError\": 0.5, \"scoreUnit\": \"ns/op\"},"
                + "\"volatilePair_mmap4j_writer\": {\"score\": 10.0, \"scoreError\": 1.0, \"scoreUnit\": \"ns/op\"}";
        Path json = write(dir, result(GROUP + "mmap4j", "", 7.0, "0.7", members));

        String md = BenchmarkReport.render(JmhRun.read(json), List.of(), MACHINE, DATE, "short", "Noisy machine.");

        assertTrue(md.contains("**PROVISIONAL**: short mode (1 fork, short iterations)"), md);
        assertTrue(md.contains("\nNoisy machine.\n"), md);
        // No -prof gc column, and the baseline (varHandle) is not in this run: its ratio cells stay empty.
        assertTrue(md.contains("""
                | Operation | Params | Peer | Score (ns/op) | ± Error | vs varHandle |
                |---|---|---|--:|--:|--:|
                | volatilePair |  | **mmap4j** | 7.00 | 0.70 |  |
                | volatilePair (reader) |  | **mmap4j** | 4.00 | 0.50 |  |
                | volatilePair (writer) |  | **mmap4j** | 10.0 | 1.00 |  |
                """), md);
    }

    @Test
    void latencyResultsGetATable() throws Exception {
        Path json = write(dir, result(ATOMICS + "getAndAdd_mmap4j", "", 5.5, "0.25", ""));
        List<LatencyHarness.Result> latency = List.of(
                new LatencyHarness.Result("mmap4j", 1000, 5000, new LatencyStats(5000, 200, 250, 300, 900, 4000, 90000, 262.5)));

        String md = BenchmarkReport.render(JmhRun.read(json), latency, MACHINE, DATE, "full", null);

        assertTrue(md.contains("| **mmap4j** | 5000 | 1000 | 250 | 300 | 900 | 4000 | 90000 | 263 |\n"), md);
    }

    /** Each latency file is its own run: its own table, named, in the order given. */
    @Test
    void eachLatencyFileGetsItsOwnNamedTable() throws Exception {
        Path json = write(dir, result(ATOMICS + "getAndAdd_mmap4j", "", 5.5, "0.25", ""));
        var first = new BenchmarkReport.LatencySource("latency-2026-11-22.json", List.of(
                new LatencyHarness.Result("mmap4j", 1000, 5000, new LatencyStats(5000, 200, 250, 300, 900, 4000, 90000, 262.5))));
        var second = new BenchmarkReport.LatencySource("latency-queue-2026-12-01.json", List.of(
                new LatencyHarness.Result("queue", 1000, 5000, new LatencyStats(5000, 300, 350, 400, 950, 4100, 91000, 362.5))));

        String md = BenchmarkReport.render(List.of(new BenchmarkReport.Source("jmh.json", JmhRun.read(json), DATE)),
                List.of(first, second), MACHINE, "full", null);

        int firstAt = md.indexOf("From `latency-2026-11-22.json`:\n\n| Transport |");
        int secondAt = md.indexOf("From `latency-queue-2026-12-01.json`:\n\n| Transport |");
        assertTrue(firstAt > 0 && secondAt > firstAt, md);
        assertTrue(md.indexOf("| **mmap4j** | 5000 | 1000 | 250 |") > firstAt, md);
        assertTrue(md.indexOf("| queue | 5000 | 1000 | 350 |") > secondAt, md);
    }

    @Test
    void severalRunsMakeOneSectionWithEachAreaFromTheLastRunThatMeasuredIt() throws Exception {
        JmhRun suite = JmhRun.read(write(dir,
                result(ATOMICS + "getAndAdd_mmap4j", "", 5.5, "0.25", gc(0), "-Xmx1g"),
                result(ATOMICS + "getAndAdd_varHandle", "", 5.0, "0.1", gc(0), "-Xmx1g"),
                result(IO + "pread_mmap4j", "\"size\": \"64\"", 8.0, "0.5", gc(0), "-Xmx1g")));
        JmhRun rerun = JmhRun.read(Files.writeString(dir.resolve("rerun.json"), "[" + String.join(",",
                result(IO + "pread_mmap4j", "\"size\": \"64\"", 7.0, "0.5", gc(0), "-Xmx2g"),
                result(IO + "pread_fileChannel", "\"size\": \"64\"", 420.0, "12", gc(24), "-Xmx2g", "--add-opens=y")) + "]"));

        String md = BenchmarkReport.render(List.of(
                new BenchmarkReport.Source("jmh-2026-11-22.json", suite, DATE),
                new BenchmarkReport.Source("jmh-io-2026-12-01.json", rerun, Instant.parse("2026-12-01T00:00:00Z"))),
                List.of(), MACHINE, "full", null);

        assertTrue(md.startsWith("## Results (full mode, 2026-12-01 00:00 UTC)\n"), md);
        assertTrue(md.contains("""
                | Run | Finished | Settings | Areas |
                |---|---|---|---|
                | `jmh-2026-11-22.json` | 2026-11-21 22:30 UTC | 1 fork(s) per benchmark; 3 × 300 ms warm-up, 5 × 300 ms measurement | Atomics |
                | `jmh-io-2026-12-01.json` | 2026-12-01 00:00 UTC | 1 fork(s) per benchmark; 3 × 300 ms warm-up, 5 × 300 ms measurement | PositionalIo |
                """), md);
        assertTrue(!md.contains("| Settings | 1 fork"), "settings are per run: " + md);
        // The rerun's rows replace the suite's PositionalIo rows; flags are those of the rows shown.
        assertTrue(md.contains("| pread | size=64 | **mmap4j** | 7.00 | 0.50 | 0.00 |  | 0.02 |  |\n"), md);
        assertTrue(!md.contains("| pread | size=64 | **mmap4j** | 8.00"), md);
        assertTrue(md.contains("| fileChannel | `-Xmx2g` `--add-opens=y` |\n"), md);
        assertTrue(md.contains("| mmap4j | `-Xmx1g` in Atomics; `-Xmx2g` in PositionalIo |\n"), "a flag named with its areas: " + md);
        assertTrue(md.contains("JVM flags each peer's forks were started with (from the results):"), "no flag is common: " + md);
    }

    /** {@code --results} takes a directory's runs oldest first, so a later run of an area wins. */
    @Test
    void aResultsDirectoryIsReadOldestRunFirst() throws Exception {
        for (String name : List.of("jmh-queue-2026-12-01T15-10.json", "jmh-2026-11-22.json", "jmh-blocks-2026-12-01.json",
                "latency-queue-2026-12-01.json", "latency-2026-11-22.json", "notes.txt")) {
            Files.writeString(dir.resolve(name), "[]");
        }
        assertEquals(List.of("jmh-2026-11-22.json", "jmh-blocks-2026-12-01.json", "jmh-queue-2026-12-01T15-10.json"),
                BenchmarkReport.oldestFirst(dir, "jmh-").stream().map(f -> f.getFileName().toString()).toList());
        assertEquals(List.of("latency-2026-11-22.json", "latency-queue-2026-12-01.json"),
                BenchmarkReport.oldestFirst(dir, "latency-").stream().map(f -> f.getFileName().toString()).toList());
    }

    @Test
    void aRunFinishedWhenItsFileNameSays() throws Exception {
        assertEquals(Instant.parse("2026-12-01T00:00:00Z"), BenchmarkReport.finished(dir.resolve("jmh-queue-2026-12-01.json")));
        assertEquals(Instant.parse("2026-12-01T14:05:00Z"), BenchmarkReport.finished(dir.resolve("jmh-2026-12-01T14-05.json")));
        Path undated = Files.writeString(dir.resolve("jmh.json"), "[]");
        assertEquals(Files.getLastModifiedTime(undated).toInstant(), BenchmarkReport.finished(undated));
    }

    @Test
    void spliceReplacesOnlyTheGeneratedSection() {
        String document = "# Benchmarks\nintro\n" + BenchmarkReport.BEGIN + "\nold table\n" + BenchmarkReport.END + "\ncommentary\n";

        assertEquals("# Benchmarks\nintro\n" + BenchmarkReport.BEGIN + "\nnew table\n" + BenchmarkReport.END + "\ncommentary\n",
                BenchmarkReport.splice(document, "new table\n"));
    }

    @Test
    void spliceRefusesADocumentWithoutTheMarkers() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BenchmarkReport.splice("# Benchmarks\n" + BenchmarkReport.END + "\n" + BenchmarkReport.BEGIN, "x"));
        assertEquals("the document needs the line " + BenchmarkReport.BEGIN + " followed by the line " + BenchmarkReport.END,
                e.getMessage());
    }

    @Test
    void benchmarkNamesFollowTheConvention() {
        assertEquals(new BenchmarkName("a.b.AtomicsBenchmark", "Atomics", "getAndAdd", "mmap4j", ""),
                BenchmarkName.parse("a.b.AtomicsBenchmark.getAndAdd_mmap4j"));
        assertEquals(new BenchmarkName("a.b.Contended", "Contended", "volatilePair", "agrona", "reader"),
                BenchmarkName.parse("a.b.Contended.volatilePair_agrona_reader"));
        for (String bad : List.of("a.b.X.getAndAdd", "a.b.X.a_b_c_d", "a.b.X._mmap4j", "a.b.X.op__role")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BenchmarkName.parse(bad));
            assertTrue(e.getMessage().endsWith(" is not operation_peer or operation_peer_role"), e.getMessage());
        }
        assertEquals("benchmark name \"nodots\" is not Class.method",
                assertThrows(IllegalArgumentException.class, () -> BenchmarkName.parse("nodots")).getMessage());
    }

    @Test
    void anEmptyResultFileIsAnError() throws Exception {
        Path json = write(dir);
        assertEquals(json + " holds no benchmark results",
                assertThrows(IllegalArgumentException.class, () -> JmhRun.read(json)).getMessage());
    }
}
