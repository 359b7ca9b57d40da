package io.mmap4j.store;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The constants of the static store file, version 3, and the arithmetic every reader of it
 * repeats: where a record's value starts, where the next record starts, which slot a hash calls
 * home. {@code docs/static-store-format.md} is the specification; the names here are its names.
 */
final class StaticFormat {
    /** ASCII {@code MMAP4JST}. */
    static final long MAGIC = 0x54534A3450414D4DL;
    static final int VERSION = 3;
    static final int PAGE = 4096;
    /** The hash function code of XXH3-64, the key hash of version 3 (version 2's was 1, XXH64). */
    static final int XXH3_64 = 2;
    static final long DATA_OFFSET = PAGE;
    /** An index slot: one little-endian word, a fingerprint of the key's hash over its record's offset in 8s. */
    static final int SLOT_BYTES = 8;
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
    /** Index slots are 8-byte aligned in a page-aligned region: aligned reads. */
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

    /**
     * How many low bits of a slot hold its record's offset divided by 8: the bits of
     * {@code dataEnd / 8}, so that every record of the data region fits. The rest, at least 3, are
     * the fingerprint.
     */
    static int offsetBits(long dataEnd) {
        return 64 - Long.numberOfLeadingZeros(dataEnd >>> 3);
    }

    /** The bits of a slot, and of a hash, that are its fingerprint: all but the low {@code offsetBits}. */
    static long fingerprintMask(long dataEnd) {
        return -1L << offsetBits(dataEnd);
    }

    /** The slot of a record whose key has {@code hash}: the hash's fingerprint over the record's offset in 8s. */
    static long slot(long hash, long record, long fingerprintMask) {
        return (hash & fingerprintMask) | (record >>> 3);
    }

    /** The record offset a slot names; 0 for an empty slot. */
    static long record(long slot, long fingerprintMask) {
        return (slot & ~fingerprintMask) << 3;
    }

    /**
     * The home slot of a fingerprint (a hash with its low offset bits cleared, or a slot's
     * fingerprint bits): the high 64 bits of the unsigned 128-bit product {@code fingerprint * slots}.
     */
    static long home(long fingerprint, long slots) {
        return Math.unsignedMultiplyHigh(fingerprint, slots);
    }

    /** How far slot {@code slot}, holding {@code fingerprint}, is from its home, going forward with wrap-around. */
    static long displacement(long slot, long fingerprint, long slots) {
        long home = home(fingerprint, slots);
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
