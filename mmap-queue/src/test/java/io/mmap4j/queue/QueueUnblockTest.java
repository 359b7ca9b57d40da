package io.mmap4j.queue;

import static io.mmap4j.queue.MappedQueueTest.bytes;
import static io.mmap4j.queue.MappedQueueTest.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.MMap;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unblocking, step by step: claims left by producers that died at each point of an offer, a
 * producer that was only slow, and a conditional poll whose process died while holding the head.
 * The dead steps are made by writing the file as the protocol would have, then stopping.
 */
class QueueUnblockTest {
    private static final Duration UNBLOCK = Duration.ofMillis(50);

    @TempDir
    Path dir;

    /** Claims {@code cells} cells as a producer would, then "dies": the claim is never published. */
    private static long claimAndDie(MMap raw, long cells) {
        long tail = raw.getLongVolatile(QueueFormat.F_TAIL);
        assertTrue(raw.compareAndSetLong(QueueFormat.F_TAIL, tail, tail + cells));
        return tail;
    }

    private static byte[] pollAfterUnblock(MappedQueue q) throws InterruptedException {
        assertNull(q.poll(), "a claim at the head holds the queue until the unblock timeout");
        long start = System.nanoTime();
        byte[] r = q.poll(UNBLOCK.toMillis() * 20, TimeUnit.MILLISECONDS);
        assertTrue(System.nanoTime() - start >= UNBLOCK.toNanos(), "unblocked before the timeout");
        return r;
    }

    @Test
    void aClaimWhoseProducerDiedBeforePublishingIsAbandonedAfterTheTimeoutAndTheQueueGoesOn() throws Exception {
        Path path = dir.resolve("q");
        try (MappedQueue q = MappedQueue.open(path, 1024, UNBLOCK); MMap raw = MMap.open(path, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            assertTrue(q.offer(bytes("before")));
            claimAndDie(raw, 3);               // a dead three-cell claim
            assertTrue(q.offer(bytes("after")));
            assertEquals("before", text(q.poll()));
            assertEquals(1, q.size());          // the claim is not a record
            assertEquals("after", text(pollAfterUnblock(q)));
            assertNull(q.poll());
            assertEquals(1, q.stats().abandonedClaims());
            assertEquals(List.of(), MappedQueue.verify(path));
            // The abandoned cells are reused as the ring comes round again.
            for (int i = 0; i < 40; i++) {
                assertTrue(q.offer(bytes("r" + i)));
                assertEquals("r" + i, text(q.poll()));
            }
        }
    }

    @Test
    void aDeadClaimThatPublishedItsPaddingButNotItsRecordIsAbandonedToo() throws Exception {
        Path path = dir.resolve("q");
        try (MappedQueue q = MappedQueue.open(path, 160, UNBLOCK); MMap raw = MMap.open(path, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) { // 10 cells
            for (int i = 0; i < 4; i++) { // records of 2 cells: a header and 2 bytes
                assertTrue(q.offer(bytes("r" + i)));
                assertEquals("r" + i, text(q.poll()));
            }
            // A four-cell record at cell 8 needs padding 8..9 and the record at 10..13 (cells 0..3).
            long tail = claimAndDie(raw, 6);
            assertEquals(8, tail);
            long entry = QueueFormat.DATA_OFFSET + 8 * QueueFormat.CELL_BYTES;
            raw.putLong(entry + QueueFormat.E_LENGTH, 2);
            raw.putLongRelease(entry, QueueFormat.seq(8, QueueFormat.PADDING) ^ raw.getLong(QueueFormat.F_SEQ_KEY));
            assertTrue(q.offer(bytes("after")));
            assertEquals("after", text(pollAfterUnblock(q)));
            assertEquals(1, q.stats().abandonedClaims());
            assertEquals(16 * 16, q.stats().head());
        }
    }

    @Test
    void aSlowProducerFindsItsClaimAbandonedSoItsPublishFailsAndItClaimsAgain() throws Exception {
        Path path = dir.resolve("q");
        try (MappedQueue q = MappedQueue.open(path, 1024, UNBLOCK); MMap raw = MMap.open(path, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            long claimed = claimAndDie(raw, 1);
            assertTrue(q.offer(bytes("next")));
            assertEquals("next", text(pollAfterUnblock(q)));
            // The "dead" producer wakes up and tries to publish its claim: the abandoned cell refuses it.
            List<MappedQueue.Problem> problems = new ArrayList<>();
            QueueHeader header = QueueHeader.check(raw.segment(), raw.size(), problems);
            Ring ring = new Ring(raw.segment(), path, header);
            assertFalse(ring.publish(claimed, 4, 0, QueueFormat.COMMITTED));
            assertNull(q.poll());
            // Its real offer claims again and delivers the record once.
            assertTrue(ring.offer(bytes("late"), null, 0, 4));
            assertEquals("late", text(q.poll()));
            assertNull(q.poll());
        }
    }

    @Test
    void aConditionalPollWhoseProcessDiedIsUnlockedAndTheRecordDeliveredAgain() throws Exception {
        Path path = dir.resolve("q");
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        long deadPid = gone.pid();
        try (MappedQueue q = MappedQueue.open(path, 1024, UNBLOCK); MMap raw = MMap.open(path, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            assertTrue(q.offer(bytes("held")));
            raw.putLongVolatile(QueueFormat.F_HEAD, QueueFormat.HEAD_LOCKED);
            raw.putLongVolatile(QueueFormat.F_HOLDER, deadPid << 32);
            assertEquals("held", text(q.peek())); // still there, but held: a poll finds nothing ready
            assertEquals("held", text(pollAfterUnblock(q)));
        }
    }

    @Test
    void aConditionalPollOfALiveProcessIsNeverTakenBack() throws Exception {
        Path path = dir.resolve("q");
        try (MappedQueue q = MappedQueue.open(path, 1024, UNBLOCK); MMap raw = MMap.open(path, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            assertTrue(q.offer(bytes("held")));
            raw.putLongVolatile(QueueFormat.F_HEAD, QueueFormat.HEAD_LOCKED);
            raw.putLongVolatile(QueueFormat.F_HOLDER, ProcessHandle.current().pid() << 32);
            assertNull(q.poll(UNBLOCK.toMillis() * 4, TimeUnit.MILLISECONDS)); // alive: never taken back
            assertNull(q.poll());
            raw.putLongVolatile(QueueFormat.F_HEAD, 0);
            assertEquals("held", text(q.poll()));
        }
    }
}
