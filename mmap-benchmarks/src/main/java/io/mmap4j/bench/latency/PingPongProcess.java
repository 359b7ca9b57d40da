package io.mmap4j.bench.latency;

import io.mmap4j.MMap;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.function.Function;

/**
 * One side of a ping-pong run, in its own JVM, started by {@link LatencyHarness}:
 * <pre>
 * pong TRANSPORT REGION
 * ping TRANSPORT REGION WARMUP ROUNDS BUDGET_MILLIS SAMPLES
 * </pre>
 * The pinger writes its samples to SAMPLES as big-endian longs.
 */
final class PingPongProcess {
    /** How long one side waits for the other to start or to answer before giving up. */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    private PingPongProcess() {
    }

    /** Plays one side; the arguments are in the class description. */
    public static void main(String[] args) throws IOException {
        String role = args[0];
        Transport transport = Transport.valueOf(args[1]);
        Path region = Path.of(args[2]);
        Function<SequenceMemory, long[]> play = switch (role) {
            case "pong" -> memory -> {
                PingPong.pong(memory, PATIENCE);
                return new long[0];
            };
            case "ping" -> memory -> PingPong.ping(memory, Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Duration.ofMillis(Long.parseLong(args[5])), PATIENCE);
            default -> throw new IllegalArgumentException("role must be ping or pong, got " + role);
        };
        long[] samples = switch (transport) {
            case MMAP4J -> {
                try (MMap map = MMap.open(region, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    yield play.apply(SequenceMemory.of(map));
                }
            }
            case AGRONA -> AgronaSequences.withMapped(region, play);
            case QUEUE -> QueueSequences.withQueues(region, role, false, play);
            case QUEUE_ONE_TO_ONE -> QueueSequences.withQueues(region, role, true, play);
        };
        if (role.equals("ping")) {
            try (OutputStream file = Files.newOutputStream(Path.of(args[6]));
                 DataOutputStream out = new DataOutputStream(new BufferedOutputStream(file))) {
                for (long sample : samples) {
                    out.writeLong(sample);
                }
            }
        }
    }
}
