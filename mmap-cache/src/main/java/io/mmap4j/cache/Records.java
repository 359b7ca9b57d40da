package io.mmap4j.cache;

import static io.mmap4j.cache.CacheFormat.INT;
import static io.mmap4j.cache.CacheFormat.KIND_OBJECT;
import static io.mmap4j.cache.CacheFormat.KIND_TOMBSTONE;
import static io.mmap4j.cache.CacheFormat.LONG;
import static io.mmap4j.cache.CacheFormat.MAX_KEY_BYTES;
import static io.mmap4j.cache.CacheFormat.MAX_VALUE_BYTES;
import static io.mmap4j.cache.CacheFormat.RECORD_HEADER_BYTES;
import static io.mmap4j.cache.CacheFormat.RECORD_MAGIC;
import static io.mmap4j.cache.CacheFormat.R_BODY_CRC;
import static io.mmap4j.cache.CacheFormat.R_HEADER_CRC;
import static io.mmap4j.cache.CacheFormat.R_KEY_LENGTH;
import static io.mmap4j.cache.CacheFormat.R_KIND;
import static io.mmap4j.cache.CacheFormat.R_MAGIC;
import static io.mmap4j.cache.CacheFormat.R_POSITION;
import static io.mmap4j.cache.CacheFormat.R_RESERVED;
import static io.mmap4j.cache.CacheFormat.R_SERIAL;
import static io.mmap4j.cache.CacheFormat.R_VALUE_LENGTH;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Records in the data region: a 40-byte header, the key, the value, zeros to the next 512-byte
 * unit. The header names the ring position it was written at and the sync serial of its time, so
 * that a record is only ever taken for the one written there since the last directory sync.
 */
final class Records {
    /** A key's bytes read eight at a time, in the order {@link CacheFormat#LONG} reads the record's. */
    private static final VarHandle KEY_LONG = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);

    private Records() {
    }

    /** Writes a record's header at {@code at}; its key and value are already in place after it. */
    static void writeHeader(MemorySegment s, long at, int kind, int keyLength, int valueLength, long position,
                            long serial, int bodyCrc, long volumeId) {
        s.set(INT, at + R_MAGIC, RECORD_MAGIC);
        s.set(INT, at + R_KIND, kind); // kind and three reserved zero bytes
        s.set(INT, at + R_KEY_LENGTH, keyLength);
        s.set(INT, at + R_VALUE_LENGTH, valueLength);
        s.set(LONG, at + R_POSITION, position);
        s.set(LONG, at + R_SERIAL, serial);
        s.set(INT, at + R_BODY_CRC, bodyCrc);
        s.set(INT, at + R_HEADER_CRC, headerCrc(s, at, volumeId));
    }

    /** The header CRC: CRC32C of header bytes 0 to 35, exclusive-or the volume id's two halves. */
    static int headerCrc(MemorySegment s, long at, long volumeId) {
        return ShortCrc32c.of(s, at, R_HEADER_CRC) ^ (int) (volumeId ^ (volumeId >>> 32));
    }

    /**
     * Whether a sound record header, written at ring position {@code position}, is at {@code at}:
     * magic, kind, reserved bytes, lengths within the limits and within {@code room}, position and
     * header CRC. The body CRC is the caller's to check.
     */
    static boolean headerAt(MemorySegment s, long at, long position, long volumeId, long room) {
        if (room < RECORD_HEADER_BYTES || s.get(INT, at + R_MAGIC) != RECORD_MAGIC
                || s.get(LONG, at + R_POSITION) != position) {
            return false;
        }
        int kind = s.get(ValueLayout.JAVA_BYTE, at + R_KIND);
        long keyLength = keyLength(s, at);
        long valueLength = valueLength(s, at);
        return (kind == KIND_OBJECT || kind == KIND_TOMBSTONE && valueLength == 0)
                && s.get(ValueLayout.JAVA_BYTE, at + R_RESERVED) == 0
                && s.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + R_RESERVED + 1) == 0
                && keyLength <= MAX_KEY_BYTES && valueLength <= MAX_VALUE_BYTES
                && RECORD_HEADER_BYTES + keyLength + valueLength <= room
                && s.get(INT, at + R_HEADER_CRC) == headerCrc(s, at, volumeId);
    }

    static int kind(MemorySegment s, long at) {
        return s.get(ValueLayout.JAVA_BYTE, at + R_KIND);
    }

    static long keyLength(MemorySegment s, long at) {
        return Integer.toUnsignedLong(s.get(INT, at + R_KEY_LENGTH));
    }

    static long valueLength(MemorySegment s, long at) {
        return Integer.toUnsignedLong(s.get(INT, at + R_VALUE_LENGTH));
    }

    static long serial(MemorySegment s, long at) {
        return s.get(LONG, at + R_SERIAL);
    }

    static int bodyCrc(MemorySegment s, long at) {
        return s.get(INT, at + R_BODY_CRC);
    }

    /** Whether the key and value bytes match the header's body CRC, computed with {@code crc}. */
    static boolean bodySound(MemorySegment s, long at, MappedCrc crc) {
        return crc.of(s, at + RECORD_HEADER_BYTES, keyLength(s, at) + valueLength(s, at)) == bodyCrc(s, at);
    }

    /**
     * Whether the key of the record at {@code at}, whose length the caller has checked is
     * {@code key.length}, is {@code key}. Compares eight bytes at a time and allocates nothing: it
     * runs on every probe that meets the key's tag ({@code MemorySegment.mismatch} would need the
     * key wrapped in a segment first).
     */
    static boolean keyEquals(MemorySegment s, long at, byte[] key) {
        long from = keyAt(at);
        int i = 0;
        for (; i <= key.length - Long.BYTES; i += Long.BYTES) {
            if (s.get(LONG, from + i) != (long) KEY_LONG.get(key, i)) {
                return false;
            }
        }
        for (; i < key.length; i++) {
            if (s.get(ValueLayout.JAVA_BYTE, from + i) != key[i]) {
                return false;
            }
        }
        return true;
    }

    /** The byte offset of the key. */
    static long keyAt(long at) {
        return at + RECORD_HEADER_BYTES;
    }
}
