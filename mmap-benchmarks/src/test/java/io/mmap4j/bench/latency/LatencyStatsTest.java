package io.mmap4j.bench.latency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class LatencyStatsTest {
    @Test
    void percentilesAreNearestRankOnTheSortedSamples() {
        long[] samples = LongStream.rangeClosed(1, 1000).map(i -> 1001 - i).toArray(); // 1000 down to 1
        long[] before = samples.clone();

        LatencyStats stats = LatencyStats.of(samples);

        assertEquals(new LatencyStats(1000, 1, 500, 900, 990, 999, 1000, 500.5), stats);
        assertArrayEquals(before, samples, "the caller's array is left as it was");
    }

    @Test
    void oneSampleIsEveryPercentile() {
        assertEquals(new LatencyStats(1, 7, 7, 7, 7, 7, 7, 7.0), LatencyStats.of(new long[] {7}));
    }

    @Test
    void noSamplesIsAnError() {
        assertEquals("no samples", assertThrows(IllegalArgumentException.class, () -> LatencyStats.of(new long[0])).getMessage());
    }

    @Test
    void printsOneLineInNanoseconds() {
        assertEquals("count=2 min=100 p50=100 p90=300 p99=300 p99.9=300 max=300 mean=200.0 (ns)",
                LatencyStats.of(new long[] {300, 100}).toString());
    }
}
