package io.mmap4j.examples;

import io.mmap4j.queue.MappedQueue;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A queue between JVMs: one producer JVM hands records to two consumer JVMs through a
 * {@link MappedQueue} in a file: first a burst, as fast as they go (the rate), then records paced
 * 100 µs apart (the hand-off latency, from the producer's clock to the consumer's, which is the
 * same monotonic clock on one host). Then a second producer JVM is killed in the middle of its
 * offers: the consumers pass its unfinished claim after the queue's unblock timeout, and every
 * record it had committed still arrives. Every record must arrive exactly once, in its producer's
 * order.
 *
 * <pre>mvn -B -q -DskipTests -Pdemo verify -Dexample=QueueExample</pre>
 */
public final class QueueExample {
    private static final int RECORD_BYTES = 64;
    private static final long END = -1;
    private static final Duration UNBLOCK = Duration.ofMillis(100);
    private static final long PACE_NANOS = 100_000;

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && !args[0].equals("--quick")) {
            switch (args[0]) {
                case "produce" -> produce(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
                case "produce-until-killed" -> produceUntilKilled(Path.of(args[1]));
                case "consume" -> consume(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]));
                default -> throw new IllegalArgumentException(Arrays.toString(args));
            }
        } else {
            System.exit(run(args.length > 0) ? 0 : 1);
        }
    }

    /** Runs the producers and consumers; true if every record arrived exactly once and in order. */
    public static boolean run(boolean quick) throws Exception {
        int burst = quick ? 50_000 : 500_000;
        int paced = quick ? 2_000 : 10_000;
        Path dir = Files.createTempDirectory("mmap4j-queue-example");
        Path file = dir.resolve("work.queue");
        List<Path> logs = List.of(dir.resolve("consumer-1"), dir.resolve("consumer-2"));
        try (MappedQueue queue = MappedQueue.open(file, 64 * 1024, UNBLOCK)) {
            List<Jvm> consumers = new ArrayList<>();
            for (Path log : logs) {
                consumers.add(Jvm.start(QueueExample.class, "consume", file.toString(), log.toString(), "" + burst));
            }
            try (Jvm producer = Jvm.start(QueueExample.class, "produce", file.toString(), "" + burst, "" + paced)) {
                System.out.println("    " + producer.finish().getFirst().replace("PID", "" + producer.handle().pid()));
            }
            // A second producer, killed while it offers: its claim at the kill is left unfinished.
            long killedPid;
            try (Jvm doomed = Jvm.start(QueueExample.class, "produce-until-killed", file.toString())) {
                killedPid = doomed.handle().pid();
                long tail = queue.stats().tail();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (queue.stats().tail() == tail && System.nanoTime() < deadline) {
                    Thread.sleep(1); // until it has started offering
                }
                Thread.sleep(quick ? 100 : 300);
                doomed.handle().destroyForcibly();
                doomed.handle().onExit().get();
            }
            for (int i = 0; i < consumers.size(); i++) { // one end marker for each consumer
                queue.put(record(0, END, 0));
            }
            for (Jvm consumer : consumers) {
                System.out.println("    consumer pid " + consumer.handle().pid() + ": " + consumer.finish().getFirst());
            }
            // Merge what the two consumers took: per producer, every sequence number once.
            BitSet[] seen = {new BitSet(), new BitSet()};
            boolean once = true;
            for (Path log : logs) {
                try (DataInputStream in = new DataInputStream(Files.newInputStream(log))) {
                    while (true) {
                        int producer;
                        try {
                            producer = in.readInt();
                        } catch (EOFException end) {
                            break;
                        }
                        int seq = in.readInt();
                        once &= !seen[producer].get(seq);
                        seen[producer].set(seq);
                    }
                }
            }
            boolean first = seen[0].cardinality() == burst + paced && seen[0].nextClearBit(0) == burst + paced;
            int committed = seen[1].cardinality();
            boolean killedPrefix = seen[1].nextClearBit(0) == committed;
            MappedQueue.Stats stats = queue.stats();
            boolean ok = once && first && killedPrefix && committed > 0 && stats.records() == 0;
            System.out.printf("    every record delivered exactly once, in its producer's order: %s%n", once && first
                    ? "yes" : "NO");
            System.out.printf("    producer pid %d killed mid-offer after committing %,d records: all %s arrived,"
                    + " the queue went on (%d unfinished claim%s passed after %d ms): %s%n", killedPid, committed,
                    killedPrefix ? "of them" : "NOT", stats.abandonedClaims(), stats.abandonedClaims() == 1 ? "" : "s",
                    UNBLOCK.toMillis(), ok ? "yes" : "NO");
            return ok;
        } finally {
            for (Path log : logs) {
                Files.deleteIfExists(log);
            }
            Files.deleteIfExists(file);
            Files.delete(dir);
        }
    }

    /** A record: producer, sequence number, the producer's clock when offered, then padding to 64 bytes. */
    private static byte[] record(int producer, long seq, long sentNanos) {
        return ByteBuffer.allocate(RECORD_BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(producer).putInt((int) seq).putLong(sentNanos).array();
    }

    /** Puts a burst as fast as the queue takes it, then records paced 100 µs apart. */
    private static void produce(Path file, int burst, int paced) throws Exception {
        try (MappedQueue queue = MappedQueue.open(file)) {
            long start = System.nanoTime();
            for (int seq = 0; seq < burst; seq++) {
                queue.put(record(0, seq, System.nanoTime()));
            }
            long elapsed = System.nanoTime() - start;
            for (int seq = burst; seq < burst + paced; seq++) {
                queue.put(record(0, seq, System.nanoTime()));
                LockSupport.parkNanos(PACE_NANOS); // off the CPU, which the consumers then have to themselves
            }
            System.out.printf("producer pid PID: put %,d records of %d B in %,d ms: %,d records/s, then %,d paced"
                    + " 100 µs apart%n", burst, RECORD_BYTES, elapsed / 1_000_000,
                    (long) (burst / (elapsed / 1e9)), paced);
        }
    }

    /** Offers records until killed. */
    private static void produceUntilKilled(Path file) throws Exception {
        try (MappedQueue queue = MappedQueue.open(file)) {
            for (int seq = 0; ; ) {
                if (queue.offer(record(1, seq, System.nanoTime()))) {
                    seq++;
                } else {
                    LockSupport.parkNanos(1_000);
                }
            }
        }
    }

    /** Takes records until an end marker; logs (producer, seq); prints what it took and the paced latencies. */
    private static void consume(Path file, Path log, int burst) throws Exception {
        long taken = 0;
        long[] latencies = new long[1 << 16];
        int measured = 0;
        int[] last = {-1, -1};
        boolean ordered = true;
        try (MappedQueue queue = MappedQueue.open(file);
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(log), 1 << 16))) {
            while (true) {
                byte[] r = queue.take();
                long now = System.nanoTime();
                ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN);
                int producer = b.getInt();
                int seq = b.getInt();
                if (seq == END) {
                    break;
                }
                ordered &= seq > last[producer];
                last[producer] = seq;
                out.writeInt(producer);
                out.writeInt(seq);
                taken++;
                if (producer == 0 && seq >= burst && measured < latencies.length) {
                    latencies[measured++] = now - b.getLong();
                }
            }
        }
        Arrays.sort(latencies, 0, measured);
        System.out.printf("took %,d records%s; hand-off latency of the paced ones (%,d): p50 %s, p99 %s%n", taken, ordered ? ", each producer's in order" : ", OUT OF ORDER", measured,
                micros(latencies, measured, 0.50), micros(latencies, measured, 0.99));
    }

    private static String micros(long[] sorted, int n, double quantile) {
        if (n == 0) {
            return "n/a";
        }
        return String.format("%.1f µs", sorted[Math.min(n - 1, (int) (quantile * n))] / 1000.0);
    }

    private QueueExample() {}
}
