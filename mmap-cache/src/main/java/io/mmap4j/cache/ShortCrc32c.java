package io.mmap4j.cache;

import static io.mmap4j.cache.CacheFormat.LONG;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * CRC32C (Castagnoli, the JDK's {@code CRC32C}) of a few dozen bytes, eight at a time through
 * tables (Intel's slicing-by-8): for record headers, checked on every probe. It reads the bytes
 * where they are and allocates nothing, where the JDK's class needs an object and a buffer view
 * of the segment per call; for long runs (record bodies) the JDK's intrinsic is faster.
 */
final class ShortCrc32c {
    /** {@code TABLE[k * 256 + b]}: the CRC of byte {@code b} followed by {@code k} zero bytes. */
    private static final int[] TABLE = new int[8 * 256];

    static {
        for (int b = 0; b < 256; b++) {
            int c = b;
            for (int i = 0; i < 8; i++) {
                c = (c >>> 1) ^ (0x82F63B78 & -(c & 1)); // the reflected Castagnoli polynomial
            }
            TABLE[b] = c;
        }
        for (int k = 1; k < 8; k++) {
            for (int b = 0; b < 256; b++) {
                int prev = TABLE[(k - 1) * 256 + b];
                TABLE[k * 256 + b] = (prev >>> 8) ^ TABLE[prev & 0xFF];
            }
        }
    }

    private ShortCrc32c() {
    }

    /** The CRC32C of {@code length} bytes of {@code s} from {@code offset}, as {@code CRC32C} computes it. */
    static int of(MemorySegment s, long offset, int length) {
        int crc = ~0;
        int i = 0;
        for (; i <= length - Long.BYTES; i += Long.BYTES) {
            long v = s.get(LONG, offset + i) ^ (crc & 0xFFFF_FFFFL);
            crc = TABLE[7 * 256 + (int) (v & 0xFF)] ^ TABLE[6 * 256 + (int) (v >>> 8 & 0xFF)]
                    ^ TABLE[5 * 256 + (int) (v >>> 16 & 0xFF)] ^ TABLE[4 * 256 + (int) (v >>> 24 & 0xFF)]
                    ^ TABLE[3 * 256 + (int) (v >>> 32 & 0xFF)] ^ TABLE[2 * 256 + (int) (v >>> 40 & 0xFF)]
                    ^ TABLE[256 + (int) (v >>> 48 & 0xFF)] ^ TABLE[(int) (v >>> 56)];
        }
        for (; i < length; i++) {
            crc = (crc >>> 8) ^ TABLE[(crc ^ s.get(ValueLayout.JAVA_BYTE, offset + i)) & 0xFF];
        }
        return ~crc;
    }
}
