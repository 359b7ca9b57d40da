package io.mmap4j.bench.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness's quick mode, as CI runs it: two JVMs per transport, each started with that transport's flags only. */
class LatencyHarnessTest {
    @TempDir
    Path dir;

    @Test
    void pingPongsBetweenTwoJvmsOverEveryTransportAndWritesTheResults() throws Exception {
        Path json = dir.resolve("latency.json");
        Path hgrm = dir.resolve("hgrm");
        Path shared = Files.createDirectory(dir.resolve("shared"));
        System.setProperty("mmap4j.bench.dir", shared.toString());
        try {
            LatencyHarness.main(new String[] {"--transport", "all", "--warmup", "2000", "--rounds", "10000",
                    "--budget-seconds", "15", "--json", json.toString(), "--hgrm", hgrm.toString()});
        } finally {
            System.clearProperty("mmap4j.bench.dir");
        }

        List<LatencyHarness.Result> results = List.of(new Gson().fromJson(Files.readString(json), LatencyHarness.Result[].class));
        assertEquals(List.of("mmap4j", "agrona", "queue", "queue_one_to_one"), results.stream().map(LatencyHarness.Result::transport).toList());
        for (LatencyHarness.Result result : results) {
            LatencyStats s = result.stats();
            assertEquals(2000, result.warmup());
            assertEquals(10000, result.requested());
            // Fewer round trips only if the budget ran out on a very busy machine.
            assertTrue(s.count() > 0 && s.count() <= 10000, () -> "count " + s.count());
            assertTrue(0 < s.min() && s.min() <= s.p50() && s.p50() <= s.p90() && s.p90() <= s.p99()
                    && s.p99() <= s.p999() && s.p999() <= s.max(), s::toString);
            List<String> distribution = Files.readAllLines(hgrm.resolve("latency-" + result.transport() + ".hgrm"));
            assertTrue(distribution.get(0).trim().startsWith("Value"), () -> distribution.get(0));
            assertTrue(distribution.stream().anyMatch(l -> l.contains("#[Max")), "HdrHistogram's footer");
        }
        try (var leftovers = Files.list(shared)) {
            assertEquals(List.of(), leftovers.toList(), "the harness deletes its region and samples files");
        }
    }
}
