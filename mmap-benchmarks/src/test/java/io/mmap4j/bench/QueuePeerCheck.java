package io.mmap4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.queue.MappedQueue;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.function.ToIntBiFunction;
import org.openjdk.jmh.infra.Control;

/**
 * The queue area's peers do what their benchmark methods say: three records offered come out as
 * three 64-byte records, and then an empty queue gives up once the measurement stops; the forced
 * operations leave their file as they found it.
 */
final class QueuePeerCheck {
    private QueuePeerCheck() {
    }

    static boolean check(String peer) throws Exception {
        QueueBenchmark b = new QueueBenchmark();
        Control run = new Control();
        Control stopped = new Control();
        stopped.stopMeasurement = true;
        switch (peer) {
            case "mmap4j" -> {
                QueueBenchmark.Mmap4jQueue q = PeerCheck.open(QueueBenchmark.Mmap4jQueue.class, Map.of());
                QueueBenchmark.Sink sink = new QueueBenchmark.Sink();
                for (int i = 0; i < 3; i++) {
                    assertTrue(b.oneToOne_mmap4j_offer(q, run));
                }
                assertEquals(3, q.queue.size());
                for (int i = 0; i < 3; i++) {
                    assertEquals(QueueBenchmark.RECORD, b.manyToOne_mmap4j_poll(q, sink, run));
                }
                assertEquals(-1, b.oneToOne_mmap4j_poll(q, sink, stopped));
                assertEquals(QueueBenchmark.RECORD, b.oneThread_mmap4j_offerPoll(q, sink));
                assertEquals(0, q.queue.size());
                PeerCheck.close(q);
                QueueBenchmark.DiskQueue d = PeerCheck.open(QueueBenchmark.DiskQueue.class, Map.of());
                assertEquals(QueueBenchmark.RECORD, b.forced_mmap4j(d));
                assertEquals(0, d.queue.size());
                PeerCheck.close(d);
            }
            case "mmap4jSingleProducer" -> single(PeerCheck.open(QueueBenchmark.Mmap4jSingleProducerQueue.class,
                    Map.of()), b::oneToOne_mmap4jSingleProducer_offer, b::oneToOne_mmap4jSingleProducer_poll,
                    b::oneThread_mmap4jSingleProducer_offerPoll, false);
            case "mmap4jOneToOne" -> single(PeerCheck.open(QueueBenchmark.Mmap4jOneToOneQueue.class, Map.of()),
                    b::oneToOne_mmap4jOneToOne_offer, b::oneToOne_mmap4jOneToOne_poll,
                    b::oneThread_mmap4jOneToOne_offerPoll, true);
            case "agrona" -> {
                QueueBenchmark.AgronaRing r = PeerCheck.open(QueueBenchmark.AgronaRing.class, Map.of());
                QueueBenchmark.AgronaSink sink = new QueueBenchmark.AgronaSink();
                for (int i = 0; i < 3; i++) {
                    assertTrue(b.oneToOne_agrona_offer(r, run));
                    assertTrue(b.manyToOne_agrona_offer(r, run));
                }
                for (int i = 0; i < 3; i++) {
                    assertEquals(1, b.oneToOne_agrona_poll(r, sink, run));
                    assertEquals(1, b.manyToOne_agrona_poll(r, sink, run));
                }
                assertEquals(0, b.oneToOne_agrona_poll(r, sink, stopped));
                assertEquals(1, b.oneThread_agrona_offerPoll(r, sink));
                assertEquals(0, b.oneToOne_agrona_poll(r, sink, stopped));
                PeerCheck.close(r);
            }
            case "agronaManyToOne" -> {
                QueueBenchmark.AgronaRing r = PeerCheck.open(QueueBenchmark.AgronaRing.class, Map.of());
                QueueBenchmark.AgronaSink sink = new QueueBenchmark.AgronaSink();
                for (int i = 0; i < 3; i++) {
                    assertTrue(b.oneToOne_agronaManyToOne_offer(r, run));
                }
                for (int i = 0; i < 3; i++) {
                    assertEquals(1, b.oneToOne_agronaManyToOne_poll(r, sink, run));
                }
                assertEquals(0, b.oneToOne_agronaManyToOne_poll(r, sink, stopped));
                assertEquals(1, b.oneThread_agronaManyToOne_offerPoll(r, sink));
                assertEquals(0, r.manyToOne.size());
                PeerCheck.close(r);
            }
            case "chronicleQueue" -> {
                QueueBenchmark.ChronicleLog log = PeerCheck.open(QueueBenchmark.ChronicleLog.class, Map.of());
                QueueBenchmark.ChronicleAppender a = new QueueBenchmark.ChronicleAppender();
                a.open(log);
                QueueBenchmark.Sink sink = new QueueBenchmark.Sink();
                for (int i = 0; i < 3; i++) {
                    assertTrue(b.oneToOne_chronicleQueue_offer(log, a, run));
                }
                for (int i = 2; i >= 0; i--) {
                    assertEquals(i, b.oneToOne_chronicleQueue_poll(log, sink, run));
                }
                assertEquals(-1, b.oneToOne_chronicleQueue_poll(log, sink, stopped));
                a.close();
                PeerCheck.close(log);
            }
            case "tape" -> {
                QueueBenchmark.TapeFile t = PeerCheck.open(QueueBenchmark.TapeFile.class, Map.of());
                for (int i = 0; i < 3; i++) {
                    assertTrue(b.oneToOne_tape_offer(t, run));
                }
                assertEquals(3, t.file.size());
                for (int i = 0; i < 3; i++) {
                    assertArrayEquals(QueueBenchmark.PAYLOAD, b.oneToOne_tape_poll(t, run));
                }
                assertNull(b.oneToOne_tape_poll(t, stopped));
                PeerCheck.close(t);
                QueueBenchmark.DiskTape d = PeerCheck.open(QueueBenchmark.DiskTape.class, Map.of());
                assertEquals(0, b.forced_tape(d));
                PeerCheck.close(d);
            }
            case "arrayBlockingQueue" -> {
                QueueBenchmark.HeapQueue q = new QueueBenchmark.HeapQueue();
                for (int i = 0; i < 3; i++) {
                    assertTrue(b.oneToOne_arrayBlockingQueue_offer(q, run));
                }
                for (int i = 0; i < 3; i++) {
                    assertArrayEquals(QueueBenchmark.PAYLOAD, b.oneToOne_arrayBlockingQueue_poll(q, run));
                }
                assertNull(b.oneToOne_arrayBlockingQueue_poll(q, stopped));
                assertFalse(q.queue.iterator().hasNext());
            }
            case "fsync" -> {
                QueueBenchmark.DiskFile f = PeerCheck.open(QueueBenchmark.DiskFile.class, Map.of());
                assertEquals(QueueBenchmark.RECORD, b.forced_fsync(f));
                assertEquals(QueueBenchmark.RING, f.channel.size());
                PeerCheck.close(f);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * A peer whose trial handle holds the queue as its single producer (and, if {@code consumer},
     * single consumer): its methods move records, and another handle's offer (and poll) is refused.
     */
    private static <Q extends QueueBenchmark.Mmap4jQueue> void single(Q q,
            BiPredicate<Q, Control> offer, Poll<Q> poll, ToIntBiFunction<Q, QueueBenchmark.Sink> offerPoll,
            boolean consumer) throws Exception {
        Control run = new Control();
        Control stopped = new Control();
        stopped.stopMeasurement = true;
        QueueBenchmark.Sink sink = new QueueBenchmark.Sink();
        for (int i = 0; i < 3; i++) {
            assertTrue(offer.test(q, run));
        }
        assertEquals(3, q.queue.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(QueueBenchmark.RECORD, poll.poll(q, sink, run));
        }
        assertEquals(-1, poll.poll(q, sink, stopped));
        assertEquals(QueueBenchmark.RECORD, offerPoll.applyAsInt(q, sink));
        assertEquals(0, q.queue.size());
        try (MappedQueue other = MappedQueue.open(q.queue.path())) {
            assertThrows(IllegalStateException.class, () -> other.offer(QueueBenchmark.PAYLOAD),
                    "the trial's handle is the single producer");
            if (consumer) {
                assertThrows(IllegalStateException.class, other::poll, "the trial's handle is the single consumer");
            }
        }
        PeerCheck.close(q);
    }

    /** A peer's poll method: the record's length, or -1 once the measurement stopped. */
    private interface Poll<Q> {
        int poll(Q q, QueueBenchmark.Sink sink, Control control);
    }
}
