package io.mmap4j.cache;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The constants of the volume format ({@code docs/cache-volume-format.md}) and the little-endian
 * accessors every part of it uses. The field offsets here are the document's tables.
 */
final class CacheFormat {
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Data is placed and addressed in units of this many bytes: 40-bit offsets reach 512 TiB. */
    static final int UNIT = 512;
    static final int PAGE = 4096;
    /** 2: the directory copies carry the counts of gets, evictions, bytes written and damage (version 1 did not). */
    static final int VERSION = 2;

    // The volume header: one page at offset 0, written once when the volume is created.
    static final long MAGIC = magic("MMAP4JCV");
    static final int HEADER_BYTES = PAGE;
    static final int H_MAGIC = 0;
    static final int H_VERSION = 8;
    static final int H_HEADER_BYTES = 12;
    static final int H_VOLUME_BYTES = 16;
    static final int H_VOLUME_ID = 24;
    static final int H_HASH_K0 = 32;
    static final int H_HASH_K1 = 40;
    static final int H_AVERAGE_OBJECT = 48;
    static final int H_SEGMENTS = 52;
    static final int H_BUCKETS_PER_SEGMENT = 56;
    static final int H_RESERVED = 60;
    static final int H_ENTRIES = 64;
    static final int H_COPY_BYTES = 72;
    static final int H_COPY_A = 80;
    static final int H_COPY_B = 88;
    static final int H_DATA_OFFSET = 96;
    static final int H_DATA_BYTES = 104;
    static final int H_CREATED = 112;
    static final int H_CRC = 120;
    static final int H_USED = 124;

    // A directory copy: a 128-byte header, the entries, a 32-byte footer, zeros to a page boundary.
    static final long COPY_MAGIC = magic("CVDIRHDR");
    static final long FOOTER_MAGIC = magic("CVDIRFTR");
    static final int COPY_HEADER_BYTES = 128;
    static final int FOOTER_BYTES = 32;
    static final int C_MAGIC = 0;
    static final int C_SERIAL = 8;
    static final int C_CURSOR = 16;
    static final int C_ENTRIES = 24;
    static final int C_OBJECTS = 32;
    static final int C_RECOVERIES = 40;
    static final int C_WRITE_BYTES = 48;
    static final int C_FLAGS = 52;
    static final int C_HITS = 56;
    static final int C_MISSES = 64;
    static final int C_EVICTIONS = 72;
    static final int C_BYTES_WRITTEN = 80;
    static final int C_CORRUPT = 88;
    static final int C_RESERVED = 96;
    static final int C_ENTRIES_CRC = 120;
    static final int C_CRC = 124;
    static final int FLAG_CLEAN = 1;
    static final int F_MAGIC = 0;
    static final int F_SERIAL = 8;
    static final int F_ENTRIES_CRC = 16;
    static final int F_RESERVED = 20;
    static final int F_CRC = 28;

    // A record in the data region: a 40-byte header, the key, the value, zeros to a unit boundary.
    static final int RECORD_MAGIC = (int) magic("CVR1\0\0\0\0");
    static final int RECORD_HEADER_BYTES = 40;
    static final int KIND_OBJECT = 1;
    static final int KIND_TOMBSTONE = 2;
    static final int R_MAGIC = 0;
    static final int R_KIND = 4;
    static final int R_RESERVED = 5;
    static final int R_KEY_LENGTH = 8;
    static final int R_VALUE_LENGTH = 12;
    static final int R_POSITION = 16;
    static final int R_SERIAL = 24;
    static final int R_BODY_CRC = 32;
    static final int R_HEADER_CRC = 36;

    /** The directory entry: ten bytes, five little-endian 16-bit words (see {@link DirEntry}). */
    static final int ENTRY_BYTES = 10;
    /** Entries in a bucket: the bucket's head and the three that start on its free list. */
    static final int BUCKET_DEPTH = 4;
    /** Entries in a segment at most, so that a 16-bit index links them. */
    static final int MAX_SEGMENT_ENTRIES = 1 << 16;

    static final int MAX_KEY_BYTES = 4096;
    /** 16 MiB less 8 KiB: with the header and the longest key, a record stays within 16 MiB, the largest approximate size. */
    static final int MAX_VALUE_BYTES = (16 << 20) - (8 << 10);
    /** 40-bit unit offsets, one value (0) meaning empty. */
    static final long MAX_DATA_UNITS = (1L << 40) - 1;

    private CacheFormat() {
    }

    static long magic(String ascii) {
        byte[] b = ascii.getBytes(StandardCharsets.US_ASCII);
        long m = 0;
        for (int i = 7; i >= 0; i--) {
            m = (m << 8) | (b[i] & 0xFF);
        }
        return m;
    }

    static long roundUp(long value, long unit) {
        return (value + unit - 1) / unit * unit;
    }

    /** The bytes a record of these lengths takes, a multiple of {@link #UNIT}. */
    static long recordBytes(long keyLength, long valueLength) {
        return roundUp(RECORD_HEADER_BYTES + keyLength + valueLength, UNIT);
    }

    /** CRC32C of {@code length} bytes of {@code s} from {@code offset}. */
    static int crc(MemorySegment s, long offset, long length) {
        CRC32C crc = new CRC32C();
        update(crc, s, offset, length);
        return (int) crc.getValue();
    }

    /** Writes all of {@code bytes} at {@code fileOffset}. */
    static void write(FileChannel channel, MemorySegment bytes, long fileOffset) throws IOException {
        ByteBuffer b = bytes.asByteBuffer();
        long at = fileOffset;
        while (b.hasRemaining()) {
            at += channel.write(b, at);
        }
    }

    static void update(CRC32C crc, MemorySegment s, long offset, long length) {
        // asByteBuffer takes at most 2 GiB; a directory copy may be larger.
        long done = 0;
        while (done < length) {
            int chunk = (int) Math.min(length - done, 1 << 30);
            crc.update(s.asSlice(offset + done, chunk).asByteBuffer());
            done += chunk;
        }
    }
}
