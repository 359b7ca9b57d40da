package io.mmap4j.store;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The constants of the static store file, version 1, and the arithmetic every reader of it
 * repeats: where a record's value starts, where the next record starts, which slot a hash calls
 * home. {@code docs/static-store-format.md} is the specification; the names here are its names.
 */
final class StaticFormat {
    /** ASCII {@code MMAP4JST}. */
    static final long MAGIC = 0x54534A3450414D4DL;
    static final int VERSION = 1;
    static final int PAGE = 4096;
    /** The hash function code of XXH64. */
    static final int XXH64 = 1;
    static final long DATA_OFFSET = PAGE;
    static final int SLOT_BYTES = 16;
    static final int RECORD_HEADER_BYTES = 16;
    /** Records start at multiples of this. */
    static final int RECORD_ALIGNMENT = 8;
    /** Keys are at most this many bytes. */
    static final int MAX_KEY_BYTES = 65_535;
    /** The writer starts values of at least this many bytes on a page boundary. */
    static final int ALIGNED_VALUE_MIN = 65_536;

    /** The most bytes summed through one {@code ByteBuffer} view (a buffer holds less than 2 GiB). */
    static final int BUFFER_LIMIT = 1 << 30;

    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Index slots are 16-byte aligned in a page-aligned region: aligned reads. */
    static final ValueLayout.OfLong SLOT_LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

    // Record fields, from the record's start.
    static final int KEY_LENGTH = 0;
    static final int RECORD_CRC = 4;
    static final int VALUE_LENGTH = 8;

    private StaticFormat() {
    }

    static long roundUp(long x, long multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    /** Where the value of a record starts, given where its key ends. */
    static long valueStart(long keyEnd, long valueLength, long alignedValueMin) {
        return Long.compareUnsigned(valueLength, alignedValueMin) >= 0 ? roundUp(keyEnd, PAGE) : keyEnd;
    }

    /** The home slot of a hash: the high 64 bits of the unsigned 128-bit product {@code hash * slots}. */
    static long home(long hash, long slots) {
        return Math.unsignedMultiplyHigh(hash, slots);
    }

    /** How far slot {@code slot}, holding {@code hash}, is from its home, going forward with wrap-around. */
    static long displacement(long slot, long hash, long slots) {
        long home = home(hash, slots);
        return slot >= home ? slot - home : slot + slots - home;
    }

    /** The slots of an index for {@code entries} keys at a load of at most {@code loadFactor}. */
    static long slotsFor(long entries, double loadFactor) {
        return Math.max(1, (long) Math.ceil(entries / loadFactor));
    }

    /** The 8-byte little-endian value at {@code offset}. */
    static long longAt(MemorySegment segment, long offset) {
        return segment.get(LONG, offset);
    }

    /** The 4-byte little-endian value at {@code offset}, unsigned. */
    static long uintAt(MemorySegment segment, long offset) {
        return Integer.toUnsignedLong(segment.get(INT, offset));
    }
}
