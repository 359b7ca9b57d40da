package io.mmap4j.store;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * XXH64, the 64-bit xxHash of Yann Collet's specification ({@code doc/xxhash_spec.md} of the
 * xxHash repository), seeded: the hash of a static store's keys. Written from the specification;
 * its test vectors are in {@code docs/static-store-format.md} and checked by the tests.
 *
 * <p>Keys come as bytes (a segment, which may wrap a heap array) or as a {@code String}, hashed as
 * its UTF-8 encoding ({@link String#getBytes(java.nio.charset.Charset)}: an unpaired surrogate is
 * {@code '?'}) without encoding it into an array, so that a lookup by a {@code String} allocates
 * nothing.
 */
final class StaticKeyHash {
    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Little-endian words of a {@code byte[]}: the lookup by array reads its key through these, not a heap segment. */
    static final VarHandle ARRAY_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle ARRAY_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private StaticKeyHash() {
    }

    /** XXH64 of the {@code length} bytes of {@code key} from {@code offset}. */
    static long hash(MemorySegment key, long offset, long length, long seed) {
        long p = offset;
        long end = offset + length;
        long h;
        if (length >= 32) {
            long v1 = seed + P1 + P2;
            long v2 = seed + P2;
            long v3 = seed;
            long v4 = seed - P1;
            for (long limit = end - 32; p <= limit; p += 32) {
                v1 = round(v1, key.get(LONG, p));
                v2 = round(v2, key.get(LONG, p + 8));
                v3 = round(v3, key.get(LONG, p + 16));
                v4 = round(v4, key.get(LONG, p + 24));
            }
            h = converge(v1, v2, v3, v4);
        } else {
            h = seed + P5;
        }
        h += length;
        for (; p + 8 <= end; p += 8) {
            h = tail8(h, key.get(LONG, p));
        }
        if (p + 4 <= end) {
            h = tail4(h, key.get(INT, p));
            p += 4;
        }
        for (; p < end; p++) {
            h = tail1(h, key.get(ValueLayout.JAVA_BYTE, p));
        }
        return avalanche(h);
    }

    /**
     * XXH64 of {@code key}, as {@link #hash(MemorySegment, long, long, long)} of its bytes. The
     * lookup's own path: read straight from the array, with none of a segment's checks, and with a
     * call site that only ever sees arrays (a segment access that sees heap, native and mapped
     * segments compiles to a slower, general path).
     */
    static long hash(byte[] key, long seed) {
        int p = 0;
        int end = key.length;
        long h;
        if (end >= 32) {
            long v1 = seed + P1 + P2;
            long v2 = seed + P2;
            long v3 = seed;
            long v4 = seed - P1;
            for (int limit = end - 32; p <= limit; p += 32) {
                v1 = round(v1, (long) ARRAY_LONG.get(key, p));
                v2 = round(v2, (long) ARRAY_LONG.get(key, p + 8));
                v3 = round(v3, (long) ARRAY_LONG.get(key, p + 16));
                v4 = round(v4, (long) ARRAY_LONG.get(key, p + 24));
            }
            h = converge(v1, v2, v3, v4);
        } else {
            h = seed + P5;
        }
        h += end;
        for (; p + 8 <= end; p += 8) {
            h = tail8(h, (long) ARRAY_LONG.get(key, p));
        }
        if (p + 4 <= end) {
            h = tail4(h, (int) ARRAY_INT.get(key, p));
            p += 4;
        }
        for (; p < end; p++) {
            h = tail1(h, key[p]);
        }
        return avalanche(h);
    }

    /** XXH64 of the UTF-8 encoding of {@code key}, computed from its chars without encoding it. */
    static long hashUtf8(String key, long seed) {
        long length = utf8Length(key);
        // Bytes before stripeEnd go through the four accumulators, 32 at a time; the rest is the tail.
        long stripeEnd = length >= 32 ? length & ~31L : 0;
        long v1 = seed + P1 + P2;
        long v2 = seed + P2;
        long v3 = seed;
        long v4 = seed - P1;
        long h = length >= 32 ? 0 : seed + P5 + length;
        long word = 0; // the next 8 bytes, little-endian, filled as the chars are encoded
        int wordBytes = 0;
        long consumed = 0; // bytes already hashed as whole words
        int n = key.length();
        for (int i = 0; i < n; i++) {
            char c = key.charAt(i);
            long bytes; // the char's UTF-8 bytes, first byte lowest
            int count;
            if (c < 0x80) {
                bytes = c;
                count = 1;
            } else if (c < 0x800) {
                bytes = (0xC0 | (c >> 6)) | (long) (0x80 | (c & 0x3F)) << 8;
                count = 2;
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(key.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, key.charAt(++i));
                    bytes = (0xF0 | (cp >> 18)) | (long) (0x80 | ((cp >> 12) & 0x3F)) << 8
                            | (long) (0x80 | ((cp >> 6) & 0x3F)) << 16 | (long) (0x80 | (cp & 0x3F)) << 24;
                    count = 4;
                } else {
                    bytes = '?';
                    count = 1;
                }
            } else {
                bytes = (0xE0 | (c >> 12)) | (long) (0x80 | ((c >> 6) & 0x3F)) << 8 | (long) (0x80 | (c & 0x3F)) << 16;
                count = 3;
            }
            word |= bytes << (8 * wordBytes);
            if (wordBytes + count < 8) {
                wordBytes += count;
                continue;
            }
            // A whole word: into the accumulators while in the stripes, else into the tail.
            if (consumed < stripeEnd) {
                switch ((int) (consumed >>> 3) & 3) {
                    case 0 -> v1 = round(v1, word);
                    case 1 -> v2 = round(v2, word);
                    case 2 -> v3 = round(v3, word);
                    default -> v4 = round(v4, word);
                }
                if (consumed + 8 == stripeEnd) {
                    h = converge(v1, v2, v3, v4) + length;
                }
            } else {
                h = tail8(h, word);
            }
            consumed += 8;
            int used = 8 - wordBytes;
            word = used < count ? bytes >>> (8 * used) : 0;
            wordBytes = count - used;
        }
        if (wordBytes >= 4) {
            h = tail4(h, (int) word);
            word >>>= 32;
            wordBytes -= 4;
        }
        for (; wordBytes > 0; wordBytes--, word >>>= 8) {
            h = tail1(h, (byte) word);
        }
        return avalanche(h);
    }

    /** The number of bytes of {@code s} in UTF-8, as {@link String#getBytes} encodes it. */
    static long utf8Length(String s) {
        long length = 0;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                length += 1;
            } else if (c < 0x800) {
                length += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                length += 4;
                i++;
            } else {
                length += Character.isSurrogate(c) ? 1 : 3;
            }
        }
        return length;
    }

    /**
     * Whether the {@code length} bytes of {@code segment} at {@code offset} are the UTF-8 encoding
     * of {@code s}, compared as it is encoded, without allocating.
     */
    static boolean equalsUtf8(MemorySegment segment, long offset, long length, String s) {
        long p = offset;
        long end = offset + length;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            int cp = codePoint(s, i);
            i += Character.charCount(cp) - 1;
            int count = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (end - p < count) {
                return false;
            }
            if (count == 1) {
                if (segment.get(ValueLayout.JAVA_BYTE, p) != cp) {
                    return false;
                }
            } else {
                // Lead byte, then continuation bytes of 6 bits each, most significant first.
                if ((segment.get(ValueLayout.JAVA_BYTE, p) & 0xFF) != leadByte(cp, count)) {
                    return false;
                }
                for (int k = 1; k < count; k++) {
                    int expected = 0x80 | ((cp >> (6 * (count - 1 - k))) & 0x3F);
                    if ((segment.get(ValueLayout.JAVA_BYTE, p + k) & 0xFF) != expected) {
                        return false;
                    }
                }
            }
            p += count;
        }
        return p == end;
    }

    /**
     * The code point of {@code s} at {@code i} as {@link String#getBytes} encodes it in UTF-8: a
     * surrogate pair's, or {@code '?'} for an unpaired surrogate (then one char, as its
     * {@link Character#charCount} says).
     */
    static int codePoint(String s, int i) {
        char c = s.charAt(i);
        if (!Character.isSurrogate(c)) {
            return c;
        }
        return Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                ? Character.toCodePoint(c, s.charAt(i + 1)) : '?';
    }

    /** The first byte of the {@code count}-byte UTF-8 encoding of {@code cp} (count 2 to 4). */
    static int leadByte(int cp, int count) {
        return count == 2 ? 0xC0 | (cp >> 6) : count == 3 ? 0xE0 | (cp >> 12) : 0xF0 | (cp >> 18);
    }

    private static long round(long acc, long lane) {
        return Long.rotateLeft(acc + lane * P2, 31) * P1;
    }

    private static long converge(long v1, long v2, long v3, long v4) {
        long h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
        h = merge(h, v1);
        h = merge(h, v2);
        h = merge(h, v3);
        return merge(h, v4);
    }

    private static long merge(long h, long v) {
        return (h ^ round(0, v)) * P1 + P4;
    }

    private static long tail8(long h, long lane) {
        return Long.rotateLeft(h ^ round(0, lane), 27) * P1 + P4;
    }

    private static long tail4(long h, int lane) {
        return Long.rotateLeft(h ^ (Integer.toUnsignedLong(lane) * P1), 23) * P2 + P3;
    }

    private static long tail1(long h, byte b) {
        return Long.rotateLeft(h ^ ((b & 0xFF) * P5), 11) * P1;
    }

    private static long avalanche(long h) {
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        return h ^ (h >>> 32);
    }
}
