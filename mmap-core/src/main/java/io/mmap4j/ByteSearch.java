package io.mmap4j;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Byte scanning over a segment, eight bytes at a time (SWAR: SIMD within a register). Callers
 * check ranges; every index here is absolute in the segment.
 *
 * <p>Why SWAR: a plain loop of one-byte loads with an early exit is not vectorised by the JIT, and
 * a line or pattern search is exactly that loop. Loading a long and finding the matching bytes with
 * a few arithmetic operations handles eight bytes per iteration with no branch per byte.
 */
final class ByteSearch {
    /** Little-endian so that the byte at the lowest address is the lowest byte of the long. */
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;
    private static final long LF = ONES * '\n';
    private static final long CR = ONES * '\r';
    /** Patterns longer than this compare their middle with {@link MemorySegment#mismatch} (vectorised). */
    private static final int SHORT_PATTERN = 16;

    private ByteSearch() {}

    /**
     * The high bit of each byte of {@code word} that equals the byte repeated in {@code broadcast},
     * and no other bit. Exact (no false positives from borrows, unlike the shorter
     * {@code (x - ONES) & ~x} form), so the highest set byte can be trusted as well as the lowest.
     */
    private static long equalBytes(long word, long broadcast) {
        long x = word ^ broadcast;
        return ~(((x & LOW7) + LOW7) | x | LOW7);
    }

    /** The index of the first {@code '\n'} or {@code '\r'} in {@code [from, to)}, or {@code to} if none. */
    static long lineEnd(MemorySegment s, long from, long to) {
        long i = from;
        for (; i <= to - Long.BYTES; i += Long.BYTES) {
            long word = s.get(WORD, i);
            long found = equalBytes(word, LF) | equalBytes(word, CR);
            if (found != 0) {
                return i + (Long.numberOfTrailingZeros(found) >>> 3);
            }
        }
        for (; i < to; i++) {
            byte b = s.get(JAVA_BYTE, i);
            if (b == '\n' || b == '\r') {
                return i;
            }
        }
        return to;
    }

    /**
     * Where the next line starts after a line that ends at {@code end} (a terminator or the
     * {@code limit}): past a {@code "\r\n"} pair, a lone {@code '\r'} or a {@code '\n'}.
     */
    static long nextLine(MemorySegment s, long end, long limit) {
        if (end >= limit) {
            return limit;
        }
        if (s.get(JAVA_BYTE, end) == '\r' && end + 1 < limit && s.get(JAVA_BYTE, end + 1) == '\n') {
            return end + 2;
        }
        return end + 1;
    }

    /**
     * The lowest index at which {@code pattern} lies wholly inside {@code [from, to)}, or -1.
     * An empty pattern is found at {@code from}.
     *
     * <p>Candidates are positions where both the first and the last byte of the pattern match
     * (W. Muła's generic SIMD substring search, on a long): on real data that rules out almost
     * every position before any byte of the middle is compared.
     */
    static long indexOf(MemorySegment s, long from, long to, byte[] pattern) {
        int n = pattern.length;
        if (n == 0) {
            return from;
        }
        long last = to - n; // the last position where a match can start
        if (last < from) {
            return -1;
        }
        long first8 = ONES * (pattern[0] & 0xFF);
        long last8 = ONES * (pattern[n - 1] & 0xFF);
        MemorySegment middle = middleOf(pattern);
        long i = from;
        // Each block tests the candidates i .. i + 7; its second load ends at i + 7 + n <= to.
        for (; i <= last - 7; i += 8) {
            long found = equalBytes(s.get(WORD, i), first8) & equalBytes(s.get(WORD, i + n - 1), last8);
            while (found != 0) {
                long candidate = i + (Long.numberOfTrailingZeros(found) >>> 3);
                if (middleMatches(s, candidate, pattern, middle)) {
                    return candidate;
                }
                found &= found - 1;
            }
        }
        for (; i <= last; i++) {
            if (endsMatch(s, i, pattern) && middleMatches(s, i, pattern, middle)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The highest index at which {@code pattern} lies wholly inside {@code [from, to)}, or -1.
     * An empty pattern is found at {@code to}. The mirror image of {@link #indexOf}.
     */
    static long lastIndexOf(MemorySegment s, long from, long to, byte[] pattern) {
        int n = pattern.length;
        if (n == 0) {
            return to;
        }
        long last = to - n;
        if (last < from) {
            return -1;
        }
        long first8 = ONES * (pattern[0] & 0xFF);
        long last8 = ONES * (pattern[n - 1] & 0xFF);
        MemorySegment middle = middleOf(pattern);
        long i = last - 7; // blocks of candidates i .. i + 7, from the end down
        for (; i >= from; i -= 8) {
            long found = equalBytes(s.get(WORD, i), first8) & equalBytes(s.get(WORD, i + n - 1), last8);
            while (found != 0) {
                int bit = 63 - Long.numberOfLeadingZeros(found);
                long candidate = i + (bit >>> 3);
                if (middleMatches(s, candidate, pattern, middle)) {
                    return candidate;
                }
                found ^= 1L << bit;
            }
        }
        for (long c = Math.min(i + 7, last); c >= from; c--) {
            if (endsMatch(s, c, pattern) && middleMatches(s, c, pattern, middle)) {
                return c;
            }
        }
        return -1;
    }

    /** A segment over the pattern for the vectorised compare, or null for a short pattern. */
    private static MemorySegment middleOf(byte[] pattern) {
        return pattern.length > SHORT_PATTERN ? MemorySegment.ofArray(pattern) : null;
    }

    private static boolean endsMatch(MemorySegment s, long at, byte[] pattern) {
        return s.get(JAVA_BYTE, at) == pattern[0] && s.get(JAVA_BYTE, at + pattern.length - 1) == pattern[pattern.length - 1];
    }

    /** Whether the bytes between the first and the last of the pattern match at {@code at}. */
    private static boolean middleMatches(MemorySegment s, long at, byte[] pattern, MemorySegment middle) {
        int n = pattern.length;
        if (middle != null) {
            return MemorySegment.mismatch(s, at + 1, at + n - 1, middle, 1, n - 1) < 0;
        }
        for (int k = 1; k < n - 1; k++) {
            if (s.get(JAVA_BYTE, at + k) != pattern[k]) {
                return false;
            }
        }
        return true;
    }
}
