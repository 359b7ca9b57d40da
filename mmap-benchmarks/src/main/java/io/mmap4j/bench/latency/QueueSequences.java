package io.mmap4j.bench.latency;

import io.mmap4j.queue.MappedQueue;
import io.mmap4j.queue.QueueOption;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The ping-pong slots as {@link MappedQueue}s: each slot is a queue of 8-byte records beside the
 * region file, a release write offers the value, an acquire read polls for a newer one and
 * otherwise answers the last value seen. So a round trip is two hand-offs through a queue: the
 * pinger's offer to the ponger's poll, and back. Only one process polls each queue, and only one
 * offers to it: one-to-one, each end may say so ({@code QueueOption.SINGLE_PRODUCER} or
 * {@code SINGLE_CONSUMER}).
 */
final class QueueSequences implements SequenceMemory {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long QUEUE_BYTES = 64 * 1024;
    private static final String[] SLOTS = {"ping", "pong", "ready"};

    private final MappedQueue[] queues;
    private final long[] last = new long[SLOTS.length];
    private final MemorySegment record;

    private QueueSequences(MappedQueue[] queues, MemorySegment record) {
        this.queues = queues;
        this.record = record;
    }

    /**
     * Opens (or creates) the slot queues beside {@code region} for {@code role} ("ping" or "pong"),
     * each end as its queue's single producer or consumer if {@code oneToOne}, runs {@code use},
     * closes them; the pinger deletes them.
     */
    static <T> T withQueues(Path region, String role, boolean oneToOne, Function<SequenceMemory, T> use)
            throws IOException {
        boolean deleteAfter = role.equals("ping");
        MappedQueue[] queues = new MappedQueue[SLOTS.length];
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < SLOTS.length; i++) {
                OpenOption[] modes = oneToOne ? new OpenOption[] {end(role, i)} : new OpenOption[0];
                queues[i] = MappedQueue.open(file(region, i), QUEUE_BYTES, modes);
            }
            return use.apply(new QueueSequences(queues, arena.allocate(8)));
        } finally {
            for (int i = 0; i < SLOTS.length; i++) {
                if (queues[i] != null) {
                    queues[i].close();
                }
                if (deleteAfter) {
                    Files.deleteIfExists(file(region, i));
                }
            }
        }
    }

    /** The pinger offers the pings, the ponger the pongs and its start; each polls the others. */
    private static OpenOption end(String role, int slot) {
        boolean offers = role.equals("ping") == SLOTS[slot].equals("ping");
        return offers ? QueueOption.SINGLE_PRODUCER : QueueOption.SINGLE_CONSUMER;
    }

    private static Path file(Path region, int slot) {
        return region.resolveSibling(region.getFileName() + "." + SLOTS[slot] + ".queue");
    }

    private static int slot(long offset) {
        return switch ((int) offset) {
            case (int) PingPong.PING -> 0;
            case (int) PingPong.PONG -> 1;
            case (int) PingPong.READY -> 2;
            default -> throw new IllegalArgumentException("no slot at offset " + offset);
        };
    }

    @Override
    public long getAcquire(long offset) {
        int slot = slot(offset);
        if (queues[slot].poll(record) == 8) {
            last[slot] = record.get(LONG, 0);
        }
        return last[slot];
    }

    @Override
    public void putRelease(long offset, long value) {
        record.set(LONG, 0, value);
        while (!queues[slot(offset)].offer(record)) {
            Thread.onSpinWait();
        }
    }
}
