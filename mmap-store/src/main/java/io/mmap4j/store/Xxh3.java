package io.mmap4j.store;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * XXH3-64 with a seed, as the xxHash specification ({@code doc/xxhash_spec.md}, "XXH3 algorithm
 * description", v0.2.0) defines it: the key hash of a static store from format version 3 on.
 * Written from the specification; its test vectors, computed with the reference {@code xxhash.h},
 * are in {@code docs/static-store-format.md} and the tests.
 *
 * <p>Why XXH3 and not XXH64: a short key costs one 128-bit multiply and one avalanche instead of
 * XXH64's chain of eight dependent multiplies, and in the lookup benchmark that chain is most of
 * what keeps one lookup's cache misses from overlapping the next one's.
 *
 * <p>One instance per seed, made once per store (the seeded secret of keys over 240 bytes is
 * derived here, once); safe for any number of threads. Keys come as an array, a segment, or a
 * {@code String} hashed as its UTF-8 encoding ({@link String#getBytes(java.nio.charset.Charset)}:
 * an unpaired surrogate is {@code '?'}): an ASCII string is read char by char, others are encoded
 * into a buffer of the calling thread, reused, so that hashing a string allocates nothing once
 * the thread has hashed one of its length.
 */
final class Xxh3 {
    static final long PRIME32_1 = 0x9E3779B1L;
    static final long PRIME32_2 = 0x85EBCA77L;
    static final long PRIME32_3 = 0xC2B2AE3DL;
    static final long PRIME64_1 = 0x9E3779B185EBCA87L;
    static final long PRIME64_2 = 0xC2B2AE3D27D4EB4FL;
    static final long PRIME64_3 = 0x165667B19E3779F9L;
    static final long PRIME64_4 = 0x85EBCA77C2B2AE63L;
    static final long PRIME64_5 = 0x27D4EB2F165667C5L;
    static final long PRIME_MX1 = 0x165667919E3779F9L;
    static final long PRIME_MX2 = 0x9FB21C651E98DF25L;

    private static final int SECRET_BYTES = 192;
    private static final int STRIPE = 64;
    private static final int BLOCK = STRIPE * ((SECRET_BYTES - STRIPE) / 8); // 1024

    /** The specification's default secret. */
    private static final byte[] DEFAULT_SECRET = {
        (byte) 0xb8, (byte) 0xfe, (byte) 0x6c, (byte) 0x39, (byte) 0x23, (byte) 0xa4, (byte) 0x4b, (byte) 0xbe,
        (byte) 0x7c, (byte) 0x01, (byte) 0x81, (byte) 0x2c, (byte) 0xf7, (byte) 0x21, (byte) 0xad, (byte) 0x1c,
        (byte) 0xde, (byte) 0xd4, (byte) 0x6d, (byte) 0xe9, (byte) 0x83, (byte) 0x90, (byte) 0x97, (byte) 0xdb,
        (byte) 0x72, (byte) 0x40, (byte) 0xa4, (byte) 0xa4, (byte) 0xb7, (byte) 0xb3, (byte) 0x67, (byte) 0x1f,
        (byte) 0xcb, (byte) 0x79, (byte) 0xe6, (byte) 0x4e, (byte) 0xcc, (byte) 0xc0, (byte) 0xe5, (byte) 0x78,
        (byte) 0x82, (byte) 0x5a, (byte) 0xd0, (byte) 0x7d, (byte) 0xcc, (byte) 0xff, (byte) 0x72, (byte) 0x21,
        (byte) 0xb8, (byte) 0x08, (byte) 0x46, (byte) 0x74, (byte) 0xf7, (byte) 0x43, (byte) 0x24, (byte) 0x8e,
        (byte) 0xe0, (byte) 0x35, (byte) 0x90, (byte) 0xe6, (byte) 0x81, (byte) 0x3a, (byte) 0x26, (byte) 0x4c,
        (byte) 0x3c, (byte) 0x28, (byte) 0x52, (byte) 0xbb, (byte) 0x91, (byte) 0xc3, (byte) 0x00, (byte) 0xcb,
        (byte) 0x88, (byte) 0xd0, (byte) 0x65, (byte) 0x8b, (byte) 0x1b, (byte) 0x53, (byte) 0x2e, (byte) 0xa3,
        (byte) 0x71, (byte) 0x64, (byte) 0x48, (byte) 0x97, (byte) 0xa2, (byte) 0x0d, (byte) 0xf9, (byte) 0x4e,
        (byte) 0x38, (byte) 0x19, (byte) 0xef, (byte) 0x46, (byte) 0xa9, (byte) 0xde, (byte) 0xac, (byte) 0xd8,
        (byte) 0xa8, (byte) 0xfa, (byte) 0x76, (byte) 0x3f, (byte) 0xe3, (byte) 0x9c, (byte) 0x34, (byte) 0x3f,
        (byte) 0xf9, (byte) 0xdc, (byte) 0xbb, (byte) 0xc7, (byte) 0xc7, (byte) 0x0b, (byte) 0x4f, (byte) 0x1d,
        (byte) 0x8a, (byte) 0x51, (byte) 0xe0, (byte) 0x4b, (byte) 0xcd, (byte) 0xb4, (byte) 0x59, (byte) 0x31,
        (byte) 0xc8, (byte) 0x9f, (byte) 0x7e, (byte) 0xc9, (byte) 0xd9, (byte) 0x78, (byte) 0x73, (byte) 0x64,
        (byte) 0xea, (byte) 0xc5, (byte) 0xac, (byte) 0x83, (byte) 0x34, (byte) 0xd3, (byte) 0xeb, (byte) 0xc3,
        (byte) 0xc5, (byte) 0x81, (byte) 0xa0, (byte) 0xff, (byte) 0xfa, (byte) 0x13, (byte) 0x63, (byte) 0xeb,
        (byte) 0x17, (byte) 0x0d, (byte) 0xdd, (byte) 0x51, (byte) 0xb7, (byte) 0xf0, (byte) 0xda, (byte) 0x49,
        (byte) 0xd3, (byte) 0x16, (byte) 0x55, (byte) 0x26, (byte) 0x29, (byte) 0xd4, (byte) 0x68, (byte) 0x9e,
        (byte) 0x2b, (byte) 0x16, (byte) 0xbe, (byte) 0x58, (byte) 0x7d, (byte) 0x47, (byte) 0xa1, (byte) 0xfc,
        (byte) 0x8f, (byte) 0xf8, (byte) 0xb8, (byte) 0xd1, (byte) 0x7a, (byte) 0xd0, (byte) 0x31, (byte) 0xce,
        (byte) 0x45, (byte) 0xcb, (byte) 0x3a, (byte) 0x8f, (byte) 0x95, (byte) 0x16, (byte) 0x04, (byte) 0x28,
        (byte) 0xaf, (byte) 0xd7, (byte) 0xfb, (byte) 0xca, (byte) 0xbb, (byte) 0x4b, (byte) 0x40, (byte) 0x7e,
    };

    private static final VarHandle ARRAY_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle ARRAY_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    // Where the key's bytes are, so that one body of code reads all three without allocating.
    private static final int ARRAY = 0;
    private static final int SEGMENT = 1;
    /**
     * A String whose chars are one UTF-8 byte each: ASCII, or an unpaired surrogate, encoded as
     * {@code '?'}. Its byte at {@code i} is then its char at {@code i} ({@link #byteOf}).
     */
    private static final int ASCII = 2;

    /** The scratch buffer of each thread for non-ASCII strings, grown to the longest encoded. */
    private static final ThreadLocal<byte[]> UTF8_SCRATCH = ThreadLocal.withInitial(() -> new byte[64]);

    private final long seed;
    // The default secret's words that the 0 to 16 byte paths use, with the seed already applied.
    private final long flip0;     // 1 to 3 bytes
    private final long seed48;    // 4 to 8 bytes: the seed with its low half byte-swapped into the high
    private final long flip4to8;
    private final long flip9lo;   // 9 to 16 bytes
    private final long flip9hi;
    private final long flipEmpty;
    /** The secret of keys over 240 bytes: the default one with the seed added and subtracted (the spec's deriveSecret). */
    private final byte[] longSecret;

    Xxh3(long seed) {
        this.seed = seed;
        this.flip0 = ((secret32(0) ^ secret32(4)) & 0xFFFF_FFFFL) + seed;
        this.seed48 = seed ^ ((long) Integer.reverseBytes((int) seed) << 32);
        this.flip4to8 = (secret64(8) ^ secret64(16)) - seed48;
        this.flip9lo = (secret64(24) ^ secret64(32)) + seed;
        this.flip9hi = (secret64(40) ^ secret64(48)) - seed;
        this.flipEmpty = seed ^ secret64(56) ^ secret64(64);
        this.longSecret = new byte[SECRET_BYTES];
        for (int i = 0; i < SECRET_BYTES; i += 16) {
            ARRAY_LONG.set(longSecret, i, secret64(i) + seed);
            ARRAY_LONG.set(longSecret, i + 8, secret64(i + 8) - seed);
        }
    }

    /** The seed this instance hashes with. */
    long seed() {
        return seed;
    }

    /** XXH3-64 of {@code key}. */
    long hash(byte[] key) {
        return hash(key, ARRAY, 0, key.length);
    }

    /** XXH3-64 of the {@code length} bytes of {@code key} from {@code offset}. */
    long hash(MemorySegment key, long offset, long length) {
        return hash(key, SEGMENT, offset, length);
    }

    /** XXH3-64 of the UTF-8 encoding of {@code key}, whose length in UTF-8 is {@code utf8Length}. */
    long hashUtf8(String key, long utf8Length) {
        if (utf8Length == key.length()) {
            return hash(key, ASCII, 0, utf8Length); // one byte a char: read the chars
        }
        byte[] scratch = UTF8_SCRATCH.get();
        if (scratch.length < utf8Length) {
            scratch = new byte[(int) Math.max(utf8Length, 2L * scratch.length)];
            UTF8_SCRATCH.set(scratch);
        }
        int n = encodeUtf8(key, scratch);
        return hash(scratch, ARRAY, 0, n);
    }

    // ---------------------------------------------------------------------------------------------

    private long hash(Object key, int kind, long offset, long length) {
        if (length <= 16) {
            return hashUpTo16(key, kind, offset, length);
        }
        if (length <= 128) {
            return hash17To128(key, kind, offset, length);
        }
        if (length <= 240) {
            return hash129To240(key, kind, offset, length);
        }
        return hashLong(key, kind, offset, length);
    }

    private long hashUpTo16(Object key, int kind, long p, long length) {
        if (length > 8) {
            long low = read64(key, kind, p) ^ flip9lo;
            long high = read64(key, kind, p + length - 8) ^ flip9hi;
            long acc = length + Long.reverseBytes(low) + high + fold(low, high);
            return avalanche(acc);
        }
        if (length >= 4) {
            long first = read32(key, kind, p);
            long last = read32(key, kind, p + length - 4);
            long value = ((last & 0xFFFF_FFFFL) + (first << 32)) ^ flip4to8;
            value ^= Long.rotateLeft(value, 49) ^ Long.rotateLeft(value, 24);
            value *= PRIME_MX2;
            value ^= (value >>> 35) + length;
            value *= PRIME_MX2;
            return value ^ (value >>> 28);
        }
        if (length > 0) {
            long combined = read8(key, kind, p + length - 1) | length << 8 | read8(key, kind, p) << 16
                    | read8(key, kind, p + (length >> 1)) << 24;
            return avalancheXxh64(combined ^ flip0);
        }
        return avalancheXxh64(flipEmpty);
    }

    private long hash17To128(Object key, int kind, long p, long length) {
        long acc = length * PRIME64_1;
        for (long i = (length - 1) >> 5; i >= 0; i--) {
            acc += mix16(key, kind, p + 16 * i, (int) (32 * i));
            acc += mix16(key, kind, p + length - 16 * i - 16, (int) (32 * i + 16));
        }
        return avalanche(acc);
    }

    private long hash129To240(Object key, int kind, long p, long length) {
        long acc = length * PRIME64_1;
        for (int i = 0; i < 8; i++) {
            acc += mix16(key, kind, p + 16L * i, 16 * i);
        }
        acc = avalanche(acc);
        long chunks = length >> 4;
        for (int i = 8; i < chunks; i++) {
            acc += mix16(key, kind, p + 16L * i, 16 * (i - 8) + 3);
        }
        acc += mix16(key, kind, p + length - 16, 119);
        return avalanche(acc);
    }

    /** The spec's mixStep: 16 bytes of key against 16 of the default secret and the seed. */
    private long mix16(Object key, int kind, long p, int secretOffset) {
        return fold(read64(key, kind, p) ^ (secret64(secretOffset) + seed),
                read64(key, kind, p + 8) ^ (secret64(secretOffset + 8) - seed));
    }

    /**
     * Over 240 bytes: eight accumulators over 64-byte stripes, scrambled after every block of 16,
     * then the last stripe of the key (which may overlap the stripe before), then merged. The
     * accumulators are locals, not an array, so that a long key allocates nothing either.
     */
    private long hashLong(Object key, int kind, long p, long length) {
        long a0 = PRIME32_3, a1 = PRIME64_1, a2 = PRIME64_2, a3 = PRIME64_3;
        long a4 = PRIME64_4, a5 = PRIME32_2, a6 = PRIME64_5, a7 = PRIME32_1;
        int stripesPerBlock = BLOCK / STRIPE;
        long fullBlockStripes = (length - 1) / BLOCK * stripesPerBlock;
        long stripes = (length - 1) / STRIPE; // every whole stripe before the last 64 bytes' own one
        for (long k = 0; k <= stripes; k++) {
            boolean last = k == stripes;
            long q = last ? p + length - STRIPE : p + k * STRIPE;
            int s = last ? SECRET_BYTES - STRIPE - 7 : 8 * (int) (k % stripesPerBlock);
            long d0 = read64(key, kind, q), d1 = read64(key, kind, q + 8);
            long d2 = read64(key, kind, q + 16), d3 = read64(key, kind, q + 24);
            long d4 = read64(key, kind, q + 32), d5 = read64(key, kind, q + 40);
            long d6 = read64(key, kind, q + 48), d7 = read64(key, kind, q + 56);
            a0 += d1 + lane(d0, s);
            a1 += d0 + lane(d1, s + 8);
            a2 += d3 + lane(d2, s + 16);
            a3 += d2 + lane(d3, s + 24);
            a4 += d5 + lane(d4, s + 32);
            a5 += d4 + lane(d5, s + 40);
            a6 += d7 + lane(d6, s + 48);
            a7 += d6 + lane(d7, s + 56);
            if (!last && k < fullBlockStripes && k % stripesPerBlock == stripesPerBlock - 1) {
                int t = SECRET_BYTES - STRIPE;
                a0 = scramble(a0, t);
                a1 = scramble(a1, t + 8);
                a2 = scramble(a2, t + 16);
                a3 = scramble(a3, t + 24);
                a4 = scramble(a4, t + 32);
                a5 = scramble(a5, t + 40);
                a6 = scramble(a6, t + 48);
                a7 = scramble(a7, t + 56);
            }
        }
        long result = length * PRIME64_1 + fold(a0 ^ longSecret64(11), a1 ^ longSecret64(19))
                + fold(a2 ^ longSecret64(27), a3 ^ longSecret64(35)) + fold(a4 ^ longSecret64(43), a5 ^ longSecret64(51))
                + fold(a6 ^ longSecret64(59), a7 ^ longSecret64(67));
        return avalanche(result);
    }

    /** What one lane of a stripe adds to its own accumulator: the halves of the keyed word multiplied. */
    private long lane(long data, int secretOffset) {
        long keyed = data ^ longSecret64(secretOffset);
        return (keyed & 0xFFFF_FFFFL) * (keyed >>> 32);
    }

    private long scramble(long acc, int secretOffset) {
        acc ^= acc >>> 47;
        acc ^= longSecret64(secretOffset);
        return acc * PRIME32_1;
    }

    /** The low 64 bits of the 128-bit product of {@code a} and {@code b} XOR its high 64 bits. */
    private static long fold(long a, long b) {
        return a * b ^ Math.unsignedMultiplyHigh(a, b);
    }

    private static long avalanche(long h) {
        h ^= h >>> 37;
        h *= PRIME_MX1;
        return h ^ (h >>> 32);
    }

    private static long avalancheXxh64(long h) {
        h ^= h >>> 33;
        h *= PRIME64_2;
        h ^= h >>> 29;
        h *= PRIME64_3;
        return h ^ (h >>> 32);
    }

    private static long secret64(int offset) {
        return (long) ARRAY_LONG.get(DEFAULT_SECRET, offset);
    }

    private static int secret32(int offset) {
        return (int) ARRAY_INT.get(DEFAULT_SECRET, offset);
    }

    private long longSecret64(int offset) {
        return (long) ARRAY_LONG.get(longSecret, offset);
    }

    /** Encodes {@code s} into {@code into} as {@link String#getBytes} does (an unpaired surrogate is {@code '?'}); returns the length. */
    private static int encodeUtf8(String s, byte[] into) {
        int p = 0;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            int cp = StaticKeyHash.codePoint(s, i);
            i += Character.charCount(cp) - 1;
            if (cp < 0x80) {
                into[p++] = (byte) cp;
                continue;
            }
            int count = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            into[p++] = (byte) StaticKeyHash.leadByte(cp, count);
            for (int k = count - 2; k >= 0; k--) { // continuation bytes of 6 bits, most significant first
                into[p++] = (byte) (0x80 | ((cp >> (6 * k)) & 0x3F));
            }
        }
        return p;
    }

    // The key's bytes, little-endian, wherever they are.

    private static long read64(Object key, int kind, long p) {
        return switch (kind) {
            case ARRAY -> (long) ARRAY_LONG.get((byte[]) key, (int) p);
            case SEGMENT -> ((MemorySegment) key).get(LONG, p);
            default -> asciiWord((String) key, (int) p, 8);
        };
    }

    /** Four bytes, unsigned. */
    private static long read32(Object key, int kind, long p) {
        return switch (kind) {
            case ARRAY -> (int) ARRAY_INT.get((byte[]) key, (int) p) & 0xFFFF_FFFFL;
            case SEGMENT -> ((MemorySegment) key).get(INT, p) & 0xFFFF_FFFFL;
            default -> asciiWord((String) key, (int) p, 4);
        };
    }

    /** One byte, unsigned. */
    private static long read8(Object key, int kind, long p) {
        return switch (kind) {
            case ARRAY -> ((byte[]) key)[(int) p] & 0xFFL;
            case SEGMENT -> ((MemorySegment) key).get(ValueLayout.JAVA_BYTE, p) & 0xFFL;
            default -> byteOf(((String) key).charAt((int) p));
        };
    }

    /** {@code n} chars of a one-byte-a-char string from {@code p}, as the little-endian word of their bytes. */
    private static long asciiWord(String key, int p, int n) {
        long word = 0;
        for (int i = n - 1; i >= 0; i--) {
            word = word << 8 | byteOf(key.charAt(p + i));
        }
        return word;
    }

    /** The UTF-8 byte of a char of a one-byte-a-char string: itself if ASCII, {@code '?'} for an unpaired surrogate. */
    private static long byteOf(char c) {
        return c < 0x80 ? c : '?';
    }
}
