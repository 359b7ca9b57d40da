package io.mmap4j.queue;

import static io.mmap4j.queue.QueueFormat.ABANDONED;
import static io.mmap4j.queue.QueueFormat.CELL_BYTES;
import static io.mmap4j.queue.QueueFormat.COMMITTED;
import static io.mmap4j.queue.QueueFormat.DATA_OFFSET;
import static io.mmap4j.queue.QueueFormat.E_LENGTH;
import static io.mmap4j.queue.QueueFormat.E_SEQ;
import static io.mmap4j.queue.QueueFormat.F_ABANDONED;
import static io.mmap4j.queue.QueueFormat.F_CORRUPT;
import static io.mmap4j.queue.QueueFormat.F_HEAD;
import static io.mmap4j.queue.QueueFormat.F_HOLDER;
import static io.mmap4j.queue.QueueFormat.F_MARKED;
import static io.mmap4j.queue.QueueFormat.F_TAIL;
import static io.mmap4j.queue.QueueFormat.HEAD_LOCKED;
import static io.mmap4j.queue.QueueFormat.HEAD_SINGLE;
import static io.mmap4j.queue.QueueFormat.LONG;
import static io.mmap4j.queue.QueueFormat.PADDING;
import static io.mmap4j.queue.QueueFormat.POSITION_MASK;
import static io.mmap4j.queue.QueueFormat.TAIL_SINGLE;
import static io.mmap4j.queue.QueueFormat.TAKEN;
import static io.mmap4j.queue.QueueFormat.HEADER_BYTES;
import static io.mmap4j.queue.QueueFormat.cellsFor;
import static io.mmap4j.queue.QueueFormat.seq;
import static io.mmap4j.queue.QueueFormat.seqPosition;
import static io.mmap4j.queue.QueueFormat.seqState;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The queue's protocol on the mapped file: claiming, committing, taking and unblocking, with the
 * memory order of every step. {@code docs/queue-format.md} ("Protocol") is the specification; the
 * comments here say why each step is as it is.
 *
 * <p>Positions count 16-byte cells from the queue's creation and never wrap (64-bit); a position's
 * cell is {@code position mod cells}. The head word holds the position of the oldest record, the
 * tail word the first position no producer has claimed. A record's header sits in its first cell,
 * its bytes right after, so that a hand-off moves the fewest cache lines and dirties the fewest
 * pages. The header's sequence word is XORed with the file's random key, so that what a cell held
 * before (a record's bytes, zeros) reads as a header naming the cell's current position only by a
 * chance of about 2^-61: a word that does not name exactly the position asked about is
 * <em>unpublished</em> (free, or claimed and still being written), one that does tells its state.
 * Publishing and abandoning a claim are both compare-and-sets from the unpublished value, so
 * exactly one of them wins: this is what makes unblocking a dead producer's claim exact.
 *
 * <h2>Why a record never changes while it is in the queue</h2>
 * A consumer that took a record (its head compare-and-set succeeded) must have read exactly what its
 * producer wrote. The argument, step by step (the happens-before edges are Java's and C11's):
 * <ol>
 * <li>The producer writes the record's bytes, then its length and checksum, then publishes its
 *     sequence word with a release store (or a compare-and-set, which is also a release). A
 *     consumer reads that word with acquire, so every write of the producer to the record happens
 *     before the consumer's reads of it.</li>
 * <li>The consumer's reads happen before its head compare-and-set (volatile), or before the single
 *     consumer's release store of the head. A producer writes a cell of position {@code x + cells}
 *     only after a volatile read of the head that returned more than {@code x} (its claim must fit),
 *     that is, after the compare-and-set or store that moved the head past {@code x}; so no producer
 *     of a later lap writes into the record while a consumer can still take it.</li>
 * <li>Two other writers touch cells that are not theirs, both by compare-and-set of a cell's first
 *     word: {@code force()}'s mark ({@link #markTaken}), only from a word that reads as a committed
 *     header of an older position {@code p} below the head, and a consumer's abandon
 *     ({@link #unblockOrWait}), only at the head cell, from a word that read as unpublished there.
 *     A record's header cell names the record's own position once published, so neither matches it
 *     then; before, the producer's publish overwrites a mark (release store) or retries over it
 *     (compare-and-set). Each cell of a record's bytes has its first word written whole by the
 *     producer before the publish (the last cell, if it holds fewer than 8 of the record's bytes,
 *     gets zeros first: see {@link #offer}), so once the record is visible no such word is left from
 *     before; a mark that read the old word either comes before the producer's write in that word's
 *     order (and is overwritten) or fails. Record bytes that happen to spell the one header the
 *     cell could be marked as come with the format's chance of about 2^-61 (the key is random).</li>
 * <li>What remains is the documented limit of unblocking: a producer stopped for the whole unblock
 *     timeout between claiming and publishing has its claim abandoned, and its late writes may land
 *     in a later lap's record, which then fails its checksum and is skipped, never delivered.</li>
 * </ol>
 * A record whose last cell kept an old header under its last 1 to 7 bytes was, until that cell's
 * first word was written whole, marked by a racing {@code force()} about once in 256 such records
 * whose bytes matched (the checksum failure {@code QueueRaceTest} reproduces).
 *
 * <p>A handle's fields other than the final ones are caches and bookkeeping for this process:
 * racing threads of one handle may see each other's values late, which costs at most a retry.
 */
final class Ring {
    private static final VarHandle WORD = QueueFormat.LONG_HANDLE;
    private static final long PID = ProcessHandle.current().pid();

    final MemorySegment file;
    /** The header page and the ring, apart: {@code force()} syncs the ring every time, the header page rarely. */
    final MemorySegment headerPage;
    final MemorySegment ringPages;
    final Path path;
    final long cells;
    /** XORed into every sequence word; see the class comment. */
    private final long key;
    final long maxRecordBytes;
    final long unblockNanos;
    private final long indexMask;

    /**
     * This handle's racy bookkeeping, plain on purpose, in one array so that each word sits on a
     * cache line of its own, 128 bytes (two lines, for the adjacent-line prefetcher) from the
     * other words and from the array's ends: a producer's and a consumer's writes here never
     * evict the line of this object's final fields, which every offer and poll reads, nor each
     * other's line. Racing threads of one handle may see each other's values late, which costs
     * at most a retry.
     *
     * <ul>
     * <li>{@link #HEAD_CACHE}: the head as a producer of this handle last read it; a producer
     *     compares its claim with it and reads the head word only when the claim seems not to fit.
     *     The head only grows, so any value once read is a safe lower bound.</li>
     * <li>{@link #STALE_HEAD} and {@link #STALE_LOOKS}: the stale head a consumer of this handle
     *     last saw, and how many times in a row: the clock and the tail are read only once a head
     *     has stayed stale for {@link #STALE_BEFORE_CLOCK} looks, so that a consumer meeting records
     *     still being written (the usual case of a busy queue) touches neither the producers' tail
     *     line nor the clock. Racing threads can only delay the start of the unblock timer.</li>
     * <li>{@link #FULL_HEAD} and {@link #FULL_LOOKS}: the head a producer of this handle last found
     *     the queue full at, and how many times in a row (see {@link #fullLook}). Racing threads can
     *     only move a yield by a few looks.</li>
     * </ul>
     */
    private final long[] local = new long[LOCAL_WORDS];
    private static final int HEAD_CACHE = 16;
    private static final int STALE_HEAD = 32;
    private static final int STALE_LOOKS = 33;
    private static final int FULL_HEAD = 48;
    private static final int FULL_LOOKS = 49;
    private static final int LOCAL_WORDS = 66;
    private static final int STALE_BEFORE_CLOCK = 64; // a power of two
    private static final int FULL_BEFORE_YIELD = 64; // a power of two
    /**
     * {@link QueueFormat#TAIL_SINGLE} if this handle is the queue's single producer (it claims with an
     * ordered store), else 0 (a compare-and-set); the tail word's mark must read the same, or the
     * offer is another mode's. Set once, before the handle is published.
     */
    private long producerMode;
    /**
     * {@link QueueFormat#HEAD_SINGLE} if this handle is the queue's single consumer (it takes with an
     * ordered store of the head), else 0 (a compare-and-set); the head word's mark must read the same,
     * or the poll is another mode's. Set once, before the handle is published.
     */
    private long consumerMode;
    /** Where this handle saw the head stuck, since when, and the tail then; null when not stuck. */
    private volatile Stuck stuck;

    /**
     * The head was stuck at {@code head} from {@code since}; every claim below {@code tailThen}
     * existed then. {@code sweeping} once this handle has moved the abandon epoch for it.
     */
    private record Stuck(long head, long since, long tailThen, boolean sweeping) {
        Stuck(long head, long since, long tailThen) {
            this(head, since, tailThen, false);
        }
    }

    Ring(MemorySegment file, Path path, QueueHeader header) {
        this.file = file;
        this.headerPage = file.asSlice(0, DATA_OFFSET);
        this.ringPages = file.asSlice(DATA_OFFSET, header.cells() * CELL_BYTES);
        this.path = path;
        this.cells = header.cells();
        this.key = header.seqKey();
        this.unblockNanos = header.unblockNanos();
        this.maxRecordBytes = QueueFormat.maxRecordBytes(cells);
        this.indexMask = Long.bitCount(cells) == 1 ? cells - 1 : -1;
        local[STALE_HEAD] = -1;
    }

    long key() {
        return key;
    }

    /** Makes this handle claim as the queue's single producer; see {@link SingleRole}. */
    void claimAlone() {
        producerMode = TAIL_SINGLE;
    }

    /** Makes this handle take as the queue's single consumer; see {@link SingleRole}. */
    void takeAlone() {
        consumerMode = HEAD_SINGLE;
    }

    /** This handle plays {@code role} alone, yet another handle cleared the role's mark. */
    private IllegalStateException markCleared(SingleRole.Role role) {
        return new IllegalStateException("the single " + role.noun + "'s mark on " + path + " was cleared: was the"
                + " file's lock dropped (another channel of this file closed in this process)?");
    }

    // ---------------------------------------------------------------------------------------------
    // Arithmetic

    long index(long position) {
        return indexMask >= 0 ? position & indexMask : position % cells;
    }

    /** Where the header of the record at {@code position} starts. */
    long entryOffset(long position) {
        return DATA_OFFSET + index(position) * CELL_BYTES;
    }

    /** Where the bytes of the record at {@code position} start: right after its header. */
    long dataOffset(long position) {
        return entryOffset(position) + HEADER_BYTES;
    }

    /** The sequence word of the cell of {@code position}, decoded (XORed with the key). */
    long seqAt(long position) {
        // Acquire: the header's length, checksum and the record's bytes, written before the
        // compare-and-set that published this value, are visible to the reads that follow.
        return (long) WORD.getAcquire(file, entryOffset(position) + E_SEQ) ^ key;
    }

    /** The header's length (low 32 bits) and checksum (high 32 bits), one plain read. */
    long lengthAndCrc(long position) {
        return file.get(LONG, entryOffset(position) + E_LENGTH);
    }

    /** The head position (the head word without the conditional poll's lock and the single consumer's mark). */
    long head() {
        return (long) WORD.getVolatile(file, (long) F_HEAD) & POSITION_MASK;
    }

    long headWord() {
        return (long) WORD.getVolatile(file, (long) F_HEAD);
    }

    /** The tail position (the tail word without the single producer's mark). */
    long tail() {
        return (long) WORD.getVolatile(file, (long) F_TAIL) & POSITION_MASK;
    }

    /** The tail word: the tail position, and bit 62 while a single producer holds the queue. */
    long tailWord() {
        return (long) WORD.getVolatile(file, (long) F_TAIL);
    }

    long counter(int offset) {
        return (long) WORD.getVolatile(file, (long) offset);
    }

    /** Whether a committed record's length is one the format allows at that position. */
    boolean lengthFits(long position, long length) {
        return length >= 0 && length <= maxRecordBytes && index(position) + cellsFor(length) <= cells;
    }

    /**
     * The cells covered by the header at {@code position}, whose decoded sequence word {@code s}
     * names that position: a record's (committed or taken), a padding's, one for an abandoned cell,
     * and one for a header that is damaged (a length out of range, an unknown state), whose cells a
     * walk then passes one at a time.
     */
    long span(long position, long s) {
        int state = seqState(s);
        long length = (int) lengthAndCrc(position);
        if ((state == COMMITTED || state == TAKEN) && lengthFits(position, length)) {
            return cellsFor(length);
        }
        if (state == PADDING && length == cells - index(position)) {
            return length;
        }
        return 1;
    }

    // ---------------------------------------------------------------------------------------------
    // Producing

    /**
     * Appends a record: {@code length} bytes from {@code array} if it is not null, else from
     * {@code segment} at {@code offset}. Returns false, having changed nothing, when it does not fit.
     *
     * <p>The publish is one release store of the header's sequence word, not a compare-and-set,
     * whenever no consumer began abandoning claims between this claim and its publish: consumers
     * count every abandon sweep in the abandon epoch (the {@code abandoned claims} word) before its
     * first compare-and-set, and a claim can be abandoned only by a sweep that began after it was
     * made. So a producer that reads the same epoch before claiming and after writing its record
     * knows its claim stands, and publishes with a plain store that a consumer reads with acquire.
     * Otherwise it publishes with a compare-and-set from the value the cell held, which fails if
     * its claim was abandoned (see {@link #publish}). The only window this leaves is between the
     * second read of the epoch and the store, two instructions: a producer stopped there for the
     * whole unblock timeout could publish into a cell a consumer has passed, and its record is lost.
     */
    boolean offer(byte[] array, MemorySegment segment, long offset, int length) {
        long need = cellsFor(length);
        long checksum = -1; // computed once the record first seems to fit: retrying a full queue costs no CRC
        while (true) {
            // Acquire, before the claim's compare-and-set (a full fence): read before the claim exists.
            long epoch = (long) WORD.getAcquire(file, (long) F_ABANDONED);
            long mode = producerMode;
            // A single producer's own last store (no other process writes the tail meanwhile): opaque.
            long tailWord = mode != 0 ? (long) WORD.getOpaque(file, (long) F_TAIL) : tailWord();
            long tail = tailWord & POSITION_MASK;
            if ((tailWord ^ tail) != mode) {
                if (mode != 0) {
                    throw markCleared(SingleRole.Role.PRODUCER);
                }
                SingleRole.check(SingleRole.Role.PRODUCER, this); // throws if a single producer holds the queue
                continue;
            }
            long index = index(tail);
            long padding = index + need > cells ? cells - index : 0; // a record never wraps around the end
            long end = tail + padding + need;
            long[] local = this.local;
            if (end - local[HEAD_CACHE] > cells) {
                long head = head();
                if (end - head > cells) {
                    fullLook(head);
                    return false;
                }
                local[HEAD_CACHE] = head;
            }
            if (checksum < 0) {
                checksum = Integer.toUnsignedLong(array != null ? crc(array, length) : crc(segment, offset, length));
            }
            // The claim: the cells [tail, end) are ours alone once it is made. With other producers, a
            // compare-and-set (volatile, a full fence: no write of ours to those cells can move before
            // it). A single producer has none to exclude: an ordered store (a plain store on x86-64),
            // which the publishing release store below orders before the record becomes visible,
            // so that no consumer sees a record at or past the tail. Its writes to the cells may
            // become visible before it: consumers take cells at or past the tail for free ones.
            if (mode != 0) {
                WORD.setRelease(file, (long) F_TAIL, end | mode);
            } else if (!WORD.compareAndSet(file, (long) F_TAIL, tailWord, end)) {
                continue;
            }
            long position = tail + padding;
            long target = dataOffset(position);
            int lastCellBytes = length & (CELL_BYTES - 1);
            if (lastCellBytes != 0 && lastCellBytes < Long.BYTES) {
                // The last cell would keep bytes of what it held before in its first word, which can
                // then still read as the header of the lap before, and force() would mark it (see
                // markTaken): its first word is written whole, the record's bytes over the zeros.
                file.set(LONG, target + (length - lastCellBytes), 0L);
            }
            if (array != null) {
                MemorySegment.copy(array, 0, file, JAVA_BYTE, target, length);
            } else {
                MemorySegment.copy(segment, offset, file, target, length);
            }
            // Acquire: the headers written below cannot move before this read.
            if ((long) WORD.getAcquire(file, (long) F_ABANDONED) == epoch) {
                if (padding > 0) {
                    publishOrdered(tail, padding, 0, PADDING);
                }
                publishOrdered(position, length, checksum, COMMITTED);
                return true;
            }
            if (padding > 0 && !publish(tail, padding, 0, PADDING)) {
                continue; // a consumer took our claim for dead and abandoned it; claim anew
            }
            if (publish(position, length, checksum, COMMITTED)) {
                return true;
            }
        }
    }

    /**
     * A producer found the queue full with the head at {@code head}. If it has found the head there
     * {@value #FULL_BEFORE_YIELD} times in a row, no consumer has taken a record for a few
     * microseconds, though a running one takes one every few hundred nanoseconds: the consumers
     * are most likely off the processor. When threads outnumber cores that lasts a whole time slice,
     * which producers spinning on the full queue would otherwise spend for nothing, so this one
     * offers its processor to them ({@link Thread#yield()}, a system call of about a microsecond
     * when nothing else is runnable). It writes this handle's own line only, never the file.
     */
    private void fullLook(long head) {
        long[] local = this.local;
        if (local[FULL_HEAD] != head) {
            local[FULL_HEAD] = head;
            local[FULL_LOOKS] = 0;
        } else if ((++local[FULL_LOOKS] & (FULL_BEFORE_YIELD - 1)) == 0) {
            Thread.yield();
        }
    }

    /**
     * Writes the header of a claimed position that no consumer can have abandoned and publishes it
     * with a release store of its sequence word: the length, checksum and record's bytes written
     * before it are visible to whoever reads the new value with acquire.
     */
    private void publishOrdered(long position, long length, long checksum, int state) {
        long entry = entryOffset(position);
        file.set(LONG, entry + E_LENGTH, checksum << 32 | length);
        WORD.setRelease(file, entry + E_SEQ, seq(position, state) ^ key);
    }

    /**
     * Writes the header of a claimed position and publishes it with one compare-and-set of its
     * sequence word from the stale value to {@code state}. The compare-and-set is volatile, so the
     * entry and the record's bytes written before it are visible to whoever reads the new value
     * with acquire. It fails only if a consumer abandoned the claim meanwhile (see
     * {@link #unblockOrWait}); the caller then claims anew, so a slow producer's record is still
     * delivered once.
     */
    boolean publish(long position, long length, long checksum, int state) {
        long entry = entryOffset(position);
        long raw = (long) WORD.getAcquire(file, entry + E_SEQ);
        if (namesThisOrLater(raw ^ key, position)) {
            return false; // abandoned, or abandoned and the ring came round to this cell again
        }
        // Once, before the first compare-and-set: a retry after a force() marked the lap before
        // finds these words as they were, and writing them again would only widen the window in
        // which a claim abandoned meanwhile writes into a cell that is no longer its own.
        file.set(LONG, entry + E_LENGTH, checksum << 32 | length);
        while (!WORD.compareAndSet(file, entry + E_SEQ, raw, seq(position, state) ^ key)) {
            // The word changed: a consumer abandoned the claim (this look says so), or a force()
            // marked the record this cell held a lap ago as taken (publish over the mark).
            raw = (long) WORD.getAcquire(file, entry + E_SEQ);
            if (namesThisOrLater(raw ^ key, position)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a decoded sequence word is a well-formed one of this cell naming {@code position} or
     * a later position below the tail: only a consumer's abandonment (or a producer of a later lap,
     * once the head has passed this claim) writes such a word while {@code position} is claimed.
     * The tail, read only for a word that looks like one, bounds the position so tightly that what
     * the cell held before (a record's bytes) passes only by a chance of about 2^-61.
     */
    private boolean namesThisOrLater(long s, long position) {
        long named = seqPosition(s);
        int state = seqState(s);
        return named >= position && index(named) == index(position) && state >= COMMITTED && state <= TAKEN
                && named < tail();
    }

    // ---------------------------------------------------------------------------------------------
    // Consuming

    /**
     * The position of the committed record at the head, after skipping padding and abandoned
     * cells and unblocking claims older than the unblock timeout; -1 when no record is ready (the
     * queue is empty, the head record is being written, or a conditional poll holds it and the
     * caller is {@code taking} it). Throws {@link UncheckedIOException} for a damaged cell at the
     * head, after skipping it.
     *
     * <p>While a single consumer holds the queue, only it moves the head: another handle taking is
     * refused ({@link IllegalStateException}), and one only looking walks to the first record
     * without writing.
     */
    long readyHead(boolean taking) {
        while (true) {
            long word = headWord();
            long head = word & POSITION_MASK;
            if ((word ^ head) != consumerMode) { // one test on the usual path: neither lock nor another mode
                if ((word & HEAD_SINGLE) != consumerMode) {
                    if (consumerMode != 0) {
                        throw markCleared(SingleRole.Role.CONSUMER);
                    }
                    if (!taking) {
                        return nextCommitted(head, false);
                    }
                    SingleRole.check(SingleRole.Role.CONSUMER, this); // throws if a single consumer holds the queue
                    continue;
                }
                if (taking) { // held by a conditional poll
                    if (!rescueLockedHead(word)) {
                        return -1;
                    }
                    continue;
                }
            }
            long s = seqAt(head);
            long named = seqPosition(s);
            if (named == head) {
                int state = seqState(s);
                if (state == COMMITTED) {
                    long length = (int) lengthAndCrc(head);
                    if (lengthFits(head, length)) {
                        return head;
                    }
                    skipDamaged(head, s, "record length", length + " bytes", "0 to " + maxRecordBytes
                            + " bytes, ending at or before the end of the ring");
                } else if (state == PADDING) {
                    long padding = (int) lengthAndCrc(head);
                    if (padding == cells - index(head)) {
                        casHead(head, head + padding);
                    } else {
                        skipDamaged(head, s, "padding length", padding + " cells", (cells - index(head))
                                + " cells, to the end of the ring");
                    }
                } else if (state == ABANDONED) {
                    casHead(head, head + 1);
                } else if (state == TAKEN && lengthFits(head, (int) lengthAndCrc(head))) {
                    // Only force() writes this, below the head; found at the head it is a record a
                    // consumer took before the host restarted (see Durability): passed, not delivered.
                    casHead(head, head + cellsFor((int) lengthAndCrc(head)));
                } else {
                    skipDamaged(head, s, "sequence word state", Integer.toString(state), "1, 2, 3 or 4");
                }
            } else if (named > head && head() != head) {
                continue; // the head moved on and the cell was claimed again: look again
            } else if (!unblockOrWait(head, s)) {
                return -1;
            }
        }
    }

    /**
     * The head cell is stale: empty queue, a record being written, or a claim whose producer died.
     * Returns true if it abandoned the cell (the caller looks again), false if the caller should
     * report that nothing is ready.
     *
     * <p>The rule: a claim is abandoned when this handle has seen the head stuck on it for the
     * unblock timeout (counted from its {@value #STALE_BEFORE_CLOCK}th look). Every cell below the tail as it was when the wait began was claimed before
     * the wait began, so once the timeout has passed they are all abandoned in one sweep, cell by
     * cell, each with a compare-and-set from the stale value that a late producer's publish would
     * also need; exactly one of the two wins.
     */
    private boolean unblockOrWait(long head, long stale) {
        long[] local = this.local;
        if (local[STALE_HEAD] != head) {
            local[STALE_HEAD] = head;
            local[STALE_LOOKS] = 0;
        }
        if ((++local[STALE_LOOKS] & (STALE_BEFORE_CLOCK - 1)) != 0) {
            // Empty, or a record being written: nothing ready either way. Only every 64th look
            // reads the tail and the clock, so that a consumer spinning on an empty queue does not
            // pull the tail's line from the producers on every poll.
            return false;
        }
        long tail = tail();
        if (tail == head) {
            return false; // empty
        }
        long now = System.nanoTime();
        Stuck s = stuck;
        if (s == null || head < s.head || head >= s.tailThen) {
            stuck = new Stuck(head, now, tail);
            return false;
        }
        if (now - s.since < unblockNanos) {
            return false;
        }
        if (!s.sweeping) {
            // This handle's sweep begins: the abandon epoch moves first (volatile), before any cell is
            // abandoned, so that every producer whose claim the sweep may abandon (all were made
            // before it began) sees it moved before publishing, and publishes by compare-and-set.
            WORD.getAndAdd(file, (long) F_ABANDONED, 1L);
            stuck = new Stuck(s.head, s.since, s.tailThen, true);
        }
        // Only the winner of the cell moves the head past it: a failed compare-and-set means a producer
        // published there (a record the head must not pass), another consumer abandoned it, or a
        // force() marked what it held a lap ago; the caller looks at the cell again either way.
        // The head read again just before: the stale value could recur in the cell only once the head
        // has passed it and a producer of a later lap writes the same bytes there, which this makes
        // need that to happen within the few instructions up to the compare-and-set.
        if (head() == head
                && WORD.compareAndSet(file, entryOffset(head) + E_SEQ, stale ^ key, seq(head, ABANDONED) ^ key)) {
            casHead(head, head + 1);
        }
        return true;
    }

    /**
     * The head is locked by a conditional poll. Returns true if it unlocked a dead holder's lock
     * (the record stays, for another consumer), false if the holder is alive or its time is not up.
     */
    private boolean rescueLockedHead(long word) {
        long head = word & POSITION_MASK;
        long now = System.nanoTime();
        Stuck s = stuck;
        if (s == null || s.head != head || s.tailThen != head + 1) {
            stuck = new Stuck(head, now, head + 1);
            return false;
        }
        if (now - s.since < unblockNanos) {
            return false;
        }
        long holder = (long) WORD.getVolatile(file, (long) F_HOLDER);
        boolean named = (int) holder == (int) head;
        if (named && isAlive(holder >>> 32)) {
            stuck = new Stuck(head, now, head + 1); // a live holder's function is slow: wait on
            return false;
        }
        // The holder died (or died before naming itself): unlock, keeping a single consumer's mark;
        // the record was never removed.
        return WORD.compareAndSet(file, (long) F_HEAD, word, word & ~HEAD_LOCKED);
    }

    private static boolean isAlive(long pid) {
        return pid == PID || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * Advances the head from {@code head} to {@code next}, keeping this handle's single consumer's
     * mark; false if the head moved. Volatile: the caller's reads of the cells it passes complete
     * before a producer can claim them again.
     */
    boolean casHead(long head, long next) {
        return WORD.compareAndSet(file, (long) F_HEAD, head | consumerMode, next | consumerMode);
    }

    /**
     * Advances the head past the record at {@code head}, which the caller read, as a poll takes it;
     * false if another consumer took it first. The single consumer stores the head with release,
     * what a one-to-one ring buffer does: no other handle moves a marked head, and another thread of
     * this handle moves it only past a cell that is not a committed record (padding, an abandoned or
     * damaged cell), which the head at a committed record is not. Release, like the compare-and-set:
     * the caller's reads of the record complete before a producer, reading the head with acquire,
     * can claim its cells again.
     */
    boolean takeHead(long head, long next) {
        if (consumerMode != 0) {
            WORD.setRelease(file, (long) F_HEAD, next | HEAD_SINGLE);
            return true;
        }
        return casHead(head, next);
    }

    /** Locks the head for a conditional poll and names the holder; false if the head moved. */
    boolean lockHead(long head) {
        if (!WORD.compareAndSet(file, (long) F_HEAD, head | consumerMode, head | consumerMode | HEAD_LOCKED)) {
            return false;
        }
        WORD.setRelease(file, (long) F_HOLDER, PID << 32 | (head & 0xFFFF_FFFFL));
        return true;
    }

    /**
     * Unlocks the head, advancing it to {@code next}; false if another consumer took the lock back. A
     * single consumer that opened while the lock was held marked the head meanwhile (it waits for
     * the lock like any consumer): the mark stays.
     */
    boolean unlockHead(long head, long next) {
        while (true) {
            long word = headWord();
            if ((word & ~HEAD_SINGLE) != (head | HEAD_LOCKED)) {
                return false;
            }
            if (WORD.compareAndSet(file, (long) F_HEAD, word, next | (word & HEAD_SINGLE))) {
                return true;
            }
        }
    }

    /**
     * A damaged cell at the head: if the head and the cell still read the same (so it is no race
     * with a writer), skip the one cell, count it, and throw. A record whose length is damaged
     * leaves its other cells stale; they are unblocked like an abandoned claim.
     */
    private void skipDamaged(long head, long s, String field, String found, String expected) {
        if (head() != head || seqAt(head) != s) {
            return; // the head moved meanwhile: look again
        }
        if (casHead(head, head + 1)) {
            WORD.getAndAdd(file, (long) F_CORRUPT, 1L);
            throw corrupt(head, field, found, expected);
        }
    }

    /** Counts a record whose checksum failed after it was taken and returns the exception to throw. */
    UncheckedIOException corruptRecord(long position, long expectedCrc, long foundCrc) {
        WORD.getAndAdd(file, (long) F_CORRUPT, 1L);
        return checksumMismatch(position, expectedCrc, foundCrc);
    }

    UncheckedIOException checksumMismatch(long position, long expectedCrc, long foundCrc) {
        return new UncheckedIOException(new CorruptQueueException(path, dataOffset(position), "record checksum",
                QueueHeader.hex((int) foundCrc) + " (CRC32C of the record at position " + position + ")",
                QueueHeader.hex((int) expectedCrc) + " (the entry's)"));
    }

    UncheckedIOException corrupt(long position, String field, String found, String expected) {
        return new UncheckedIOException(new CorruptQueueException(path, entryOffset(position), field, found,
                expected + " (cell of position " + position + ")"));
    }

    // ---------------------------------------------------------------------------------------------
    // Walking without removing

    /**
     * The next committed record's position at or after {@code from} and below the tail, or -1. Skips
     * padding, abandoned and taken records, and, if {@code passClaims}, stale cells (claims being
     * written, or dead), else stops there with -1, as a consumer would; a stale cell is skipped
     * alone, which is exact, since no cell inside a committed record ever names its own position.
     */
    long nextCommitted(long from, boolean passClaims) {
        long p = Math.max(from, head());
        long tail = tail();
        while (p < tail) {
            long s = seqAt(p);
            long named = seqPosition(s);
            if (named == p) {
                int state = seqState(s);
                long length = (int) lengthAndCrc(p);
                if (state == COMMITTED && lengthFits(p, length)) {
                    return p;
                }
                p += span(p, s);
            } else if (named > p) {
                p = Math.max(p + 1, head()); // consumed and claimed again: the head has passed p
            } else if (passClaims) {
                p++;
            } else {
                return -1;
            }
        }
        return -1;
    }

    /** The last committed record's position below {@code before} and at or after the head, or -1. */
    long previousCommitted(long before) {
        long head = head();
        for (long p = Math.min(before, tail()) - 1; p >= head; p--) {
            long s = seqAt(p);
            if (seqPosition(s) == p && seqState(s) == COMMITTED && lengthFits(p, (int) lengthAndCrc(p))) {
                return p;
            }
        }
        return -1;
    }

    /** Committed records between the head and the tail, counted by one walk. */
    long countCommitted() {
        long count = 0;
        for (long p = nextCommitted(0, true); p >= 0; p = nextCommitted(p + cellsFor((int) lengthAndCrc(p)), true)) {
            count++;
        }
        return count;
    }

    // ---------------------------------------------------------------------------------------------
    // Marking for force()

    /**
     * Marks every committed record below {@code head} as taken, from where the last marking ended
     * (the {@code marked} word) or one ring below the head, whichever is later; then moves the
     * {@code marked} word up to {@code head}. The records a consumer took thus say so on their own
     * page, which {@code force()} syncs, so that after a power cut the ring pages alone tell which
     * records were taken (see {@link Durability}).
     *
     * <p>Each mark is a compare-and-set from the committed word to the taken one: it fails, harmlessly,
     * where a producer has meanwhile published a record of the next lap in the cell, and a producer
     * publishing by compare-and-set over a mark looks again and publishes (see {@link #publish}).
     * Positions below {@code head - cells} need no mark: their cells hold later positions, and
     * recovery never looks a ring below the newest header it finds.
     */
    void markTaken(long head) {
        long marked = counter(F_MARKED);
        long p = Math.max(marked, head - cells);
        for (; p < head; p++) {
            // Cell by cell, never by a record's length: below the head a producer may be writing the
            // next lap's length into a cell whose old header still reads committed, and a jump by
            // that length could pass records that need their mark. A cell of a record's bytes never
            // names its own position, so only headers are marked.
            long offset = entryOffset(p) + E_SEQ;
            long raw = (long) WORD.getAcquire(file, offset);
            long s = raw ^ key;
            if (seqPosition(s) == p && seqState(s) == COMMITTED) {
                WORD.compareAndSet(file, offset, raw, seq(p, TAKEN) ^ key);
            }
        }
        while (marked < head && !WORD.compareAndSet(file, (long) F_MARKED, marked, head)) {
            marked = counter(F_MARKED);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Checksums

    static int crc(byte[] array, int length) {
        CRC32C crc = new CRC32C();
        crc.update(array, 0, length);
        return (int) crc.getValue();
    }

    static int crc(MemorySegment segment, long offset, long length) {
        CRC32C crc = new CRC32C();
        crc.update(segment.asSlice(offset, length).asByteBuffer()); // direct or heap: both without a copy
        return (int) crc.getValue();
    }
}
