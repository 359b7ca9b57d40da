package io.mmap4j.counters;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.mmap4j.MMap;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Version 1 of the counters file format, as {@code docs/counters-format.md} specifies it: the fields
 * of the header ({@link Header}, offsets from the start of the file) and of a name record
 * ({@link NameRecord}, offsets from the start of the record), where each region lies for a
 * {@link CountersLayout}, and the writing and checking of the header.
 */
final class CountersFormat {
    static final byte[] MAGIC = "MMAP4JCT".getBytes(US_ASCII);
    static final int VERSION = 1;
    /** Regions start at multiples of this; also the size of the header. */
    static final int PAGE = 4096;
    /** An index entry: {@code (hash << 32) | (id + 1)}, 0 when empty. */
    static final int ENTRY_BYTES = 8;

    /** A little-endian unsigned integer field: its name in messages, its offset and its width in bytes. */
    record Field(String name, long offset, int width) {
        /** Where the field lies in a structure that starts at {@code base}. */
        long at(long base) {
            return base + offset;
        }

        /** The field's plain value in the structure at {@code base}; a u64 above 2^63 reads negative. */
        long read(MMap map, long base) {
            return width == Long.BYTES ? map.getLong(at(base)) : Integer.toUnsignedLong(map.getInt(at(base)));
        }

        /** Writes the field, plainly, in the structure at {@code base}: the low {@link #width} bytes of {@code value}. */
        void write(MMap map, long base, long value) {
            if (width == Long.BYTES) {
                map.putLong(at(base), value);
            } else {
                map.putInt(at(base), (int) value);
            }
        }
    }

    /** The header's fields, at offsets from the start of the file. Bytes 0 to 127 never change once published. */
    static final class Header {
        static final long MAGIC_AT = 0;
        static final Field VERSION = new Field("format version", 8, 4);
        static final Field PAGE_SIZE = new Field("page size", 12, 4);
        static final Field CAPACITY = new Field("capacity", 16, 4);
        static final Field INDEX_ENTRIES = new Field("index entry count", 20, 4);
        static final Field RECORD_SIZE = new Field("record size", 24, 4);
        static final Field MAX_NAME = new Field("name limit", 28, 4);
        static final Field SLOT_SIZE = new Field("value slot size", 32, 4);
        static final Field FLAGS = new Field("flags", 36, 4);
        static final Field INDEX_OFFSET = new Field("index offset", 40, 8);
        static final Field RECORDS_OFFSET = new Field("records offset", 48, 8);
        static final Field VALUES_OFFSET = new Field("values offset", 56, 8);
        static final Field FILE_SIZE = new Field("file size", 64, 8);
        /** Where the reserved zeros after the fixed fields start. */
        static final long RESERVED_AT = 72;
        /** The one mutable field, atomic, on a cache line of its own: record ids handed out so far. */
        static final Field ALLOCATED = new Field("allocated count", 128, 8);

        private Header() {}
    }

    /**
     * The fields of a name record, at offsets from the start of the record; the name's bytes follow
     * them, zero-padded to the layout's name limit.
     */
    static final class NameRecord {
        /**
         * Atomic: 0 never written, {@link #WRITING} while being written, {@link #WRITTEN} once
         * complete (a release store), {@link #FREE} once given up.
         */
        static final Field STATE = new Field("state", 0, 4);
        /**
         * How many times the record has been written. Diagnostic only: mmap4j writes it and never
         * reads it, and a reader must not reject a file for its value (docs/counters-format.md).
         */
        static final Field GENERATION = new Field("generation", 4, 4);
        static final Field NAME_LENGTH = new Field("name length", 8, 4);
        static final Field NAME_HASH = new Field("name hash", 12, 4);
        /** The name's UTF-8 bytes start here; also the bytes of a record before its name. */
        static final int NAME_AT = 16;
        /**
         * Record states. A crash while writing leaves WRITING; only WRITTEN records are ever
         * indexed. FREE: written for a name another creator published first, and given up, for
         * any process to take (a compare-and-set to WRITING) once every id has been claimed.
         */
        static final int WRITING = 1;
        static final int WRITTEN = 2;
        static final int FREE = 3;

        private NameRecord() {}
    }

    final CountersLayout layout;
    final int indexEntries;
    final int recordSize;
    final long indexOffset;
    final long recordsOffset;
    final long valuesOffset;
    final long fileSize;

    private CountersFormat(CountersLayout layout) {
        this.layout = layout;
        // At most half full, so probe sequences stay short and always reach an empty entry.
        this.indexEntries = Integer.highestOneBit(2 * layout.capacity() - 1) << 1; // the power of two >= 2 * capacity
        this.recordSize = roundUp(NameRecord.NAME_AT + layout.maxNameBytes(), 64);
        this.indexOffset = PAGE;
        this.recordsOffset = roundUp(indexOffset + (long) ENTRY_BYTES * indexEntries, PAGE);
        this.valuesOffset = roundUp(recordsOffset + (long) recordSize * layout.capacity(), PAGE);
        this.fileSize = roundUp(valuesOffset + (long) layout.valueSlotBytes() * layout.capacity(), PAGE);
    }

    /** Where the regions of a file with this layout lie. */
    static CountersFormat of(CountersLayout layout) {
        return new CountersFormat(layout);
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
        map.pwrite(Header.MAGIC_AT, MAGIC);
        Header.VERSION.write(map, 0, VERSION);
        Header.PAGE_SIZE.write(map, 0, PAGE);
        Header.CAPACITY.write(map, 0, layout.capacity());
        Header.INDEX_ENTRIES.write(map, 0, indexEntries);
        Header.RECORD_SIZE.write(map, 0, recordSize);
        Header.MAX_NAME.write(map, 0, layout.maxNameBytes());
        Header.SLOT_SIZE.write(map, 0, layout.valueSlotBytes());
        Header.INDEX_OFFSET.write(map, 0, indexOffset);
        Header.RECORDS_OFFSET.write(map, 0, recordsOffset);
        Header.VALUES_OFFSET.write(map, 0, valuesOffset);
        Header.FILE_SIZE.write(map, 0, fileSize);
    }

    /**
     * Reads and checks the header of a mapped file. Every field that places anything must be
     * exactly what version 1 computes from the capacity, name limit and slot size, and the file
     * exactly as long as the header says; so once this returns, every region lies inside the map.
     */
    static CountersFormat read(MMap map, Path path) throws CorruptCountersException {
        long size = map.size();
        if (size < PAGE) {
            throw new CorruptCountersException(path, size, "the file has " + size
                    + " bytes, fewer than the " + PAGE + "-byte header of a counters file (truncated, or not a counters file)");
        }
        byte[] magic = map.pread(Header.MAGIC_AT, MAGIC.length);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new CorruptCountersException(path, Header.MAGIC_AT, "magic is "
                    + HexFormat.ofDelimiter(" ").formatHex(magic) + ", expected "
                    + HexFormat.ofDelimiter(" ").formatHex(MAGIC) + " (\"MMAP4JCT\"): not a counters file");
        }
        long version = Header.VERSION.read(map, 0);
        if (version != VERSION) {
            throw new CorruptCountersException(path, Header.VERSION.offset(), "format version is " + version
                    + ", this library reads version " + VERSION);
        }
        expect(map, path, Header.PAGE_SIZE, PAGE, "");
        long capacity = inRange(map, path, Header.CAPACITY, 1, CountersLayout.MAX_CAPACITY);
        long maxName = inRange(map, path, Header.MAX_NAME, 1, CountersLayout.MAX_NAME_BYTES);
        long slot = Header.SLOT_SIZE.read(map, 0);
        if (slot < CountersLayout.MIN_SLOT_BYTES || slot > CountersLayout.MAX_SLOT_BYTES || Long.bitCount(slot) != 1) {
            throw new CorruptCountersException(path, Header.SLOT_SIZE.offset(), "value slot size is " + slot
                    + ", expected a power of two from " + CountersLayout.MIN_SLOT_BYTES + " to " + CountersLayout.MAX_SLOT_BYTES);
        }
        CountersFormat f = new CountersFormat(new CountersLayout((int) capacity, (int) maxName, (int) slot));
        String derived = ", expected for capacity " + capacity + ", name limit " + maxName + " and slot size " + slot;
        expect(map, path, Header.INDEX_ENTRIES, f.indexEntries, derived);
        expect(map, path, Header.RECORD_SIZE, f.recordSize, derived);
        expect(map, path, Header.FLAGS, 0, "");
        expect(map, path, Header.INDEX_OFFSET, f.indexOffset, derived);
        expect(map, path, Header.RECORDS_OFFSET, f.recordsOffset, derived);
        expect(map, path, Header.VALUES_OFFSET, f.valuesOffset, derived);
        expect(map, path, Header.FILE_SIZE, f.fileSize, derived);
        requireZero(map, path, Header.RESERVED_AT, Header.ALLOCATED.offset());
        requireZero(map, path, Header.ALLOCATED.offset() + Header.ALLOCATED.width(), PAGE);
        if (size != f.fileSize) {
            throw new CorruptCountersException(path, Math.min(size, f.fileSize), "the file has " + size
                    + " bytes, its header says " + f.fileSize + (size < f.fileSize ? " (truncated)" : ""));
        }
        f.allocated(map, path);
        return f;
    }

    /**
     * The number of record ids handed out so far, checked to be within the capacity: every
     * reader of the header must treat it as untrusted, since any process may have written it.
     */
    long allocated(MMap map, Path path) throws CorruptCountersException {
        long allocated = map.getLongVolatile(Header.ALLOCATED.offset());
        if (allocated < 0 || allocated > layout.capacity()) {
            throw new CorruptCountersException(path, Header.ALLOCATED.offset(), "allocated count is " + allocated
                    + ", outside 0 to the capacity " + layout.capacity());
        }
        return allocated;
    }

    private static long inRange(MMap map, Path path, Field field, long min, long max) throws CorruptCountersException {
        long value = field.read(map, 0);
        if (value < min || value > max) {
            throw new CorruptCountersException(path, field.offset(), field.name() + " is " + value + ", outside "
                    + min + " to " + max);
        }
        return value;
    }

    /** Checks that a header field holds {@code expected}; {@code why} says where that comes from, if anywhere. */
    private static void expect(MMap map, Path path, Field field, long expected, String why)
            throws CorruptCountersException {
        long value = field.read(map, 0);
        if (value != expected) {
            throw new CorruptCountersException(path, field.offset(), field.name() + " is "
                    + Long.toUnsignedString(value) + (why.isEmpty() ? ", expected " + expected : why + ": " + expected));
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
