package io.mmap4j.bench.latency;

import com.google.gson.GsonBuilder;
import io.mmap4j.bench.TrialFile;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Cross-process round-trip latency. For each transport, two fresh JVMs (started with the
 * transport's flags, and only those) map the same new file in {@code /dev/shm} and play
 * {@link PingPong}; this JVM only starts them, waits, and summarises the pinger's samples.
 *
 * <pre>
 * java -cp mmap-benchmarks/target/benchmarks.jar io.mmap4j.bench.latency.LatencyHarness
 *      [--quick] [--transport mmap4j|agrona|queue|queue_one_to_one|all] [--warmup N] [--rounds N] [--budget-seconds S]
 *      [--json FILE] [--hgrm DIR]
 * </pre>
 * {@code --json} writes the summaries (for the report), {@code --hgrm} writes each run's full
 * percentile distribution in HdrHistogram's format, for its plotter.
 */
public final class LatencyHarness {
    /**
     * @param warmup untimed round trips first
     * @param rounds timed round trips
     * @param budget the most time the pinger spends once the ponger is up
     */
    public record Settings(int warmup, int rounds, Duration budget) {
        /** For the published table: 5 M round trips after 500 k of warm-up. */
        public static final Settings FULL = new Settings(500_000, 5_000_000, Duration.ofSeconds(120));
        /** A quick look: seconds. */
        public static final Settings QUICK = new Settings(50_000, 200_000, Duration.ofSeconds(20));
    }

    /** A run's summary, as written to the JSON file. */
    public record Result(String transport, int warmup, int requested, LatencyStats stats) {
    }

    private LatencyHarness() {
    }

    /**
     * Runs one ping-pong between two new JVMs over {@code transport}.
     *
     * @return the pinger's round-trip times in nanoseconds (fewer than asked if the budget ran out)
     * @throws IOException if a JVM cannot be started, fails, or does not finish in time
     */
    public static long[] run(Transport transport, Settings settings) throws IOException, InterruptedException {
        Path region = TrialFile.createZeroed("pingpong-" + transport.label(), (int) PingPong.REGION_SIZE);
        Path samples = Files.createTempFile(TrialFile.directory(), "mmap4j-pingpong-samples-", ".bin");
        Process pong = null;
        Process ping = null;
        try {
            pong = start(transport, "pong", transport.name(), region.toString());
            ping = start(transport, "ping", transport.name(), region.toString(), Integer.toString(settings.warmup()),
                    Integer.toString(settings.rounds()), Long.toString(settings.budget().toMillis()), samples.toString());
            Duration pingLimit = settings.budget().plus(PingPongProcess.PATIENCE.multipliedBy(2));
            awaitSuccess(ping, "pinger", pingLimit);
            awaitSuccess(pong, "ponger", PingPongProcess.PATIENCE);
            return readSamples(samples);
        } finally {
            kill(ping);
            kill(pong);
            Files.deleteIfExists(region);
            Files.deleteIfExists(samples);
        }
    }

    private static Process start(Transport transport, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(transport.flags);
        command.addAll(List.of("-XX:+UseSerialGC", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                PingPongProcess.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    private static void awaitSuccess(Process process, String who, Duration limit) throws IOException, InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IOException("the " + who + " did not finish within " + limit);
        }
        if (process.exitValue() != 0) {
            throw new IOException("the " + who + " exited with " + process.exitValue() + " (its output is above)");
        }
    }

    private static void kill(Process process) throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }

    private static long[] readSamples(Path file) throws IOException {
        LongBuffer longs = ByteBuffer.wrap(Files.readAllBytes(file)).asLongBuffer();
        long[] samples = new long[longs.remaining()];
        longs.get(samples);
        return samples;
    }

    /** Writes the samples' percentile distribution in HdrHistogram's {@code .hgrm} format (values in ns). */
    static void writeDistribution(long[] samples, Path file) throws IOException {
        Histogram histogram = new Histogram(3);
        for (long sample : samples) {
            histogram.recordValue(sample);
        }
        try (PrintStream out = new PrintStream(Files.newOutputStream(file), false, "UTF-8")) {
            histogram.outputPercentileDistribution(out, 1.0);
        }
    }

    /** Runs every transport (or the one {@code --transport} names); the arguments are in the class description. */
    public static void main(String[] args) throws Exception {
        Settings settings = Settings.FULL;
        List<Transport> transports = List.of(Transport.values());
        Path json = null;
        Path hgrm = null;
        int warmup = -1;
        int rounds = -1;
        long budgetSeconds = -1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> settings = Settings.QUICK;
                case "--transport" -> transports = args[++i].equals("all") ? List.of(Transport.values())
                        : List.of(Transport.valueOf(args[i].toUpperCase(Locale.ROOT)));
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--budget-seconds" -> budgetSeconds = Long.parseLong(args[++i]);
                case "--json" -> json = Path.of(args[++i]);
                case "--hgrm" -> hgrm = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; usage: [--quick]"
                        + " [--transport mmap4j|agrona|queue|queue_one_to_one|all] [--warmup N] [--rounds N] [--budget-seconds S]"
                        + " [--json FILE] [--hgrm DIR]");
            }
        }
        settings = new Settings(warmup >= 0 ? warmup : settings.warmup(), rounds > 0 ? rounds : settings.rounds(),
                budgetSeconds > 0 ? Duration.ofSeconds(budgetSeconds) : settings.budget());

        List<Result> results = new ArrayList<>();
        for (Transport transport : transports) {
            long[] samples = run(transport, settings);
            Result result = new Result(transport.label(), settings.warmup(), settings.rounds(), LatencyStats.of(samples));
            results.add(result);
            System.out.println("round trip over " + transport.label() + ": " + result.stats());
            if (hgrm != null) {
                Files.createDirectories(hgrm);
                writeDistribution(samples, hgrm.resolve("latency-" + transport.label() + ".hgrm"));
            }
        }
        if (json != null) {
            Files.writeString(json, new GsonBuilder().setPrettyPrinting().create().toJson(results));
        }
    }
}
