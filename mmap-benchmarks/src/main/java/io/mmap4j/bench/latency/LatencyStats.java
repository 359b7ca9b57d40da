package io.mmap4j.bench.latency;

import java.util.Arrays;
import java.util.Locale;

/**
 * Exact percentiles of a set of latency samples (nearest rank on the sorted samples), in
 * nanoseconds.
 */
public record LatencyStats(int count, long min, long p50, long p90, long p99, long p999, long max, double mean) {

    /**
     * Summarises {@code samples}; the array is not changed.
     *
     * @throws IllegalArgumentException if there are no samples
     */
    public static LatencyStats of(long[] samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        return new LatencyStats(sorted.length, sorted[0], rank(sorted, 0.50), rank(sorted, 0.90),
                rank(sorted, 0.99), rank(sorted, 0.999), sorted[sorted.length - 1],
                Arrays.stream(sorted).average().orElseThrow());
    }

    /** The smallest sample that at least {@code fraction} of the samples do not exceed. */
    private static long rank(long[] sorted, double fraction) {
        int rank = (int) Math.ceil(fraction * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    /** One line: {@code count=... p50=... ns}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "count=%d min=%d p50=%d p90=%d p99=%d p99.9=%d max=%d mean=%.1f (ns)",
                count, min, p50, p90, p99, p999, max, mean);
    }
}
