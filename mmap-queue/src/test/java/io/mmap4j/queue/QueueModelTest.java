package io.mmap4j.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Random operations on the queue and on an {@link ArrayDeque} with the same capacity rule, compared
 * after every step, at many capacities (so records wrap around, pad, and fill the ring). Seeded; the
 * seed is printed and in every failure message, and {@code -Dqueue.model.seed=N} replays one.
 */
class QueueModelTest {
    @TempDir
    Path dir;

    @Test
    void agreesWithArrayDequeAtManyCapacities() throws Exception {
        long seed = Long.getLong("queue.model.seed", new Random().nextLong());
        System.out.println("QueueModelTest seed " + seed);
        Random random = new Random(seed);
        long[] capacities = {128, 144, 200, 640, 1024, 1000, 4096, 4160, 65536};
        for (long capacity : capacities) {
            run(random, capacity, 4000, () -> "seed " + seed + ", capacity " + capacity);
        }
    }

    @ParameterizedTest
    @EnumSource(QueueOption.class)
    void agreesWithArrayDequeInASingleMode(QueueOption mode) throws Exception {
        agreesWithArrayDequeIn(mode);
    }

    @Test
    void agreesWithArrayDequeAsASingleProducerAndSingleConsumer() throws Exception {
        agreesWithArrayDequeIn(QueueOption.SINGLE_PRODUCER, QueueOption.SINGLE_CONSUMER);
    }

    private void agreesWithArrayDequeIn(QueueOption... modes) throws Exception {
        long seed = Long.getLong("queue.model.seed", new Random().nextLong());
        String named = Arrays.toString(modes);
        System.out.println("QueueModelTest " + named + " seed " + seed);
        Random random = new Random(seed);
        for (long capacity : new long[] {128, 200, 1000, 4160}) {
            run(random, capacity, 4000, () -> named + ", seed " + seed + ", capacity " + capacity, modes);
        }
    }

    private void run(Random random, long capacity, int steps, Supplier<String> where, OpenOption... options)
            throws Exception {
        Path path = dir.resolve("q" + capacity);
        ArrayDeque<byte[]> model = new ArrayDeque<>();
        // The model of the ring: positions in 16-byte cells; a record takes 1 + ceil(n/16) cells (its
        // header, then its bytes) and never crosses the end of the ring, so it may need padding before it.
        long cells = (capacity + 15) / 16;
        long[] head = {0};
        long[] tail = {0};
        // [start, record start, end) of each record: padding, if any, runs from start to record start.
        // A consumer's look at the head (poll, peek) skips the head record's padding, freeing it.
        ArrayDeque<long[]> spans = new ArrayDeque<>();
        MappedQueue q = MappedQueue.open(path, capacity, options);
        try {
            int maxRecord = q.maxRecordBytes();
            assertEquals((cells / 2 - 1) * 16, maxRecord, where.get());
            for (int step = 0; step < steps; step++) {
                int op = random.nextInt(100);
                String at = where.get() + ", step " + step;
                if (op < 50) {
                    int length = random.nextInt(10) < 8 ? random.nextInt(Math.min(130, maxRecord + 1))
                            : random.nextInt(maxRecord + 1);
                    byte[] record = new byte[length];
                    random.nextBytes(record);
                    long need = 1 + (length + 15) / 16;
                    long index = tail[0] % cells;
                    long padding = index + need > cells ? cells - index : 0;
                    boolean fits = tail[0] + padding + need - head[0] <= cells;
                    assertEquals(fits, q.offer(record), at + ": offer of " + length + " bytes");
                    if (fits) {
                        model.add(record);
                        spans.add(new long[] {tail[0], tail[0] + padding, tail[0] + padding + need});
                        tail[0] += padding + need;
                    }
                } else if (op < 80) {
                    byte[] expected = model.poll();
                    byte[] got = random.nextBoolean() ? q.poll() : pollWith(q);
                    assertArrayEquals(expected, got, at + ": poll");
                    if (expected != null) {
                        head[0] = spans.poll()[2];
                    }
                } else if (op < 88) {
                    assertArrayEquals(model.peek(), q.peek(), at + ": peek");
                    if (!spans.isEmpty()) {
                        head[0] = spans.peek()[1];
                    }
                    assertArrayEquals(model.peekLast(), q.peekLast(), at + ": peekLast");
                } else if (op < 92) {
                    assertEquals(model.size(), q.size(), at + ": size");
                    List<byte[]> forward = new ArrayList<>();
                    q.forEach(forward::add);
                    assertEquals(model.size(), forward.size(), at + ": iterator");
                    int i = 0;
                    for (byte[] r : model) {
                        assertArrayEquals(r, forward.get(i++), at + ": iterator record " + i);
                    }
                    List<byte[]> backward = new ArrayList<>();
                    q.descendingIterator().forEachRemaining(backward::add);
                    assertEquals(forward.size(), backward.size(), at + ": descending iterator");
                    for (int j = 0; j < forward.size(); j++) {
                        assertArrayEquals(forward.get(j), backward.get(backward.size() - 1 - j), at);
                    }
                } else if (op < 94) {
                    MappedQueue.Stats s = q.stats();
                    assertEquals(head[0] * 16, s.head(), at + ": head");
                    assertEquals(tail[0] * 16, s.tail(), at + ": tail");
                    assertEquals((tail[0] - head[0]) * 16, s.bytesUsed(), at + ": bytes used");
                    assertEquals(model.size(), s.records(), at + ": records");
                } else if (op < 96) {
                    q.close();
                    q = random.nextBoolean() ? MappedQueue.open(path, options) : MappedQueue.open(path, capacity, options);
                } else {
                    assertEquals(List.of(), MappedQueue.verify(path), at + ": verify");
                }
            }
            for (byte[] r; (r = model.poll()) != null; ) {
                assertArrayEquals(r, q.poll(), where.get() + ": final drain");
            }
            assertNull(q.poll(), where.get());
        } finally {
            q.close();
        }
    }

    private static byte[] pollWith(MappedQueue q) {
        byte[][] got = new byte[1][];
        return q.pollWith(r -> got[0] = Arrays.copyOf(r.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                (int) r.byteSize())) ? got[0] : null;
    }
}
