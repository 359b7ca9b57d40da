package io.mmap4j.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.testkit.ChildJvm;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link QueueOption#SINGLE_PRODUCER}: one producer handle in all processes, the others refused with
 * the mode named; a killed single producer's claim passed after the unblock timeout and a new single
 * producer opening as soon as the kernel dropped the lock. (The model test runs in this mode too.)
 */
class QueueSingleProducerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration UNBLOCK = Duration.ofMillis(50);
    private static final long PID = ProcessHandle.current().pid();

    @TempDir
    Path dir;

    @Test
    void oneSingleProducerAndNoOtherProducerInOneProcess() throws Exception {
        Path path = dir.resolve("queue");
        try (MappedQueue single = MappedQueue.open(path, 1024, QueueOption.SINGLE_PRODUCER);
             MappedQueue other = MappedQueue.open(path)) {
            assertTrue(single.offer(new byte[] {1, 2, 3}));
            FileSystemException second = assertThrows(FileSystemException.class,
                    () -> MappedQueue.open(path, QueueOption.SINGLE_PRODUCER));
            assertTrue(second.getMessage().contains("SINGLE_PRODUCER is held by process " + PID), second.getMessage());
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> other.offer(new byte[1]));
            assertEquals("cannot offer to " + path + ": process " + PID + " holds it as its SINGLE_PRODUCER, the only"
                    + " producer it allows", refused.getMessage());
            assertArrayEquals(new byte[] {1, 2, 3}, other.poll(), "consumers of other handles consume as usual");
            AtomicReference<Throwable> fromAnotherThread = new AtomicReference<>();
            Thread.ofPlatform().start(() -> {
                try {
                    single.offer(new byte[1]);
                } catch (Throwable t) {
                    fromAnotherThread.set(t);
                }
            }).join();
            assertTrue(fromAnotherThread.get() instanceof IllegalStateException, "" + fromAnotherThread.get());
            assertTrue(fromAnotherThread.get().getMessage().contains("opened with SINGLE_PRODUCER and Thread["),
                    fromAnotherThread.get().getMessage());
            assertTrue(single.offer(new byte[] {4}), "its own thread still offers");
            single.close();
            assertTrue(other.offer(new byte[] {5}), "once it closed, other handles produce again");
            assertEquals(List.of(), MappedQueue.verify(path));
            try (MappedQueue again = MappedQueue.open(path, QueueOption.SINGLE_PRODUCER)) {
                assertTrue(again.offer(new byte[] {6}));
                assertThrows(IllegalStateException.class, () -> other.offer(new byte[1]));
            }
            for (byte expected : new byte[] {4, 5, 6}) {
                assertArrayEquals(new byte[] {expected}, other.poll());
            }
            assertNull(other.poll());
        }
        assertThrows(UnsupportedOperationException.class, () -> MappedQueue.open(path, StandardOpenOption.READ));
        assertThrows(NullPointerException.class, () -> MappedQueue.open(path, (QueueOption) null));
    }

    @Test
    void killedSingleProducersAreReplacedAndNothingCommittedIsLostOrDuplicated() throws Exception {
        long seed = new Random().nextLong();
        System.out.println("QueueSingleProducerTest seed " + seed);
        Random random = new Random(seed);
        Path path = dir.resolve("queue");
        Path progress = dir.resolve("progress");
        int rounds = 10;
        try (MappedQueue q = MappedQueue.open(path, 32 * 1024, UNBLOCK)) {
            ProducerRecords records = ProducerRecords.consume(q);
            for (int round = 0; round < rounds; round++) {
                // Each round's child opens as the single producer at once: the kernel dropped the lock
                // of the one killed in the round before (else it fails to open and never says READY).
                try (ChildJvm producer = ChildJvm.start(QueueProcessesTest.LIGHT_JVM, QueueChild.class,
                        "produce-forever", path.toString(), "" + round, progress.toString(), "single")) {
                    long child = Long.parseLong(producer.awaitLine("READY", TIMEOUT).substring("READY ".length()));
                    FileSystemException second = assertThrows(FileSystemException.class,
                            () -> MappedQueue.open(path, QueueOption.SINGLE_PRODUCER), "seed " + seed);
                    assertTrue(second.getMessage().contains("SINGLE_PRODUCER is held by process " + child),
                            second.getMessage());
                    IllegalStateException refused = assertThrows(IllegalStateException.class,
                            () -> q.offer(new byte[1]), "seed " + seed);
                    assertTrue(refused.getMessage().contains("process " + child + " holds it as its SINGLE_PRODUCER"),
                            refused.getMessage());
                    Thread.sleep(20 + random.nextInt(150));
                    producer.kill();
                }
            }
            records.drain(UNBLOCK, "seed " + seed + ": ");
            long total = records.assertEachAcknowledgedOnce(progress, rounds, "seed " + seed + ": ");
            assertTrue(total >= rounds * 10L, "only " + total + " records went through");
            // Every single producer is gone, without closing: this process may produce again, as one.
            try (MappedQueue single = MappedQueue.open(path, QueueOption.SINGLE_PRODUCER)) {
                for (int i = 0; i < 1000; i++) {
                    assertTrue(single.offer(QueueChild.record(99, i, 2000)));
                    byte[] r = q.poll(1, TimeUnit.SECONDS);
                    assertEquals(99, QueueChild.id(r));
                    assertEquals(i, QueueChild.seq(r));
                }
            }
            assertTrue(q.offer(new byte[1]), "and, once it closed, as any producer");
            assertEquals(1, q.size());
            assertEquals(0, q.stats().corruptRecords());
            assertEquals(List.of(), MappedQueue.verify(path));
            System.out.println("QueueSingleProducerTest: " + total + " records from " + rounds + " killed single producers, "
                    + q.stats());
        }
    }
}
