package io.mmap4j.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.MMap;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The consumer side of the producer-kill tests: a thread that polls a queue, checks each
 * {@link QueueChild} record whole and sorts their sequence numbers by producer, until
 * {@link #drain} finds the queue quiet; then {@link #assertEachAcknowledgedOnce} holds every
 * producer's deliveries against what it acknowledged in its progress file.
 */
final class ProducerRecords {
    /** Sequence numbers by producer id, in delivery order. Written by the consumer only; read after it stops. */
    private final Map<Long, List<Long>> received = new HashMap<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong count = new AtomicLong();
    private final Thread consumer;

    private ProducerRecords(MappedQueue q) {
        consumer = Thread.ofPlatform().start(() -> {
            try {
                while (!stop.get()) {
                    byte[] r = q.poll(5, TimeUnit.MILLISECONDS);
                    if (r != null) {
                        QueueChild.check(r, 2000);
                        received.computeIfAbsent(QueueChild.id(r), k -> new ArrayList<>()).add(QueueChild.seq(r));
                        count.incrementAndGet();
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
    }

    /** Starts consuming {@code q}. */
    static ProducerRecords consume(MappedQueue q) {
        return new ProducerRecords(q);
    }

    /**
     * Waits until nothing has arrived for ten unblock timeouts (so that the claim a kill abandoned
     * is passed), then stops the consumer.
     *
     * @param context what a failure message starts with (a seed, say)
     * @throws AssertionError if the consumer failed
     */
    void drain(Duration unblock, String context) throws InterruptedException {
        long quietSince = System.nanoTime();
        long last = -1;
        while (System.nanoTime() - quietSince < unblock.toNanos() * 10) {
            long total = count.get();
            if (total != last) {
                last = total;
                quietSince = System.nanoTime();
            }
            Thread.sleep(10);
        }
        stop.set(true);
        consumer.join();
        if (failure.get() != null) {
            throw new AssertionError(context + "the consumer failed", failure.get());
        }
    }

    /**
     * Asserts that each of producers {@code 0} to {@code producers - 1} had its records 0 to
     * acked - 1 delivered exactly once and in order, plus at most the one in flight when it was
     * killed ({@code acked} from its word in {@code progress}).
     *
     * @return how many records were delivered in all
     */
    long assertEachAcknowledgedOnce(Path progress, int producers, String context) throws IOException {
        long total = 0;
        try (MMap acks = MMap.open(progress, StandardOpenOption.READ)) {
            for (long id = 0; id < producers; id++) {
                long acked = acks.getLongAcquire(id * 8);
                List<Long> seqs = received.getOrDefault(id, List.of());
                assertTrue(seqs.size() == acked || seqs.size() == acked + 1, context + "producer " + id
                        + " acked " + acked + " records, " + seqs.size() + " delivered");
                for (int i = 0; i < seqs.size(); i++) {
                    assertEquals(i, seqs.get(i), context + "producer " + id + ", delivery " + i);
                }
                total += seqs.size();
            }
        }
        return total;
    }
}
