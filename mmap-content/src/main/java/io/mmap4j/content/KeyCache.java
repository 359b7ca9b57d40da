package io.mmap4j.content;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The keys a {@link MessageLoader} decoded last, found by their UTF-8 bytes where they lie: messages
 * of one kind repeat their keys, so most keys of a message read come back as the string decoded and
 * checked the first time, with no copy, no string and no check of their own. A key is the same
 * string whatever its bytes' place, so a hit is exact; a miss only costs the decoding it saves.
 *
 * <p>Any number of threads: a line is replaced whole and read racily; its fields are final, so a
 * line seen is seen whole, and a line another thread replaced meanwhile is only a miss.
 */
final class KeyCache {
    /** Lines, a power of two: a message's keys and its nested messages' keys each get their own, mostly. */
    private static final int LINES = 256;
    /** Longer keys are decoded each time: keys that repeat are short names. */
    static final int MAX_BYTES = 64;

    /** A key and its UTF-8 bytes, as a segment made once, so that comparing allocates nothing. */
    private record Line(MemorySegment utf8, String key) {
    }

    private final Line[] lines = new Line[LINES];

    /** The key whose UTF-8 is the {@code length} bytes at {@code at} of {@code b}, if it was put here; else null. */
    String find(MemorySegment b, long at, long length) {
        if (length > MAX_BYTES || length == 0) {
            return null;
        }
        Line line = lines[line(b, at, length)];
        return line != null && line.utf8.byteSize() == length
                && MemorySegment.mismatch(line.utf8, 0, length, b, at, at + length) < 0 ? line.key : null;
    }

    /** Keeps {@code key}, decoded and checked from the {@code length} bytes at {@code at} of {@code b}, for {@link #find}. */
    void put(MemorySegment b, long at, long length, String key) {
        if (length <= MAX_BYTES && length > 0) {
            MemorySegment utf8 = MemorySegment.ofArray(MessageFormat.copy(b, at, length)).asReadOnly();
            lines[line(b, at, length)] = new Line(utf8, key);
        }
    }

    /** The line of a key: its length, first, middle and last bytes, mixed. */
    private static int line(MemorySegment b, long at, long length) {
        int h = (int) length * 0x9E3779B1;
        h ^= b.get(ValueLayout.JAVA_BYTE, at) * 31;
        h ^= b.get(ValueLayout.JAVA_BYTE, at + (length >> 1)) * 961;
        h ^= b.get(ValueLayout.JAVA_BYTE, at + length - 1) * 29791;
        h *= 0x85EBCA6B;
        return (h ^ (h >>> 16)) & (LINES - 1);
    }
}
