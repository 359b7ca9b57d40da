package io.mmap4j.queue;

import static io.mmap4j.queue.QueueFormat.ABANDONED;
import static io.mmap4j.queue.QueueFormat.COMMITTED;
import static io.mmap4j.queue.QueueFormat.F_HEAD;
import static io.mmap4j.queue.QueueFormat.F_TAIL;
import static io.mmap4j.queue.QueueFormat.HEAD_LOCKED;
import static io.mmap4j.queue.QueueFormat.HEAD_SINGLE;
import static io.mmap4j.queue.QueueFormat.PADDING;
import static io.mmap4j.queue.QueueFormat.POSITION_MASK;
import static io.mmap4j.queue.QueueFormat.TAIL_SINGLE;
import static io.mmap4j.queue.QueueFormat.cellsFor;
import static io.mmap4j.queue.QueueFormat.seqPosition;
import static io.mmap4j.queue.QueueFormat.seqState;

import io.mmap4j.internal.GuardedCrc32c;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link MappedQueue#verify(Path)} checks, read-only, while other processes may produce and
 * consume. The rule that keeps it from reporting their work as damage: a record or cell is judged
 * only if, after everything about it was read, the head has not passed it and its sequence word
 * is unchanged. Producers write only cells the head has passed, so such a record was stable while
 * it was read; one that moved is skipped, never reported. Claims still being written (cells whose
 * sequence word names another position) are never judged at all: a damaged sequence word looks the
 * same, and consumers pass it as an abandoned claim after the unblock timeout. Every read of the
 * mapping is one the JVM guards, so a file cut short under the check throws {@link InternalError},
 * which {@link MappedQueue#verify(Path)} reports, and never kills the JVM.
 */
final class QueueVerifier {
    /** Reads of the head, tail, head that {@link #checkEnds} makes before giving up on a stable view. */
    private static final int STABLE_TRIES = 1000;

    private QueueVerifier() {
    }

    static List<MappedQueue.Problem> verify(MemorySegment file, long fileLength, Path path) {
        List<MappedQueue.Problem> problems = new ArrayList<>();
        QueueHeader header = QueueHeader.check(file, fileLength, problems);
        if (header == null) {
            return problems;
        }
        Ring ring = new Ring(file, path, header);
        MappedQueue.Problem ends = checkEnds(ring);
        if (ends != null) {
            problems.add(ends);
            return problems; // the walk between head and tail would follow nonsense
        }
        checkRecords(ring, problems);
        return problems;
    }

    /**
     * The head and tail words, judged on a view in which the head did not move while the tail was
     * read: the head's spare bits are clear, and the tail is at or past the head and at most the
     * ring's cell count beyond it. Null if sound (or never seen stable, which only busy consumers
     * cause).
     */
    static MappedQueue.Problem checkEnds(Ring ring) {
        for (int i = 0; i < STABLE_TRIES; i++) {
            long headWord = ring.headWord();
            long tailWord = ring.tailWord();
            if (ring.headWord() != headWord) {
                continue;
            }
            long tail = tailWord & POSITION_MASK;
            if ((tailWord & ~(TAIL_SINGLE | POSITION_MASK)) != 0) {
                return new MappedQueue.Problem(F_TAIL, "tail", QueueHeader.hex(tailWord),
                        "a position below 2^61, with bit 62 as the single producer's mark");
            }
            long head = headWord & POSITION_MASK;
            if ((headWord & ~(HEAD_LOCKED | HEAD_SINGLE | POSITION_MASK)) != 0) {
                return new MappedQueue.Problem(F_HEAD, "head", QueueHeader.hex(headWord), "a position below 2^61,"
                        + " with bit 61 as the single consumer's mark and bit 62 as the conditional poll's lock");
            }
            if (tail < head || tail - head > ring.cells) {
                return new MappedQueue.Problem(F_TAIL, "tail", Long.toString(tail), "from the head (" + head
                        + ") to the head plus the cell count (" + (head + ring.cells) + ")");
            }
            return null;
        }
        return null;
    }

    /** The records from the head to the tail as it was at the start: lengths, padding, checksums. */
    private static void checkRecords(Ring ring, List<MappedQueue.Problem> problems) {
        // Through a heap copy: another process may cut the file under the check, and the JDK's
        // CRC32C over a mapping would die of the fault where the copy throws InternalError.
        GuardedCrc32c checksum = new GuardedCrc32c();
        long end = ring.tail();
        long p = ring.head();
        while (p < end) {
            p = Math.max(p, ring.head());
            if (p >= end) {
                break;
            }
            long s = ring.seqAt(p);
            long named = seqPosition(s);
            if (named != p) {
                p++; // a claim being written, an abandoned one's cells, or a cell the head passed meanwhile
                continue;
            }
            long lengthAndCrc = ring.lengthAndCrc(p);
            long length = (int) lengthAndCrc;
            int state = seqState(s);
            if (state == COMMITTED) {
                if (!ring.lengthFits(p, length)) {
                    if (stable(ring, p, s)) {
                        problems.add(new MappedQueue.Problem(ring.entryOffset(p) + QueueFormat.E_LENGTH,
                                "record length", length + " bytes", "0 to " + ring.maxRecordBytes
                                + " bytes, ending at or before the end of the ring"));
                    }
                    p++;
                    continue;
                }
                checksum.reset();
                checksum.update(ring.file, ring.dataOffset(p), length);
                int crc = (int) checksum.getValue();
                if (crc != (int) (lengthAndCrc >>> 32) && stable(ring, p, s)) {
                    problems.add(new MappedQueue.Problem(ring.dataOffset(p), "record checksum",
                            QueueHeader.hex(crc) + " (CRC32C of the " + length + " bytes of position " + p + ")",
                            QueueHeader.hex((int) (lengthAndCrc >>> 32)) + " (the entry's)"));
                }
                p += cellsFor(length);
            } else if (state == PADDING) {
                long toEnd = ring.cells - ring.index(p);
                if (length != toEnd) {
                    if (stable(ring, p, s)) {
                        problems.add(new MappedQueue.Problem(ring.entryOffset(p) + QueueFormat.E_LENGTH,
                                "padding length", length + " cells", toEnd + " cells, to the end of the ring"));
                    }
                    p++;
                } else {
                    p += length;
                }
            } else if (state == ABANDONED) {
                p++;
            } else if (state == QueueFormat.TAKEN) {
                p += ring.span(p, s); // taken before a restart, passed by consumers (see Durability)
            } else {
                if (stable(ring, p, s)) {
                    problems.add(new MappedQueue.Problem(ring.entryOffset(p), "sequence word state",
                            Integer.toString(state), "1 (committed), 2 (padding), 3 (abandoned) or 4 (taken)"));
                }
                p++;
            }
        }
    }

    /** Whether the cell at {@code p} still holds what was read: the head has not passed it, its word is unchanged. */
    private static boolean stable(Ring ring, long p, long s) {
        return ring.head() <= p && ring.seqAt(p) == s;
    }
}
