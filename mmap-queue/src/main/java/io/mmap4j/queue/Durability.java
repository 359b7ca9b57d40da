package io.mmap4j.queue;

import static io.mmap4j.queue.QueueFormat.ABANDONED;
import static io.mmap4j.queue.QueueFormat.BOOT_ID_BYTES;
import static io.mmap4j.queue.QueueFormat.COMMITTED;
import static io.mmap4j.queue.QueueFormat.E_SEQ;
import static io.mmap4j.queue.QueueFormat.F_BOOT_ID;
import static io.mmap4j.queue.QueueFormat.F_FORCED_TAIL;
import static io.mmap4j.queue.QueueFormat.F_HEAD;
import static io.mmap4j.queue.QueueFormat.F_TAIL;
import static io.mmap4j.queue.QueueFormat.POSITION_MASK;
import static io.mmap4j.queue.QueueFormat.TAKEN;
import static io.mmap4j.queue.QueueFormat.seq;
import static io.mmap4j.queue.QueueFormat.seqPosition;
import static io.mmap4j.queue.QueueFormat.seqState;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * What {@code force()} makes durable, and how the first open after the host restarted finds it
 * again. {@code docs/queue-format.md} ("Durability") is the specification.
 *
 * <p>The head and the tail live on the header page, which every offer and poll dirties. Syncing it
 * on every {@code force()} would write two pages per durable record where a bare {@code fsync}
 * loop writes one, so {@code force()} syncs the ring only, and makes the ring pages tell the truth
 * on their own: a record's header names its position, and {@code force()} first marks every record
 * below the head as <em>taken</em> ({@link Ring#markTaken}), on the page it already dirtied. The
 * header page is synced only once the tail has moved half a ring since it last was (the
 * {@code forced tail} word), so that the head and tail on the disk are never more than half a ring
 * behind what a force made durable: that bounds the scan below.
 *
 * <p>Without a restart of the host, the page cache is the file: a killed process loses nothing and
 * the header's head and tail are exact. Only a restart (a power cut, a kernel crash) can leave on
 * the disk a header older than the ring pages, so the file keeps the host's boot id, and an open
 * that finds another one recovers first, under a file lock, before any process of this boot can use
 * the queue ({@link #recoverIfRestarted}): it walks two rings' worth of positions from the head on
 * the disk, takes the newest header that names its own position as the end of the tail, the oldest
 * committed record not more than a ring before it as the head, and abandons every cell in between
 * that no header names (a claim whose producer the restart killed).
 */
final class Durability {
    private static final VarHandle WORD = QueueFormat.LONG_HANDLE;
    /** Where recovery locks the file: one byte far past its end, so no other lock of the file meets it. */
    private static final long LOCK_AT = Long.MAX_VALUE - 1;
    /** Serialises this JVM's recoveries: a JVM cannot hold two locks on one region of a file. */
    private static final Object JVM_LOCK = new Object();

    private Durability() {
    }

    /**
     * Makes every record offered and every poll made before this call durable (see the class
     * comment): marks the taken records, syncs the header page if the tail moved half a ring since
     * it was last synced, then syncs the ring.
     */
    static void force(Ring ring) {
        long tail = ring.tail(); // records whose offer returned before this call lie below it
        ring.markTaken(ring.head());
        long forced = ring.counter(F_FORCED_TAIL);
        if (tail - forced >= ring.cells / 2) {
            ring.headerPage.force();
            // Only after the sync: a forcer that reads the new value may rely on a header on the disk
            // whose tail is at least this.
            while (forced < tail && !WORD.compareAndSet(ring.file, (long) F_FORCED_TAIL, forced, tail)) {
                forced = ring.counter(F_FORCED_TAIL);
            }
        }
        ring.ringPages.force(); // msync of the ring's range: only its dirty pages, no file metadata
    }

    // ---------------------------------------------------------------------------------------------
    // After a restart

    /** What one recovery found and did: for tests and for the reader of a log. */
    record Recovery(long headBefore, long tailBefore, long head, long tail, long abandoned) {
    }

    /**
     * Recovers the queue if the host restarted since the file was created or last recovered (its
     * boot id is not this host's), under a lock on the file, so that exactly one process recovers and
     * no process of this boot uses the queue before. Returns what it did, or null if nothing was due.
     */
    static Recovery recoverIfRestarted(Ring ring, Path path) throws IOException {
        byte[] boot = bootId();
        if (Arrays.equals(boot, storedBootId(ring.file))) {
            return null;
        }
        synchronized (JVM_LOCK) {
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
                FileLock lock = channel.lock(LOCK_AT, 1, false); // released by the kernel if this process dies
                try {
                    if (Arrays.equals(boot, storedBootId(ring.file))) {
                        return null; // another process recovered while this one waited for the lock
                    }
                    Recovery recovery = recover(ring);
                    MemorySegment.copy(boot, 0, ring.file, JAVA_BYTE, F_BOOT_ID, BOOT_ID_BYTES);
                    return recovery;
                } finally {
                    lock.release();
                }
            }
        }
    }

    /**
     * Rebuilds the head and the tail from the ring pages, no process of this boot using the queue:
     * the header's head {@code H} and tail {@code T} are a consistent pair from some moment (one
     * sector), at most half a ring behind what the last force made durable.
     *
     * <ol>
     * <li>The end: walking positions from {@code H} to {@code T + cells}, by the span of each header
     *     that names its own position and by one cell otherwise, the end of the last such header
     *     (at least {@code T}).</li>
     * <li>The head: from {@code max(H, end - cells)}, the first header naming its own position as a
     *     committed record, passing taken records, padding, abandoned cells and cells no header
     *     names; the end if none.</li>
     * <li>Between the head and the end, every cell that starts no record and that no header names
     *     is a claim the restart killed: abandoned at once.</li>
     * </ol>
     */
    static Recovery recover(Ring ring) {
        long headWord = ring.headWord();
        long headBefore = headWord & POSITION_MASK;
        long tailWord = ring.tailWord();
        long tailBefore = tailWord & POSITION_MASK;
        long cells = ring.cells;
        long end = tailBefore;
        for (long p = headBefore; p < tailBefore + cells; ) {
            long s = ring.seqAt(p);
            if (namesItself(s, p)) {
                long next = p + ring.span(p, s);
                end = Math.max(end, next);
                p = next;
            } else {
                p++;
            }
        }
        long head = Math.max(headBefore, end - cells);
        while (head < end) {
            long s = ring.seqAt(head);
            if (namesItself(s, head)) {
                if (seqState(s) == COMMITTED) {
                    break;
                }
                head += ring.span(head, s);
            } else {
                head++;
            }
        }
        long abandoned = 0;
        for (long p = head; p < end; ) {
            long offset = ring.entryOffset(p) + E_SEQ;
            long raw = (long) WORD.getVolatile(ring.file, offset);
            long s = raw ^ ring.key();
            if (namesItself(s, p)) {
                p += ring.span(p, s);
            } else {
                WORD.compareAndSet(ring.file, offset, raw, seq(p, ABANDONED) ^ ring.key());
                abandoned++;
                p++;
            }
        }
        // The tail first: once the head moves, a producer must already see the recovered tail.
        // Clearing the single producer's and single consumer's marks and the conditional poll's lock
        // too: their processes did not survive the restart.
        WORD.compareAndSet(ring.file, (long) F_TAIL, tailWord, end);
        WORD.compareAndSet(ring.file, (long) F_HEAD, headWord, head);
        return new Recovery(headBefore, tailBefore, head, end, abandoned);
    }

    /** Whether decoded word {@code s} is a header of {@code position} in one of the four states. */
    private static boolean namesItself(long s, long position) {
        int state = seqState(s);
        return seqPosition(s) == position && state >= COMMITTED && state <= TAKEN;
    }

    // ---------------------------------------------------------------------------------------------
    // Boot ids

    /** The 16 bytes of boot id in the header of {@code file}. */
    static byte[] storedBootId(MemorySegment file) {
        return file.asSlice(F_BOOT_ID, BOOT_ID_BYTES).toArray(JAVA_BYTE);
    }

    /**
     * This host's boot id, which changes exactly when the host restarts: Linux's
     * {@code /proc/sys/kernel/random/boot_id} (a UUID, as its 16 bytes); elsewhere the start time of
     * process 1, in milliseconds, in the first 8 bytes (little-endian); 16 zero bytes if neither is
     * known, in which case recovery never runs (see the format page).
     */
    static byte[] bootId() {
        return BOOT_ID.clone();
    }

    private static final byte[] BOOT_ID = readBootId();

    private static byte[] readBootId() {
        byte[] id = new byte[BOOT_ID_BYTES];
        try {
            String uuid = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim().replace("-", "");
            byte[] parsed = HexFormat.of().parseHex(uuid);
            if (parsed.length == BOOT_ID_BYTES) {
                return parsed;
            }
        } catch (IOException | IllegalArgumentException | SecurityException notLinux) {
            // fall back on process 1's start time
        }
        long millis = ProcessHandle.of(1).flatMap(p -> p.info().startInstant()).map(i -> i.toEpochMilli()).orElse(0L);
        for (int i = 0; i < 8; i++) {
            id[i] = (byte) (millis >>> (8 * i));
        }
        return id;
    }
}
