package io.mmap4j.cache;

import static io.mmap4j.cache.CacheFormat.HEADER_BYTES;
import static io.mmap4j.cache.CacheFormat.H_AVERAGE_OBJECT;
import static io.mmap4j.cache.CacheFormat.H_BUCKETS_PER_SEGMENT;
import static io.mmap4j.cache.CacheFormat.H_COPY_A;
import static io.mmap4j.cache.CacheFormat.H_COPY_B;
import static io.mmap4j.cache.CacheFormat.H_COPY_BYTES;
import static io.mmap4j.cache.CacheFormat.H_CRC;
import static io.mmap4j.cache.CacheFormat.H_CREATED;
import static io.mmap4j.cache.CacheFormat.H_DATA_BYTES;
import static io.mmap4j.cache.CacheFormat.H_DATA_OFFSET;
import static io.mmap4j.cache.CacheFormat.H_ENTRIES;
import static io.mmap4j.cache.CacheFormat.H_HASH_K0;
import static io.mmap4j.cache.CacheFormat.H_HASH_K1;
import static io.mmap4j.cache.CacheFormat.H_HEADER_BYTES;
import static io.mmap4j.cache.CacheFormat.H_MAGIC;
import static io.mmap4j.cache.CacheFormat.H_RESERVED;
import static io.mmap4j.cache.CacheFormat.H_SEGMENTS;
import static io.mmap4j.cache.CacheFormat.H_USED;
import static io.mmap4j.cache.CacheFormat.H_VERSION;
import static io.mmap4j.cache.CacheFormat.H_VOLUME_BYTES;
import static io.mmap4j.cache.CacheFormat.H_VOLUME_ID;
import static io.mmap4j.cache.CacheFormat.INT;
import static io.mmap4j.cache.CacheFormat.LONG;
import static io.mmap4j.cache.CacheFormat.MAGIC;
import static io.mmap4j.cache.CacheFormat.VERSION;

import io.mmap4j.cache.CacheVolume.Problem;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The volume header, the first page of the file: written once when the volume is created and
 * never again, so that every later check of it is read-only.
 *
 * @param geometry  where everything is
 * @param volumeId  a random number, mixed into every record's header CRC so that a record copied
 *                  from another volume never passes as this one's
 * @param hashKey0  the first half of the SipHash key of the directory
 * @param hashKey1  the second half
 * @param created   when the volume was created, in milliseconds since the epoch
 */
record VolumeHeader(VolumeGeometry geometry, long volumeId, long hashKey0, long hashKey1, long created) {
    /** Writes the header into the first {@value CacheFormat#HEADER_BYTES} bytes of {@code page} (zeroed first). */
    void write(MemorySegment page) {
        page.asSlice(0, HEADER_BYTES).fill((byte) 0);
        VolumeGeometry g = geometry;
        page.set(LONG, H_MAGIC, MAGIC);
        page.set(INT, H_VERSION, VERSION);
        page.set(INT, H_HEADER_BYTES, HEADER_BYTES);
        page.set(LONG, H_VOLUME_BYTES, g.volumeBytes());
        page.set(LONG, H_VOLUME_ID, volumeId);
        page.set(LONG, H_HASH_K0, hashKey0);
        page.set(LONG, H_HASH_K1, hashKey1);
        page.set(INT, H_AVERAGE_OBJECT, g.averageObject());
        page.set(INT, H_SEGMENTS, g.segments());
        page.set(INT, H_BUCKETS_PER_SEGMENT, g.bucketsPerSegment());
        page.set(LONG, H_ENTRIES, g.entries());
        page.set(LONG, H_COPY_BYTES, g.copyBytes());
        page.set(LONG, H_COPY_A, g.copyOffset(0));
        page.set(LONG, H_COPY_B, g.copyOffset(1));
        page.set(LONG, H_DATA_OFFSET, g.dataOffset());
        page.set(LONG, H_DATA_BYTES, g.dataBytes());
        page.set(LONG, H_CREATED, created);
        page.set(INT, H_CRC, CacheFormat.crc(page, 0, H_CRC));
    }

    /** Whether the file starts with the volume magic: a cache volume, sound or not. */
    static boolean hasMagic(MemorySegment file) {
        return file.byteSize() >= 8 && file.get(LONG, H_MAGIC) == MAGIC;
    }

    /**
     * Every problem of the header of {@code file}: the magic, version and CRC, and each size and
     * offset recomputed from the volume size, the average object size and the segment count.
     * Empty if the header is sound and agrees with the file's length.
     */
    static List<Problem> check(MemorySegment file) {
        List<Problem> problems = new ArrayList<>();
        if (file.byteSize() < HEADER_BYTES) {
            problems.add(new Problem(0, "file length", Long.toString(file.byteSize()),
                    "at least " + HEADER_BYTES + " bytes, the volume header"));
            return problems;
        }
        long magic = file.get(LONG, H_MAGIC);
        if (magic != MAGIC) {
            problems.add(new Problem(H_MAGIC, "magic", HexFormat.ofDelimiter(" ").formatHex(file.asSlice(0, 8).toArray(
                    java.lang.foreign.ValueLayout.JAVA_BYTE)), "\"MMAP4JCV\", a cache volume"));
            return problems;
        }
        int version = file.get(INT, H_VERSION);
        if (version != VERSION) {
            problems.add(new Problem(H_VERSION, "version", Integer.toUnsignedString(version), VERSION
                    + ", the only version this mmap4j reads" + (version == 1 ? " (a version-1 volume, from before"
                    + " directory copies carried the counts, is a cache: delete it and open creates a new one)" : "")));
            return problems;
        }
        int crc = ShortCrc32c.of(file, 0, H_CRC);
        if (file.get(INT, H_CRC) != crc) {
            problems.add(new Problem(H_CRC, "header crc32c", Integer.toUnsignedString(file.get(INT, H_CRC)),
                    Integer.toUnsignedString(crc) + ", the CRC32C of bytes 0 to 119"));
        }
        expect(problems, file, H_HEADER_BYTES, "header bytes", file.get(INT, H_HEADER_BYTES), HEADER_BYTES);
        expect(problems, file, H_RESERVED, "reserved", file.get(INT, H_RESERVED), 0);
        for (long at = H_USED; at < HEADER_BYTES; at += 4) {
            if (file.get(INT, at) != 0) {
                problems.add(new Problem(at, "reserved header bytes", "not zero", "zero up to byte " + HEADER_BYTES));
                break;
            }
        }
        long volumeBytes = file.get(LONG, H_VOLUME_BYTES);
        int average = file.get(INT, H_AVERAGE_OBJECT);
        VolumeGeometry g;
        try {
            g = VolumeGeometry.of(volumeBytes, average);
        } catch (IllegalArgumentException e) {
            problems.add(new Problem(H_VOLUME_BYTES, "volume bytes and average object bytes",
                    volumeBytes + " and " + average, "a size the format allows: " + e.getMessage()));
            return problems;
        }
        expect(problems, file, H_SEGMENTS, "segments", file.get(INT, H_SEGMENTS), g.segments());
        expect(problems, file, H_BUCKETS_PER_SEGMENT, "buckets per segment", file.get(INT, H_BUCKETS_PER_SEGMENT),
                g.bucketsPerSegment());
        expect(problems, file, H_ENTRIES, "entries", file.get(LONG, H_ENTRIES), g.entries());
        expect(problems, file, H_COPY_BYTES, "copy bytes", file.get(LONG, H_COPY_BYTES), g.copyBytes());
        expect(problems, file, H_COPY_A, "copy A offset", file.get(LONG, H_COPY_A), g.copyOffset(0));
        expect(problems, file, H_COPY_B, "copy B offset", file.get(LONG, H_COPY_B), g.copyOffset(1));
        expect(problems, file, H_DATA_OFFSET, "data offset", file.get(LONG, H_DATA_OFFSET), g.dataOffset());
        expect(problems, file, H_DATA_BYTES, "data bytes", file.get(LONG, H_DATA_BYTES), g.dataBytes());
        if (file.byteSize() < volumeBytes) {
            problems.add(new Problem(H_VOLUME_BYTES, "volume bytes", Long.toString(volumeBytes),
                    "at most the file's length " + file.byteSize()));
        }
        return problems;
    }

    private static void expect(List<Problem> problems, MemorySegment file, long at, String field, long found, long expected) {
        if (found != expected) {
            problems.add(new Problem(at, field, Long.toUnsignedString(found), Long.toString(expected)
                    + ", from the volume size " + file.get(LONG, H_VOLUME_BYTES) + " and the average object size "
                    + file.get(INT, H_AVERAGE_OBJECT)));
        }
    }

    /** Reads a header that {@link #check} found sound. */
    static VolumeHeader read(MemorySegment file) {
        VolumeGeometry g = VolumeGeometry.of(file.get(LONG, H_VOLUME_BYTES), file.get(INT, H_AVERAGE_OBJECT));
        return new VolumeHeader(g, file.get(LONG, H_VOLUME_ID), file.get(LONG, H_HASH_K0), file.get(LONG, H_HASH_K1),
                file.get(LONG, H_CREATED));
    }
}
