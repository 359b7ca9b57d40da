package io.mmap4j.store;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * The constants of a shared map, version 2: the names of its files, the fields of the control
 * file and of a data file, and the sizing rules. {@code docs/shared-map-format.md} is the
 * specification; the names here are its names.
 */
final class SharedMapFormat {
    /** ASCII {@code MMAP4JSM}: the control file. */
    static final long CONTROL_MAGIC = 0x4D534A3450414D4DL;
    /** ASCII {@code MMAP4JSD}: a data file. */
    static final long DATA_MAGIC = 0x44534A3450414D4DL;
    static final int VERSION = 2;
    static final int PAGE = 4096;

    /** The control file's name in the map's directory. */
    static final String CONTROL_FILE = "map";
    /** The lock file's name: only ever locked, never read or written. */
    static final String LOCK_FILE = "lock";
    /** Data files are {@code data.<generation>}, the generation in decimal. */
    static final String DATA_PREFIX = "data.";

    // The control file: one page.
    static final long C_MAGIC = 0;
    static final long C_VERSION = 8;
    static final long C_RESERVED = 12;
    static final long C_SEED = 16;
    static final long C_GENERATION = 24;
    static final long C_WRITER = 32;
    static final long CONTROL_BYTES = PAGE;

    // A data file's header page. The first eight fields never change once the file is published.
    static final long D_MAGIC = 0;
    static final long D_VERSION = 8;
    static final long D_RESERVED = 12;
    static final long D_GENERATION = 16;
    static final long D_SEED = 24;
    static final long D_SLOTS = 32;
    static final long D_INDEX_OFFSET = 40;
    static final long D_DATA_OFFSET = 48;
    static final long D_FILE_BYTES = 56;
    // Written by the writer of the generation, under the writer lock.
    static final long D_DATA_END = 64;
    static final long D_KEYS = 72;
    static final long D_USED_SLOTS = 80;
    static final long D_LIVE_BYTES = 88;
    static final long D_SEQUENCE = 96;
    static final long INDEX_OFFSET = PAGE;

    // A slot: the key's hash, then the reference to its record.
    static final int SLOT_BYTES = 16;
    static final long SLOT_REF = 8;
    /** A slot's reference with this bit set is a removed key: the record still names the key. */
    static final long REMOVED = Long.MIN_VALUE;
    /**
     * A slot's reference with this bit set is in a generation a rewrite is about to replace: set
     * on every slot just before the switch, so that whatever a reader found in a slot holds for as
     * long as the slot's reference is the same. Readers strip it; a record offset never has it.
     */
    static final long MOVED = 1L << 62;

    // A record: key length, CRC32C of key and value, value length, key, value, zero padding.
    static final long R_KEY_LENGTH = 0;
    static final long R_CRC = 4;
    static final long R_VALUE_LENGTH = 8;
    static final int RECORD_HEADER_BYTES = 16;
    static final int RECORD_ALIGNMENT = 8;

    /** Keys are at most this many bytes. */
    static final int MAX_KEY_BYTES = 65_535;
    /** Values are at most this many bytes (1 GiB). */
    static final int MAX_VALUE_BYTES = 1 << 30;

    // Sizing: a rewrite leaves the index at most half full and rewrites again past three quarters;
    // it gives the data region twice the live bytes, so that dead bytes (overwritten and removed
    // values) reach at most the live bytes before the next rewrite reclaims them.
    static final long MIN_SLOTS = 64;
    static final long MIN_DATA_BYTES = 64 << 10;
    /** The most slots an index may have: 2^40, 16 TiB of index. */
    static final long MAX_SLOTS = 1L << 40;

    /** Plain little-endian access, for fields a single writer writes and nobody races. */
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Ordered and atomic access to 8-aligned words: slot references, counters, the control words. */
    static final VarHandle WORD = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    private SharedMapFormat() {
    }

    static long roundUp(long x, long multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    /** The bytes a record of this key and value takes, padding included. */
    static long recordBytes(long keyLength, long valueLength) {
        return roundUp(RECORD_HEADER_BYTES + keyLength + valueLength, RECORD_ALIGNMENT);
    }

    /** The slots of a rewritten index for {@code keys} keys: a power of two, at most half full. */
    static long slotsFor(long keys) {
        long wanted = Math.max(MIN_SLOTS, 2 * keys + 1);
        return Long.highestOneBit(wanted - 1) << 1;
    }

    /**
     * The data region of a new data file for a rewrite holding {@code liveBytes}: two and a half
     * times that, in whole pages, at least {@link #MIN_DATA_BYTES}; in the middle of what
     * {@link #fitsRewrite} accepts, so that the next rewrites, holding about as much, reuse it.
     */
    static long dataBytesFor(long liveBytes) {
        return Math.max(MIN_DATA_BYTES, roundUp(liveBytes * 5 / 2, PAGE));
    }

    /**
     * Whether a data region of {@code capacity} bytes may take a rewrite holding {@code liveBytes}:
     * from twice to three times that (at least {@link #MIN_DATA_BYTES}), so that the free room is
     * at least the live bytes (a rewrite is paid for by as many bytes of writes) and the dead
     * bytes before the next rewrite at most twice the live ones.
     */
    static boolean fitsRewrite(long capacity, long liveBytes) {
        return capacity >= Math.max(MIN_DATA_BYTES, 2 * liveBytes)
                && capacity <= Math.max(MIN_DATA_BYTES, roundUp(3 * liveBytes, PAGE));
    }

    /** The data region of a new map's first file, sized for {@code expectedBytes} of records. */
    static long firstDataBytes(long expectedBytes) {
        return Math.max(MIN_DATA_BYTES, roundUp(expectedBytes, PAGE));
    }

    /** Whether an index of {@code slots} slots takes one more key: at most three quarters used. */
    static boolean hasRoomForKey(long usedSlots, long slots) {
        return (usedSlots + 1) * 4 <= slots * 3;
    }

    static Path dataFile(Path directory, long generation) {
        return directory.resolve(DATA_PREFIX + generation);
    }
}
