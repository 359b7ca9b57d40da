package io.mmap4j.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.MMap;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code force()} racing producers and consumers of one queue: its marks must never change a record
 * that is still in the queue. The first test is the exact interleaving that did (a record whose last
 * cell holds fewer than 8 of its bytes, over an unmarked header of the lap before); the second a
 * seeded stress of threads on a tiny ring, with an unblock timeout far longer than the run, so that
 * no claim is ever abandoned and any checksum failure is a race. Prints the seed.
 */
class QueueRaceTest {
    @TempDir
    Path dir;

    @Test
    void forceNeverMarksTheOldHeaderUnderTheLastBytesOfALiveRecord() throws Exception {
        Path path = dir.resolve("last-cell");
        try (MappedQueue q = MappedQueue.open(path, 256); // 16 cells
             MMap raw = MMap.open(path, StandardOpenOption.READ)) {
            long key = raw.getLong(QueueFormat.F_SEQ_KEY);
            // Lap 1: a header (committed, never marked) at cell 4, under where lap 2's record ends.
            assertTrue(q.offer(new byte[48])); // cells 0 to 3
            assertTrue(q.offer(new byte[0])); // cell 4: the header
            assertTrue(q.offer(new byte[112])); // cells 5 to 12
            assertTrue(q.offer(new byte[32])); // cells 13 to 15
            for (int i = 0; i < 4; i++) {
                assertNotNull(q.poll());
            }
            long oldHeader = raw.getLong(QueueFormat.DATA_OFFSET + 4 * 16);
            assertEquals(QueueFormat.seq(4, QueueFormat.COMMITTED), oldHeader ^ key);
            // Lap 2: 49 bytes take cells 16 to 20 (0 to 4), the last one holding 1 byte: the same as the
            // old header's first, so that the word still reads as that header until written whole.
            byte[] record = new byte[49];
            new Random(7).nextBytes(record);
            record[48] = (byte) oldHeader;
            assertTrue(q.offer(record));
            q.force(); // marks the records below the head (16) that it finds committed
            assertArrayEquals(record, q.poll(), "the record force() raced");
            assertNull(q.poll());
            assertEquals(0, q.stats().corruptRecords());
        }
    }

    @Test
    void forceRacingProducersAndConsumersOnATinyRingNeverDamagesARecord() throws Exception {
        long seed = Long.getLong("queue.race.seed", new Random().nextLong());
        System.out.println("QueueRaceTest seed " + seed);
        // On tmpfs where there is one: there force() marks and syncs at memory speed, so it races
        // millions of offers and polls, not the few thousand that disk syncs would leave time for.
        Path shm = Path.of("/dev/shm");
        Path where = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "queue-race") : dir;
        try {
            race(seed, where.resolve("race"));
        } finally {
            Files.deleteIfExists(where.resolve("race"));
            if (!where.equals(dir)) {
                Files.deleteIfExists(where);
            }
        }
    }

    private void race(long seed, Path path) throws Exception {
        int producers = 2;
        long runNanos = Duration.ofMillis(Long.getLong("queue.race.millis", 2500)).toNanos();
        // No claim is abandoned in this run (the timeout is far longer), so nothing may ever fail its checksum.
        try (MappedQueue q = MappedQueue.open(path, 1024, Duration.ofMinutes(5))) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicLong forces = new AtomicLong();
            long[] offered = new long[producers];
            ConcurrentHashMap<Long, Boolean> delivered = new ConcurrentHashMap<>();
            long deadline = System.nanoTime() + runNanos;
            List<Thread> threads = new ArrayList<>();
            for (int id = 0; id < producers; id++) {
                int producer = id;
                threads.add(Thread.ofPlatform().start(() -> guard(failure, () -> {
                    long next = 0;
                    while (System.nanoTime() < deadline && failure.get() == null) {
                        if (q.offer(record(seed, producer, next))) {
                            next++;
                        } else {
                            Thread.yield(); // full: the consumers may be off the processor (see the forcer)
                        }
                    }
                    offered[producer] = next;
                })));
            }
            for (int c = 0; c < 2; c++) {
                int consumer = c;
                threads.add(Thread.ofPlatform().start(() -> guard(failure, () -> {
                    long[] last = new long[producers];
                    java.util.Arrays.fill(last, -1);
                    MemorySegment buffer = Arena.ofAuto().allocate(1024);
                    int round = 0;
                    while (System.nanoTime() < deadline && failure.get() == null) {
                        byte[] got;
                        switch (round++ % 3) {
                            case 0 -> got = q.poll();
                            case 1 -> {
                                int n = q.poll(buffer);
                                got = n < 0 ? null : buffer.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                            }
                            default -> {
                                byte[][] seen = new byte[1][];
                                q.pollWith(view -> seen[0] = view.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                                got = seen[0];
                            }
                        }
                        if (got != null) {
                            checkRecord(seed, got, last, consumer, delivered);
                        } else {
                            Thread.yield();
                        }
                    }
                })));
            }
            threads.add(Thread.ofPlatform().start(() -> guard(failure, () -> {
                while (System.nanoTime() < deadline && failure.get() == null) {
                    q.force();
                    forces.incrementAndGet();
                    // Spinning threads outnumber the cores: a forcer that never yields leaves a producer
                    // holding its claim off the processor, and the others spin on it (a hundredfold slower).
                    Thread.yield();
                }
            })));
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("seed " + seed + " after " + forces.get() + " forces", failure.get());
            }
            long[] last = new long[producers];
            java.util.Arrays.fill(last, -1);
            for (byte[] r = q.poll(); r != null; r = q.poll()) {
                checkRecord(seed, r, last, -1, delivered);
            }
            long total = offered[0] + offered[1];
            assertEquals(total, delivered.size(), "seed " + seed + ": records delivered once each");
            assertEquals(0, q.stats().corruptRecords(), "seed " + seed);
            assertEquals(List.of(), MappedQueue.verify(path), "seed " + seed);
            assertTrue(forces.get() >= 10 && total >= 10_000, "seed " + seed + ": only " + forces.get() + " forces and "
                    + total + " records raced");
            System.out.println("QueueRaceTest: " + total + " records, " + forces.get() + " forces");
        }
    }

    /**
     * Producer {@code id}'s record number {@code n}: its id and number, then seeded bytes; 17 to 199
     * bytes long, most often with 1 to 7 bytes in its last cell (the case force() once damaged), half
     * of them with 1.
     */
    static byte[] record(long seed, int id, long n) {
        SplittableRandom random = new SplittableRandom(seed ^ (id * 0x9E3779B97F4A7C15L) ^ (n * 0xC2B2AE3D27D4EB4FL));
        int last = random.nextInt(4) == 0 ? random.nextInt(8, 16) : random.nextBoolean() ? 1 : random.nextInt(2, 8);
        int length = 16 * (1 + random.nextInt(12)) + last;
        byte[] record = new byte[length];
        random.nextBytes(record);
        ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN).putInt(0, id).putLong(4, n);
        return record;
    }

    private static void checkRecord(long seed, byte[] got, long[] last, int consumer,
                                    ConcurrentHashMap<Long, Boolean> delivered) {
        ByteBuffer b = ByteBuffer.wrap(got).order(ByteOrder.LITTLE_ENDIAN);
        int id = b.getInt(0);
        long n = b.getLong(4);
        assertTrue(id >= 0 && id < last.length, "producer id " + id);
        assertArrayEquals(record(seed, id, n), got, "record " + id + "/" + n);
        assertTrue(n > last[id], "consumer " + consumer + " got " + id + "/" + n + " after " + id + "/" + last[id]);
        last[id] = n;
        assertNull(delivered.put((long) id << 40 | n, true), "record " + id + "/" + n + " delivered twice");
    }

    private static void guard(AtomicReference<Throwable> failure, ThrowingRunnable body) {
        try {
            body.run();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
