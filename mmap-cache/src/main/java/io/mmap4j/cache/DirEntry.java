package io.mmap4j.cache;

/**
 * The bit fields of a directory entry, Traffic Server's ten bytes: five little-endian 16-bit words,
 * held here as {@code lo} (words 0 to 3, bytes 0 to 7) and {@code hi} (word 4, bytes 8 and 9).
 *
 * <pre>
 * word 0  offset bits 0-15
 * word 1  offset bits 16-23 (bits 0-7) | big (bits 8-9) | size (bits 10-15)
 * word 2  tag (bits 0-11) | phase (12) | head (13) | pinned (14) | token (15)
 * word 3  next: the index in its segment of the next entry of the chain, 0 for none
 * word 4  offset bits 24-39
 * </pre>
 *
 * The offset counts 512-byte units from the data region's start, plus one: 0 means the entry is
 * empty. The approximate size is {@code (size + 1) * 2^(9 + 3 * big)} bytes, never below the
 * record's real size, and at most 16 MiB.
 */
final class DirEntry {
    static final int MAX_TAG = 0xFFF;
    static final long MAX_OFFSET = (1L << 40) - 1;
    static final long MAX_APPROX_BYTES = 64L << 18;

    private DirEntry() {
    }

    static long offset(long lo, short hi) {
        return (lo & 0xFFFFL) | ((lo >>> 16) & 0xFFL) << 16 | (hi & 0xFFFFL) << 24;
    }

    static int big(long lo) {
        return (int) (lo >>> 24) & 3;
    }

    static int size(long lo) {
        return (int) (lo >>> 26) & 63;
    }

    static int tag(long lo) {
        return (int) (lo >>> 32) & MAX_TAG;
    }

    static int phase(long lo) {
        return (int) (lo >>> 44) & 1;
    }

    static int head(long lo) {
        return (int) (lo >>> 45) & 1;
    }

    static int pinned(long lo) {
        return (int) (lo >>> 46) & 1;
    }

    static int token(long lo) {
        return (int) (lo >>> 47) & 1;
    }

    static int next(long lo) {
        return (int) (lo >>> 48) & 0xFFFF;
    }

    static long withNext(long lo, int next) {
        return (lo & 0x0000_FFFF_FFFF_FFFFL) | (long) next << 48;
    }

    static long withOffset(long lo, long offset) {
        return (lo & ~0xFF_FFFFL) | (offset & 0xFFFFL) | ((offset >>> 16) & 0xFFL) << 16;
    }

    static short offsetHigh(long offset) {
        return (short) (offset >>> 24);
    }

    static long withSize(long lo, int big, int size) {
        return (lo & ~(0xFFL << 24)) | (long) big << 24 | (long) size << 26;
    }

    static long withTag(long lo, int tag) {
        return (lo & ~(0xFFFL << 32)) | (long) tag << 32;
    }

    static long withFlags(long lo, int phase, int head, int pinned, int token) {
        return (lo & ~(0xFL << 44)) | (long) phase << 44 | (long) head << 45 | (long) pinned << 46 | (long) token << 47;
    }

    /** The approximate size the fields give: never below the size they were made from. */
    static long approxBytes(long lo) {
        return (long) (size(lo) + 1) << (9 + 3 * big(lo));
    }

    /** The {@code big} field for a record of {@code bytes}: the finest granularity that holds it in 64 steps. */
    static int bigFor(long bytes) {
        for (int big = 0; big < 4; big++) {
            if (bytes <= 64L << (9 + 3 * big)) {
                return big;
            }
        }
        throw new IllegalArgumentException("a record of " + bytes + " bytes is over the approximate size limit of "
                + MAX_APPROX_BYTES);
    }

    /** The {@code size} field for a record of {@code bytes} at granularity {@code big}. */
    static int sizeFor(long bytes, int big) {
        long unit = 1L << (9 + 3 * big);
        return (int) Math.max(0, (bytes + unit - 1) / unit - 1);
    }

    /** The low word of a new entry: an object's head, its offset, approximate size, tag and phase; no next. */
    static long make(long offset, long recordBytes, int tag, int phase) {
        int big = bigFor(recordBytes);
        long lo = withOffset(0, offset);
        lo = withSize(lo, big, sizeFor(recordBytes, big));
        lo = withTag(lo, tag);
        return withFlags(lo, phase, 1, 0, 0);
    }
}
