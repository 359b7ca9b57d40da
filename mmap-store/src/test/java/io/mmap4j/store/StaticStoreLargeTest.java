package io.mmap4j.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sizes that break other stores: a million entries, a value of 100 MB+, a file past 4 GiB. */
class StaticStoreLargeTest {
    private static final long GIB = 1L << 30;

    @TempDir
    Path dir;

    /** Entry {@code i}: a 16-byte key and a value of 0 to 200 bytes, both from {@code i} alone. */
    private static byte[] key(int i) {
        return ("k" + Integer.toString(i * 7919, 36) + "-".repeat(16)).substring(0, 16).getBytes(UTF_8);
    }

    private static byte[] value(int i) {
        byte[] value = new byte[(i * 31) % 201];
        new SplittableRandom(i).nextBytes(value);
        return value;
    }

    @Test
    void aMillionSmallEntriesRoundTripByteForByte() throws Exception {
        Path path = dir.resolve("million.static");
        int n = 1_000_000;
        try (StaticStore.Writer w = StaticStore.writer(path, StaticStore.WriterOptions.DEFAULT.withForce(false))) {
            for (int i = 0; i < n; i++) {
                w.put(key(i), value(i));
            }
        }
        try (StaticStore store = StaticStore.open(path)) {
            assertEquals(n, store.size());
            for (int i = 0; i < n; i++) {
                byte[] expected = value(i);
                byte[] actual = store.get(key(i));
                if (actual == null || !java.util.Arrays.equals(expected, actual)) {
                    assertArrayEquals(expected, actual, "entry " + i);
                }
            }
            for (int i = n; i < n + 10_000; i++) {
                assertNull(store.get(key(i)), "absent " + i);
            }
            int[] seen = {0};
            store.forEach((k, v) -> seen[0]++);
            assertEquals(n, seen[0]);
            StaticStore.Stat stat = store.stat();
            assertTrue(stat.maxDisplacement() < 64, () -> "probe runs stay short: " + stat);
        }
    }

    @Test
    void aValueOf100MegabytesRoundTripsFromAStream() throws Exception {
        Path path = dir.resolve("big-value.static");
        long length = 100L * 1000 * 1000 + 12_345;
        try (StaticStore.Writer w = StaticStore.writer(path, StaticStore.WriterOptions.DEFAULT.withForce(false))) {
            w.put("before".getBytes(UTF_8), "small".getBytes(UTF_8));
            w.put("big".getBytes(UTF_8), new PatternStream(length));
            w.put("after".getBytes(UTF_8), "small too".getBytes(UTF_8));
        }
        try (StaticStore store = StaticStore.open(path)) {
            MemorySegment view = store.view("big");
            assertEquals(length, view.byteSize());
            assertEquals(0, view.address() % 4096, "page-aligned");
            byte[] chunk = new byte[1 << 20];
            PatternStream expected = new PatternStream(length);
            for (long at = 0; at < length; at += chunk.length) {
                int n = (int) Math.min(chunk.length, length - at);
                byte[] want = expected.readNBytes(n);
                MemorySegment.copy(view, ValueLayout.JAVA_BYTE, at, chunk, 0, n);
                assertEquals(-1, java.util.Arrays.mismatch(want, 0, n, chunk, 0, n), "chunk at " + at);
            }
            assertEquals("small", new String(store.get("before"), UTF_8));
            assertEquals("small too", new String(store.get("after"), UTF_8));
            assertEquals(length, store.stat().largestValue());
        }
    }

    /**
     * A store of more than 4 GiB: a value of 4 GiB + 64 KiB, zeros but for marks where 32-bit
     * arithmetic breaks, then small entries whose records lie past 4 GiB. The writer leaves the
     * value's zero pages as holes, so on a file system with holes the file takes almost no disk.
     * Every byte of the value is compared by {@code verify}, which recomputes the CRC32C of the
     * value as mapped and compares it with the one the writer computed from the stream; the marks
     * are compared one by one.
     */
    @Test
    void aStoreOfMoreThan4GiBRoundTrips() throws Exception {
        long free = Files.getFileStore(dir).getUsableSpace();
        assumeTrue(free > 6 * GIB, "needs room for a 4 GiB file where holes are not supported; "
                + dir + " has " + free / GIB + " GiB free");
        long length = 4 * GIB + 65_536;
        long[] marks = {0, 4095, 4096, GIB, 2 * GIB - 1, 2 * GIB, 4 * GIB - 1, 4 * GIB, 4 * GIB + 1, length - 1};
        Path path = dir.resolve("huge.static");
        try (StaticStore.Writer w = StaticStore.writer(path, StaticStore.WriterOptions.DEFAULT.withForce(false))) {
            w.put("small before".getBytes(UTF_8), "1".getBytes(UTF_8));
            w.put("huge".getBytes(UTF_8), new MarkedZeros(length, marks));
            for (int i = 0; i < 1000; i++) {
                w.put("after " + i, ("value " + i).getBytes(UTF_8));
            }
        }
        try (StaticStore store = StaticStore.open(path)) {
            assertTrue(store.stat().fileBytes() > 4 * GIB, store.stat()::toString);
            MemorySegment huge = store.view("huge");
            assertEquals(length, huge.byteSize());
            for (int i = 0; i < marks.length; i++) {
                assertEquals(MarkedZeros.markByte(i), huge.get(ValueLayout.JAVA_BYTE, marks[i]), "mark at " + marks[i]);
            }
            for (long at : new long[] {1, GIB + 1, 3 * GIB, length - 2}) {
                assertEquals(0, huge.get(ValueLayout.JAVA_BYTE, at), "zero at " + at);
            }
            for (int i = 0; i < 1000; i++) {
                assertEquals("value " + i, store.get("after " + i, Codec.utf8()), "past 4 GiB: " + i);
            }
            assertEquals("1", store.get("small before", Codec.utf8()));
        }
        assertEquals(List.of(), StaticStore.verify(path), "verify sums every byte, 4 GiB included");
    }

    /** Zeros, but for the byte {@code mark(i)} at {@code marks[i]}. */
    private static final class MarkedZeros extends InputStream {
        private final long length;
        private final long[] marks;
        private long position;

        MarkedZeros(long length, long[] marks) {
            this.length = length;
            this.marks = marks;
        }

        static byte markByte(int i) {
            return (byte) (0x41 + i);
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= length) {
                return -1;
            }
            int n = (int) Math.min(len, length - position);
            java.util.Arrays.fill(b, off, off + n, (byte) 0);
            for (int i = 0; i < marks.length; i++) {
                if (marks[i] >= position && marks[i] < position + n) {
                    b[off + (int) (marks[i] - position)] = markByte(i);
                }
            }
            position += n;
            return n;
        }
    }

    /** {@code length} bytes of a repeating, position-dependent pattern. */
    private static final class PatternStream extends InputStream {
        private final long length;
        private long position;

        PatternStream(long length) {
            this.length = length;
        }

        @Override
        public int read() {
            return position < length ? pattern(position++) : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= length) {
                return -1;
            }
            int n = (int) Math.min(len, length - position);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) pattern(position++);
            }
            return n;
        }

        private static int pattern(long at) {
            return (int) ((at * 2654435761L) >>> 24) & 0xFF;
        }
    }
}
