package io.mmap4j.counters;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.mmap4j.MMap;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Version 1 of the file format: the header's fields and where the regions lie, computed from a
 * {@link CountersLayout}. {@code docs/counters-format.md} is the specification; the constants
 * here are its tables.
 */
final class Regions {
    static final byte[] MAGIC = "MMAP4JCT".getBytes(US_ASCII);
    static final int VERSION = 1;
    /** Regions start at multiples of this; also the size of the header. */
    static final int PAGE = 4096;

    static final long MAGIC_AT = 0;
    static final long VERSION_AT = 8;
    static final long PAGE_SIZE_AT = 12;
    static final long CAPACITY_AT = 16;
    static final long INDEX_ENTRIES_AT = 20;
    static final long RECORD_SIZE_AT = 24;
    static final long MAX_NAME_AT = 28;
    static final long SLOT_SIZE_AT = 32;
    static final long FLAGS_AT = 36;
    static final long INDEX_OFFSET_AT = 40;
    static final long RECORDS_OFFSET_AT = 48;
    static final long VALUES_OFFSET_AT = 56;
    static final long FILE_SIZE_AT = 64;
    /** The one mutable header field, on a cache line of its own. */
    static final long ALLOCATED_AT = 128;
    private static final long FIELDS_END = 72;

    static final int ENTRY_BYTES = 8;
    static final int RECORD_HEADER_BYTES = 16;
    static final long STATE_AT = 0;
    static final long GENERATION_AT = 4;
    static final long NAME_LENGTH_AT = 8;
    static final long NAME_HASH_AT = 12;
    static final long NAME_AT = 16;
    /** Record states. A crash while writing leaves WRITING; only WRITTEN records are ever indexed. */
    static final int WRITING = 1;
    static final int WRITTEN = 2;

    final CountersLayout layout;
    final int indexEntries;
    final int recordSize;
    final long indexOffset;
    final long recordsOffset;
    final long valuesOffset;
    final long fileSize;

    private Regions(CountersLayout layout) {
        this.layout = layout;
        // At most half full, so probe sequences stay short and always reach an empty entry.
        this.indexEntries = Integer.highestOneBit(2 * layout.capacity() - 1) << 1; // the power of two >= 2 * capacity
        this.recordSize = roundUp(RECORD_HEADER_BYTES + layout.maxNameBytes(), 64);
        this.indexOffset = PAGE;
        this.recordsOffset = roundUp(indexOffset + (long) ENTRY_BYTES * indexEntries, PAGE);
        this.valuesOffset = roundUp(recordsOffset + (long) recordSize * layout.capacity(), PAGE);
        this.fileSize = roundUp(valuesOffset + (long) layout.valueSlotBytes() * layout.capacity(), PAGE);
    }

    static Regions of(CountersLayout layout) {
        return new Regions(layout);
    }

    long entryOffset(int position) {
        return indexOffset + (long) position * ENTRY_BYTES;
    }

    long recordOffset(int id) {
        return recordsOffset + (long) id * recordSize;
    }

    long valueOffset(int id) {
        return valuesOffset + (long) id * layout.valueSlotBytes();
    }

    /** Writes the header of a new file into a zero-filled map of {@link #fileSize} bytes. */
    void writeHeader(MMap map) {
        map.pwrite(MAGIC_AT, MAGIC);
        map.putInt(VERSION_AT, VERSION);
        map.putInt(PAGE_SIZE_AT, PAGE);
        map.putInt(CAPACITY_AT, layout.capacity());
        map.putInt(INDEX_ENTRIES_AT, indexEntries);
        map.putInt(RECORD_SIZE_AT, recordSize);
        map.putInt(MAX_NAME_AT, layout.maxNameBytes());
        map.putInt(SLOT_SIZE_AT, layout.valueSlotBytes());
        map.putLong(INDEX_OFFSET_AT, indexOffset);
        map.putLong(RECORDS_OFFSET_AT, recordsOffset);
        map.putLong(VALUES_OFFSET_AT, valuesOffset);
        map.putLong(FILE_SIZE_AT, fileSize);
    }

    /**
     * Reads and checks the header of a mapped file. Every field that places anything must be
     * exactly what version 1 computes from the capacity, name limit and slot size, and the file
     * exactly as long as the header says; so once this returns, every region lies inside the map.
     */
    static Regions read(MMap map, Path path) throws CorruptCountersException {
        long size = map.size();
        if (size < PAGE) {
            throw new CorruptCountersException(path, size, "the file has " + size
                    + " bytes, fewer than the " + PAGE + "-byte header of a counters file (truncated, or not a counters file)");
        }
        byte[] magic = map.pread(MAGIC_AT, MAGIC.length);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new CorruptCountersException(path, MAGIC_AT, "magic is " + HexFormat.ofDelimiter(" ").formatHex(magic)
                    + ", expected " + HexFormat.ofDelimiter(" ").formatHex(MAGIC) + " (\"MMAP4JCT\"): not a counters file");
        }
        long version = u32(map, VERSION_AT);
        if (version != VERSION) {
            throw new CorruptCountersException(path, VERSION_AT, "format version is " + version
                    + ", this library reads version " + VERSION);
        }
        expect(map, path, PAGE_SIZE_AT, "page size", PAGE);
        long capacity = inRange(map, path, CAPACITY_AT, "capacity", 1, CountersLayout.MAX_CAPACITY);
        long maxName = inRange(map, path, MAX_NAME_AT, "name limit", 1, CountersLayout.MAX_NAME_BYTES);
        long slot = u32(map, SLOT_SIZE_AT);
        if (slot < CountersLayout.MIN_SLOT_BYTES || slot > CountersLayout.MAX_SLOT_BYTES || Long.bitCount(slot) != 1) {
            throw new CorruptCountersException(path, SLOT_SIZE_AT, "value slot size is " + slot
                    + ", expected a power of two from " + CountersLayout.MIN_SLOT_BYTES + " to " + CountersLayout.MAX_SLOT_BYTES);
        }
        Regions r = new Regions(new CountersLayout((int) capacity, (int) maxName, (int) slot));
        String derived = ", expected for capacity " + capacity + ", name limit " + maxName + " and slot size " + slot;
        expect(map, path, INDEX_ENTRIES_AT, "index entry count", r.indexEntries, derived);
        expect(map, path, RECORD_SIZE_AT, "record size", r.recordSize, derived);
        expect(map, path, FLAGS_AT, "flags", 0);
        expect(map, path, INDEX_OFFSET_AT, "index offset", r.indexOffset, derived);
        expect(map, path, RECORDS_OFFSET_AT, "records offset", r.recordsOffset, derived);
        expect(map, path, VALUES_OFFSET_AT, "values offset", r.valuesOffset, derived);
        expect(map, path, FILE_SIZE_AT, "file size", r.fileSize, derived);
        requireZero(map, path, FIELDS_END, ALLOCATED_AT);
        requireZero(map, path, ALLOCATED_AT + 8, PAGE);
        if (size != r.fileSize) {
            throw new CorruptCountersException(path, Math.min(size, r.fileSize), "the file has " + size
                    + " bytes, its header says " + r.fileSize + (size < r.fileSize ? " (truncated)" : ""));
        }
        r.allocated(map, path);
        return r;
    }

    /**
     * The number of record ids handed out so far, checked to be within the capacity: every
     * reader of the header must treat it as untrusted, since any process may have written it.
     */
    long allocated(MMap map, Path path) throws CorruptCountersException {
        long allocated = map.getLongVolatile(ALLOCATED_AT);
        if (allocated < 0 || allocated > layout.capacity()) {
            throw new CorruptCountersException(path, ALLOCATED_AT, "allocated count is " + allocated
                    + ", outside 0 to the capacity " + layout.capacity());
        }
        return allocated;
    }

    private static long u32(MMap map, long at) {
        return Integer.toUnsignedLong(map.getInt(at));
    }

    private static long inRange(MMap map, Path path, long at, String field, long min, long max)
            throws CorruptCountersException {
        long value = u32(map, at);
        if (value < min || value > max) {
            throw new CorruptCountersException(path, at, field + " is " + value + ", outside " + min + " to " + max);
        }
        return value;
    }

    private static void expect(MMap map, Path path, long at, String field, long expected) throws CorruptCountersException {
        expect(map, path, at, field, expected, "");
    }

    /** Checks a u32 field (at an offset below {@link #INDEX_OFFSET_AT}) or a u64 field. */
    private static void expect(MMap map, Path path, long at, String field, long expected, String why)
            throws CorruptCountersException {
        long value = at < INDEX_OFFSET_AT ? u32(map, at) : map.getLong(at);
        if (value != expected) {
            throw new CorruptCountersException(path, at, field + " is " + Long.toUnsignedString(value)
                    + (why.isEmpty() ? ", expected " + expected : why + ": " + expected));
        }
    }

    private static void requireZero(MMap map, Path path, long from, long to) throws CorruptCountersException {
        for (long at = from; at < to; at++) {
            if (map.getByte(at) != 0) {
                throw new CorruptCountersException(path, at, "reserved header byte is "
                        + (map.getByte(at) & 0xFF) + ", expected 0");
            }
        }
    }

    private static int roundUp(int value, int multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    private static long roundUp(long value, long multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }
}
