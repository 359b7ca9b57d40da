package io.mmap4j.store;

import static io.mmap4j.store.StaticFormat.ALIGNED_VALUE_MIN;
import static io.mmap4j.store.StaticFormat.DATA_OFFSET;
import static io.mmap4j.store.StaticFormat.MAGIC;
import static io.mmap4j.store.StaticFormat.PAGE;
import static io.mmap4j.store.StaticFormat.RECORD_ALIGNMENT;
import static io.mmap4j.store.StaticFormat.RECORD_HEADER_BYTES;
import static io.mmap4j.store.StaticFormat.SLOT_BYTES;
import static io.mmap4j.store.StaticFormat.VERSION;
import static io.mmap4j.store.StaticFormat.XXH3_64;
import static io.mmap4j.store.StaticFormat.longAt;
import static io.mmap4j.store.StaticFormat.roundUp;
import static io.mmap4j.store.StaticFormat.uintAt;

import io.mmap4j.store.StaticStore.Problem;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The header page of a static store file: its fields as written, how to encode them, and the
 * checks a reader makes before trusting any offset (all of them, so that {@code verify} can list
 * every problem; {@code open} throws the first).
 *
 * @param seed            the key hash's seed
 * @param entries         keys in the index
 * @param records         records in the data region, replaced duplicates included
 * @param dataEnd         the offset just past the last record
 * @param indexOffset     where the index starts: {@code dataEnd} rounded up to a page
 * @param slots           index slots of 8 bytes
 * @param fileSize        {@code indexOffset + 8 * slots}
 * @param keyBytes        key bytes of the entries
 * @param valueBytes      value bytes of the entries
 * @param largestValue    the longest value of an entry
 * @param maxDisplacement the longest distance of an entry from its home slot
 * @param alignedValueMin values of at least this many bytes start on a page boundary
 * @param indexCrc        CRC32C of the index region
 */
record StaticHeader(long seed, long entries, long records, long dataEnd, long indexOffset, long slots, long fileSize,
                    long keyBytes, long valueBytes, long largestValue, long maxDisplacement, long alignedValueMin,
                    int indexCrc) {
    // Field offsets, as docs/static-store-format.md numbers them.
    static final int AT_MAGIC = 0;
    static final int AT_VERSION = 8;
    static final int AT_PAGE_SIZE = 12;
    static final int AT_HASH = 16;
    static final int AT_FLAGS = 20;
    static final int AT_SEED = 24;
    static final int AT_ENTRIES = 32;
    static final int AT_RECORDS = 40;
    static final int AT_DATA_OFFSET = 48;
    static final int AT_DATA_END = 56;
    static final int AT_INDEX_OFFSET = 64;
    static final int AT_SLOTS = 72;
    static final int AT_FILE_SIZE = 80;
    static final int AT_KEY_BYTES = 88;
    static final int AT_VALUE_BYTES = 96;
    static final int AT_LARGEST_VALUE = 104;
    static final int AT_MAX_DISPLACEMENT = 112;
    static final int AT_ALIGNED_VALUE_MIN = 116;
    static final int AT_INDEX_CRC = 120;
    static final int AT_HEADER_CRC = 124;
    /** Bytes covered by the header CRC; the rest of the page is reserved and zero. */
    static final int FIELDS = 124;
    static final int RESERVED_FROM = 128;

    /** The header page's 4096 bytes, the header CRC included. */
    ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(PAGE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(AT_MAGIC, MAGIC).putInt(AT_VERSION, VERSION).putInt(AT_PAGE_SIZE, PAGE).putInt(AT_HASH, XXH3_64)
                .putInt(AT_FLAGS, 0).putLong(AT_SEED, seed).putLong(AT_ENTRIES, entries).putLong(AT_RECORDS, records)
                .putLong(AT_DATA_OFFSET, DATA_OFFSET).putLong(AT_DATA_END, dataEnd).putLong(AT_INDEX_OFFSET, indexOffset)
                .putLong(AT_SLOTS, slots).putLong(AT_FILE_SIZE, fileSize).putLong(AT_KEY_BYTES, keyBytes)
                .putLong(AT_VALUE_BYTES, valueBytes).putLong(AT_LARGEST_VALUE, largestValue)
                .putInt(AT_MAX_DISPLACEMENT, (int) maxDisplacement).putInt(AT_ALIGNED_VALUE_MIN, (int) alignedValueMin)
                .putInt(AT_INDEX_CRC, indexCrc);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, FIELDS);
        b.putInt(AT_HEADER_CRC, (int) crc.getValue());
        return b;
    }

    /** The header's fields as they are in {@code file}, which must hold at least one page; unchecked. */
    static StaticHeader read(MemorySegment file) {
        return new StaticHeader(longAt(file, AT_SEED), longAt(file, AT_ENTRIES), longAt(file, AT_RECORDS),
                longAt(file, AT_DATA_END), longAt(file, AT_INDEX_OFFSET), longAt(file, AT_SLOTS),
                longAt(file, AT_FILE_SIZE), longAt(file, AT_KEY_BYTES), longAt(file, AT_VALUE_BYTES),
                longAt(file, AT_LARGEST_VALUE), uintAt(file, AT_MAX_DISPLACEMENT), uintAt(file, AT_ALIGNED_VALUE_MIN),
                (int) uintAt(file, AT_INDEX_CRC));
    }

    /**
     * Every problem of the header page of {@code file}, in the order {@code open} reports them:
     * the file's length, what identifies the format, each field against the others and against
     * the file's length, the header CRC, the reserved bytes. Reads only the first page. An empty
     * list means every offset the header gives lies inside the file.
     */
    static List<Problem> check(MemorySegment file) {
        List<Problem> problems = new ArrayList<>();
        long length = file.byteSize();
        if (length < PAGE) {
            problems.add(new Problem(0, "file length", length + " bytes", "at least " + PAGE + " (the header page)"));
            return problems;
        }
        if (longAt(file, AT_MAGIC) != MAGIC) {
            problems.add(new Problem(AT_MAGIC, "magic", ascii(file), "\"MMAP4JST\" (a static store file)"));
            return problems; // not a static store at all: the rest would be noise
        }
        long version = uintAt(file, AT_VERSION);
        if (version != VERSION) {
            // Another version's fields mean other things: nothing more can be checked.
            problems.add(new Problem(AT_VERSION, "version", Long.toString(version), switch ((int) version) {
                case 1 -> VERSION + " (this is a store of format version 1, whose index slots are 16 bytes and keys"
                        + " hashed with XXH64; version " + VERSION + " has 8-byte slots and XXH3: write the store again"
                        + " with this mmap4j)";
                case 2 -> VERSION + " (this is a store of format version 2, whose keys are hashed with XXH64; version "
                        + VERSION + " hashes them with XXH3: write the store again with this mmap4j)";
                default -> Integer.toString(VERSION);
            }));
            return problems;
        }
        expect(problems, AT_PAGE_SIZE, "page size", uintAt(file, AT_PAGE_SIZE), PAGE);
        expect(problems, AT_HASH, "hash function", uintAt(file, AT_HASH), XXH3_64);
        expect(problems, AT_FLAGS, "flags", uintAt(file, AT_FLAGS), 0);
        expect(problems, AT_DATA_OFFSET, "data offset", longAt(file, AT_DATA_OFFSET), DATA_OFFSET);
        expect(problems, AT_ALIGNED_VALUE_MIN, "aligned value minimum", uintAt(file, AT_ALIGNED_VALUE_MIN), ALIGNED_VALUE_MIN);
        read(file).checkRegions(problems, length);
        CRC32C crc = new CRC32C();
        crc.update(file.asSlice(0, FIELDS).asByteBuffer());
        expect(problems, AT_HEADER_CRC, "header crc32c", uintAt(file, AT_HEADER_CRC), crc.getValue());
        for (long at = RESERVED_FROM; at < PAGE; at += 8) {
            if (longAt(file, at) != 0) {
                long first = at + Long.numberOfTrailingZeros(longAt(file, at)) / 8;
                problems.add(new Problem(first, "reserved header bytes", "a non-zero byte at offset " + first, "zero"));
                break;
            }
        }
        return problems;
    }

    /** The regions against each other and against the file's real length. */
    private void checkRegions(List<Problem> problems, long length) {
        long dataBytes = dataEnd - DATA_OFFSET;
        if (dataEnd < DATA_OFFSET || dataEnd % RECORD_ALIGNMENT != 0 || dataEnd > length) {
            problems.add(new Problem(AT_DATA_END, "data end", Long.toString(dataEnd),
                    "a multiple of " + RECORD_ALIGNMENT + " from " + DATA_OFFSET + " to the file's length " + length));
            return; // every other region is placed after it
        }
        expect(problems, AT_INDEX_OFFSET, "index offset", indexOffset, roundUp(dataEnd, PAGE));
        if (slots < 1 || slots > (Long.MAX_VALUE - indexOffset) / SLOT_BYTES) {
            problems.add(new Problem(AT_SLOTS, "slots", Long.toUnsignedString(slots),
                    "at least 1, and an index that ends before 2^63"));
            return;
        }
        expect(problems, AT_FILE_SIZE, "file size", fileSize, indexOffset + SLOT_BYTES * slots);
        if (fileSize != length) {
            problems.add(new Problem(AT_FILE_SIZE, "file length", length + " bytes",
                    fileSize + " (the file size field): the file was truncated or extended"));
        }
        if (Long.compareUnsigned(entries, slots) > 0) {
            problems.add(new Problem(AT_ENTRIES, "entries", Long.toUnsignedString(entries), "at most the " + slots + " slots"));
        }
        if (Long.compareUnsigned(records, entries) < 0 || Long.compareUnsigned(records, dataBytes / RECORD_HEADER_BYTES) > 0
                || (records == 0) != (dataBytes == 0)) {
            problems.add(new Problem(AT_RECORDS, "records", Long.toUnsignedString(records), "from the " + entries
                    + " entries to " + dataBytes / RECORD_HEADER_BYTES + " (16 bytes each in a data region of "
                    + dataBytes + "), 0 only if the data region is empty"));
        }
        if (Long.compareUnsigned(keyBytes, dataBytes) > 0) {
            problems.add(new Problem(AT_KEY_BYTES, "key bytes", Long.toUnsignedString(keyBytes),
                    "at most the data region's " + dataBytes + " bytes"));
        }
        if (Long.compareUnsigned(valueBytes, dataBytes) > 0) {
            problems.add(new Problem(AT_VALUE_BYTES, "value bytes", Long.toUnsignedString(valueBytes),
                    "at most the data region's " + dataBytes + " bytes"));
        }
        if (Long.compareUnsigned(largestValue, valueBytes) > 0) {
            problems.add(new Problem(AT_LARGEST_VALUE, "largest value", Long.toUnsignedString(largestValue),
                    "at most the " + valueBytes + " value bytes"));
        }
        if (maxDisplacement >= slots) {
            problems.add(new Problem(AT_MAX_DISPLACEMENT, "max displacement", Long.toString(maxDisplacement),
                    "less than the " + slots + " slots"));
        }
    }

    private static void expect(List<Problem> problems, long offset, String field, long found, long expected) {
        if (found != expected) {
            problems.add(new Problem(offset, field, Long.toUnsignedString(found), Long.toUnsignedString(expected)));
        }
    }

    /** The first 8 bytes as text: printable ASCII as it is, the rest as {@code \xNN}. */
    private static String ascii(MemorySegment file) {
        StringBuilder s = new StringBuilder("\"");
        for (int i = 0; i < 8; i++) {
            int b = file.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) & 0xFF;
            s.append(b >= 0x20 && b < 0x7F && b != '"' && b != '\\' ? String.valueOf((char) b) : String.format("\\x%02X", b));
        }
        return s.append('"').toString();
    }
}
