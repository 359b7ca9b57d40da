package io.mmap4j.store;

import static io.mmap4j.store.StaticFormat.DATA_OFFSET;
import static io.mmap4j.store.StaticFormat.KEY_LENGTH;
import static io.mmap4j.store.StaticFormat.MAX_KEY_BYTES;
import static io.mmap4j.store.StaticFormat.RECORD_ALIGNMENT;
import static io.mmap4j.store.StaticFormat.RECORD_CRC;
import static io.mmap4j.store.StaticFormat.RECORD_HEADER_BYTES;
import static io.mmap4j.store.StaticFormat.SLOT_BYTES;
import static io.mmap4j.store.StaticFormat.SLOT_LONG;
import static io.mmap4j.store.StaticFormat.VALUE_LENGTH;
import static io.mmap4j.store.StaticFormat.displacement;
import static io.mmap4j.store.StaticFormat.longAt;
import static io.mmap4j.store.StaticFormat.roundUp;
import static io.mmap4j.store.StaticFormat.uintAt;

import io.mmap4j.internal.GuardedCrc32c;
import io.mmap4j.store.StaticStore.Problem;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * {@link StaticStore#verify}: every check of the format over the whole file, read-only, collecting
 * problems instead of throwing. See {@code docs/static-store-format.md}, "What verify checks".
 */
final class StaticVerifier {
    static final int MAX_PROBLEMS = 1000;
    /** Header problems after which the regions can still be walked safely: the offsets agree with the file. */
    private static final Set<String> WALKABLE = Set.of("header crc32c", "reserved header bytes");

    private final MemorySegment file;
    /** One for the records and the index: each check resets it, and its buffer is 64 KiB. */
    private final GuardedCrc32c crc = new GuardedCrc32c();
    private final List<Problem> problems = new ArrayList<>();
    private final boolean headerSound;
    private long omitted;
    private long firstOmitted;

    StaticVerifier(MemorySegment file) {
        this.file = file;
        List<Problem> headerProblems = StaticHeader.check(file);
        headerProblems.forEach(this::report);
        headerSound = headerProblems.stream().allMatch(p -> WALKABLE.contains(p.field()));
    }

    /** Whether the header's offsets agree with each other and the file, so that the regions can be walked. */
    boolean headerSound() {
        return headerSound;
    }

    /** Every problem, at most {@value #MAX_PROBLEMS}, the last then counting those left out. */
    List<Problem> problems() {
        List<Problem> all = new ArrayList<>(problems);
        if (omitted > 0) {
            all.add(new Problem(firstOmitted, "further problems", omitted + " more, from this offset on",
                    "none (only the first " + MAX_PROBLEMS + " are listed)"));
        }
        return all;
    }

    /** Checks the records, the bytes between the regions, and the index, against each other and the header. */
    void checkStore(StaticStore store) {
        StaticHeader h = StaticHeader.read(file);
        long[] records = checkRecords(h);
        if (records.length != h.records()) {
            report(new Problem(StaticHeader.AT_RECORDS, "records", Long.toString(h.records()),
                    records.length + ", the records found in the data region"));
        }
        zeros(h.dataEnd(), h.indexOffset(), "padding after the data region");
        crc.reset();
        crc.update(file, h.indexOffset(), h.slots() * SLOT_BYTES);
        if ((int) crc.getValue() != h.indexCrc()) {
            report(new Problem(StaticHeader.AT_INDEX_CRC, "index crc32c", Integer.toUnsignedString(h.indexCrc()),
                    Long.toString(crc.getValue()) + ", the CRC32C of the index region"));
        }
        checkIndex(h, records, store);
    }

    /** Walks the records front to back; returns their offsets, in order, as far as they could be followed. */
    private long[] checkRecords(StaticHeader h) {
        long[] offsets = new long[16];
        int count = 0;
        long dataEnd = h.dataEnd();
        long at = DATA_OFFSET;
        while (at < dataEnd) {
            if (dataEnd - at < RECORD_HEADER_BYTES) {
                report(new Problem(at, "record", "a record header of " + (dataEnd - at) + " bytes",
                        RECORD_HEADER_BYTES + " bytes before the data region's end " + dataEnd));
                break;
            }
            long keyLength = uintAt(file, at + KEY_LENGTH);
            long keyEnd = at + RECORD_HEADER_BYTES + keyLength;
            if (keyLength > MAX_KEY_BYTES || keyEnd > dataEnd) {
                report(new Problem(at + KEY_LENGTH, "key length", Long.toString(keyLength), "at most " + MAX_KEY_BYTES
                        + ", within the data region's end " + dataEnd + "; the records after it cannot be followed"));
                break;
            }
            long valueLength = longAt(file, at + VALUE_LENGTH);
            long valueStart = valueLength < 0 || valueLength > dataEnd ? -1
                    : StaticFormat.valueStart(keyEnd, valueLength, h.alignedValueMin());
            if (valueStart < 0 || valueLength > dataEnd - valueStart) {
                report(new Problem(at + VALUE_LENGTH, "value length", Long.toUnsignedString(valueLength),
                        "a length within the data region's end " + dataEnd + "; the records after it cannot be followed"));
                break;
            }
            long next = roundUp(valueStart + valueLength, RECORD_ALIGNMENT);
            zeros(keyEnd, valueStart, "padding before a page-aligned value");
            zeros(valueStart + valueLength, next, "padding after a record");
            crc.reset();
            crc.update(file, at + RECORD_HEADER_BYTES, keyLength);
            crc.update(file, valueStart, valueLength);
            long stored = uintAt(file, at + RECORD_CRC);
            if (stored != crc.getValue()) {
                report(new Problem(at + RECORD_CRC, "record crc32c", Long.toString(stored),
                        crc.getValue() + ", the CRC32C of the record's key and value"));
            }
            if (count == offsets.length) {
                offsets = Arrays.copyOf(offsets, 2 * count);
            }
            offsets[count++] = at;
            at = next;
        }
        return Arrays.copyOf(offsets, count);
    }

    /** Checks every slot, then the header's counts and totals against what the slots name. */
    private void checkIndex(StaticHeader h, long[] records, StaticStore store) {
        long[] named = new long[(records.length + 63) / 64];
        long entries = 0;
        long keyBytes = 0;
        long valueBytes = 0;
        long largest = 0;
        long maxDisplacement = 0;
        long fingerprintMask = StaticFormat.fingerprintMask(h.dataEnd());
        for (long slot = 0; slot < h.slots(); slot++) {
            long slotAt = h.indexOffset() + slot * SLOT_BYTES;
            long word = file.get(SLOT_LONG, slotAt);
            if (word == 0) {
                continue;
            }
            long record = StaticFormat.record(word, fingerprintMask);
            entries++;
            int r = Arrays.binarySearch(records, record);
            if (r < 0) {
                report(new Problem(slotAt, "slot's record offset", Long.toString(record),
                        "the offset of a record in the data region"));
                continue;
            }
            if ((named[r >> 6] & (1L << r)) != 0) {
                report(new Problem(slotAt, "slot's record offset", Long.toString(record),
                        "a record no other slot names"));
                continue;
            }
            named[r >> 6] |= 1L << r;
            long keyLength = uintAt(file, record + KEY_LENGTH);
            long valueLength = longAt(file, record + VALUE_LENGTH);
            keyBytes += keyLength;
            valueBytes += valueLength;
            largest = Math.max(largest, valueLength);
            MemorySegment key = file.asSlice(record + RECORD_HEADER_BYTES, keyLength);
            long keyHash = store.keyHash().hash(key, 0, keyLength);
            long fingerprint = word & fingerprintMask;
            if (fingerprint != (keyHash & fingerprintMask)) {
                report(new Problem(slotAt, "slot's fingerprint", Long.toHexString(fingerprint),
                        Long.toHexString(keyHash & fingerprintMask) + ", the high "
                                + Long.bitCount(fingerprintMask) + " bits of the XXH3 of its record's key"));
                continue;
            }
            long distance = displacement(slot, fingerprint, h.slots());
            maxDisplacement = Math.max(maxDisplacement, distance);
            long found;
            try {
                found = store.recordOf(key);
            } catch (CorruptEntryException e) {
                report(new Problem(e.offset(), "slot on the way to slot " + slot, e.getMessage(), "a sound slot"));
                continue;
            }
            if (found != record) {
                report(new Problem(slotAt, "slot's place", "slot " + slot + ", " + distance + " past its home",
                        "a place a lookup of its key reaches: within the max displacement " + h.maxDisplacement()
                                + ", with no empty slot or Robin Hood stop before it"));
            }
        }
        expectTotal(StaticHeader.AT_ENTRIES, "entries", h.entries(), entries, "the slots in use");
        expectTotal(StaticHeader.AT_KEY_BYTES, "key bytes", h.keyBytes(), keyBytes, "the keys' bytes");
        expectTotal(StaticHeader.AT_VALUE_BYTES, "value bytes", h.valueBytes(), valueBytes, "the values' bytes");
        expectTotal(StaticHeader.AT_LARGEST_VALUE, "largest value", h.largestValue(), largest, "the longest value");
        expectTotal(StaticHeader.AT_MAX_DISPLACEMENT, "max displacement", h.maxDisplacement(), maxDisplacement,
                "the longest distance of a slot from its home");
    }

    private void expectTotal(long offset, String field, long stored, long counted, String what) {
        if (stored != counted) {
            report(new Problem(offset, field, Long.toUnsignedString(stored), counted + ", " + what + " in the index"));
        }
    }

    /** Reports the first non-zero byte in [from, to), if any. */
    private void zeros(long from, long to, String what) {
        for (long at = from; at < to; at++) {
            if (file.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at) != 0) {
                report(new Problem(at, what, "a non-zero byte", "zero"));
                return;
            }
        }
    }

    private void report(Problem problem) {
        if (problems.size() < MAX_PROBLEMS) {
            problems.add(problem);
        } else if (omitted++ == 0) {
            firstOmitted = problem.offset();
        }
    }
}
