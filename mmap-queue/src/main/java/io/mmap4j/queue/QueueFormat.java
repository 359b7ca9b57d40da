package io.mmap4j.queue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The constants of the queue file, version 3, and the arithmetic every reader of it repeats:
 * where a record's header and bytes are, how a sequence word encodes a position and a state, how
 * many cells a record takes. {@code docs/queue-format.md} is the specification; the names here are
 * its names.
 */
final class QueueFormat {
    /** ASCII {@code MMAP4JQU}, read as a little-endian long. */
    static final long MAGIC = 0x55514A3450414D4DL;
    static final int VERSION = 3;
    static final int PAGE = 4096;
    /** Bytes per cell; a record takes one or more whole, consecutive cells, its header the first. */
    static final int CELL_BYTES = 16;
    static final int CELL_SHIFT = 4;
    /**
     * Bytes of a record's header, at the start of its first cell: the sequence word, then the
     * record's length and checksum. The record's bytes follow it, so that a record and its header
     * share cache lines and pages (version 1 kept the headers in a table of their own).
     */
    static final int HEADER_BYTES = 16;
    /** The ring starts after the header page. */
    static final long DATA_OFFSET = PAGE;
    /** The fewest cells: 128 bytes, so that a record of a few bytes always fits (see {@link #maxRecordCells}). */
    static final long MIN_CELLS = 8;
    /** The most cells: 64 TiB, which keeps every offset and position far from overflow. */
    static final long MAX_CELLS = 1L << 42;

    // Header fields (byte offsets in the file). Those before HEADER_CRC are written once, at creation.
    static final int F_MAGIC = 0;
    static final int F_VERSION = 8;
    static final int F_CELL_BYTES = 12;
    static final int F_CELLS = 16;
    static final int F_UNBLOCK_NANOS = 24;
    static final int F_DATA_OFFSET = 32;
    static final int F_FILE_SIZE = 40;
    /** The random key every sequence word is XORed with (see {@link Ring#seqAt}). */
    static final int F_SEQ_KEY = 48;
    static final int F_HEADER_CRC = 56;
    /** The bytes the header checksum covers: 0 up to the checksum. */
    static final int HEADER_CRC_COVERS = F_HEADER_CRC;
    // The live words, each on its own 128-byte line so that producers and consumers do not share one.
    static final int F_HEAD = 128;
    static final int F_HOLDER = 136;
    /** The process id of the single consumer that last held the queue (see {@link SingleRole}). */
    static final int F_CONSUMER = 144;
    static final int F_TAIL = 256;
    /** The process id of the single producer that last held the queue (see {@link SingleRole}). */
    static final int F_PRODUCER = 264;
    static final int F_ABANDONED = 384;
    static final int F_CORRUPT = 392;
    // force()'s words, on a 64-byte line apart from the abandon epoch that every offer reads, in
    // the same 512-byte sector as the head and the tail (see Durability).
    /** The tail when a {@code force()} last forced the header page (see {@link Durability}). */
    static final int F_FORCED_TAIL = 448;
    /** Every record below this position has been marked taken by a {@code force()}: where the next one starts. */
    static final int F_MARKED = 456;
    /** The host's boot id when the file was created or last recovered: 16 bytes (see {@link Durability}). */
    static final int F_BOOT_ID = 464;
    static final int BOOT_ID_BYTES = 16;

    // Record header fields, from the start of the record's first cell.
    static final int E_SEQ = 0;
    static final int E_LENGTH = 8;
    static final int E_CRC = 12;

    // States, the low three bits of a sequence word whose position is the cell's current one.
    static final int COMMITTED = 1;
    static final int PADDING = 2;
    static final int ABANDONED = 3;
    /** A consumed record, marked so by {@code force()} below the head so that the ring pages alone tell it was taken. */
    static final int TAKEN = 4;
    static final int STATE_BITS = 3;
    static final long STATE_MASK = (1L << STATE_BITS) - 1;

    /** Set in the head word while a conditional poll holds the record at the head. */
    static final long HEAD_LOCKED = 1L << 62;
    /** Set in the head word while a {@link QueueOption#SINGLE_CONSUMER} handle holds the queue. */
    static final long HEAD_SINGLE = 1L << 61;
    /** Set in the tail word while a {@link QueueOption#SINGLE_PRODUCER} handle holds the queue. */
    static final long TAIL_SINGLE = 1L << 62;
    /**
     * The bits of the head and tail words that hold a position: positions stay below 2^61 anyway,
     * the most a sequence word can name.
     */
    static final long POSITION_MASK = (1L << 61) - 1;

    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Coordinates (MemorySegment, long offset); every access mode, little-endian on any host. */
    static final VarHandle LONG_HANDLE = LONG.varHandle();

    private QueueFormat() {
    }

    /** The sequence word that marks cell position {@code position} with {@code state}. */
    static long seq(long position, int state) {
        return (position + 1) << STATE_BITS | state;
    }

    /** The position a sequence word names; -1 for a cell never written (0). */
    static long seqPosition(long seq) {
        return (seq >>> STATE_BITS) - 1;
    }

    static int seqState(long seq) {
        return (int) (seq & STATE_MASK);
    }

    /** Cells that a record of {@code length} bytes takes: its header's, then enough for its bytes. */
    static long cellsFor(long length) {
        return 1 + ((length + CELL_BYTES - 1) >>> CELL_SHIFT);
    }

    /**
     * The longest record, in cells: half the ring, so that a record plus the padding that moves it
     * past the end of the ring (less than the record) always fits in the ring.
     */
    static long maxRecordCells(long cells) {
        return cells / 2;
    }

    static long maxRecordBytes(long cells) {
        return Math.min((maxRecordCells(cells) - 1) * CELL_BYTES, Integer.MAX_VALUE - 8);
    }

    static long fileSize(long cells) {
        return DATA_OFFSET + cells * CELL_BYTES;
    }

    static long roundUp(long x, long multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    /**
     * The CRC32C of the creation-time header fields, through a heap copy of them: verify and stats
     * read files other processes may cut short, and the JDK's CRC32C over a mapping would die of
     * the fault where the copy throws {@link InternalError}.
     */
    static int headerCrc(MemorySegment file) {
        CRC32C crc = new CRC32C();
        crc.update(file.asSlice(0, HEADER_CRC_COVERS).toArray(ValueLayout.JAVA_BYTE));
        return (int) crc.getValue();
    }

    /** Writes the header of a new, empty queue, created on the host whose boot id is {@code bootId}. */
    static void writeHeader(MemorySegment file, long cells, long unblockNanos, long seqKey, byte[] bootId) {
        file.set(LONG, F_MAGIC, MAGIC);
        file.set(INT, F_VERSION, VERSION);
        file.set(INT, F_CELL_BYTES, CELL_BYTES);
        file.set(LONG, F_CELLS, cells);
        file.set(LONG, F_UNBLOCK_NANOS, unblockNanos);
        file.set(LONG, F_DATA_OFFSET, DATA_OFFSET);
        file.set(LONG, F_FILE_SIZE, fileSize(cells));
        file.set(LONG, F_SEQ_KEY, seqKey);
        file.set(INT, F_HEADER_CRC, headerCrc(file));
        MemorySegment.copy(bootId, 0, file, ValueLayout.JAVA_BYTE, F_BOOT_ID, BOOT_ID_BYTES);
    }

    /**
     * A new queue's sequence key: random and never zero, so that the bytes a cell held before
     * (zeros, or any record's bytes) read as a header of the cell's position only by a chance of
     * about 2^-61 per look.
     */
    static long newSeqKey() {
        java.security.SecureRandom random = new java.security.SecureRandom();
        long key;
        do {
            key = random.nextLong();
        } while (key == 0);
        return key;
    }
}
