package io.mmap4j.counters;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.mmap4j.MMap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Damaged files: each open either works or throws {@link CorruptCountersException} naming the
 * problem and its offset, leaves the file untouched, and never reads outside it.
 */
class CorruptionTest {
    /** Small, so that thousands of mutated copies are cheap: a 16 KiB file. */
    static final CountersLayout SMALL = new CountersLayout(16, 32, 64);
    static final CountersFormat R = CountersFormat.of(SMALL);
    static final String[] NAMES = {"a", "b", "ü.€", "requests.total", "0123456789abcdef0123456789abcdef"};

    @TempDir
    Path dir;
    Path file;
    byte[] valid;

    @BeforeEach
    void makeValidFile() throws IOException {
        file = dir.resolve("c.counters");
        try (Counters c = Counters.open(file, SMALL)) {
            for (int i = 0; i < NAMES.length; i++) {
                c.counter(NAMES[i]).set(100 + i);
            }
        }
        valid = Files.readAllBytes(file);
        assertEquals(16384, valid.length);
    }

    @Test
    void wrongMagic() throws IOException {
        byte[] bytes = valid.clone();
        bytes[0] = 'X';
        CorruptCountersException e = corrupt(bytes, 0);
        assertEquals(file + ": corrupt counters file at byte offset 0: magic is 58 4d 41 50 34 4a 43 54, expected"
                + " 4d 4d 41 50 34 4a 43 54 (\"MMAP4JCT\"): not a counters file", e.getMessage());
        assertEquals(file, e.file());
    }

    /** The version below, just above and at the top of its u32 range (read unsigned, never as -1). */
    @ParameterizedTest
    @ValueSource(longs = {0, 2, 0xFFFF_FFFFL})
    void wrongVersion(long version) throws IOException {
        byte[] bytes = valid.clone();
        putInt(bytes, 8, (int) version);
        assertTrue(corrupt(bytes, 8).getMessage().endsWith("format version is " + version + ", this library reads version 1"));
    }

    @Test
    void truncatedFiles() throws IOException {
        assertTrue(corrupt(new byte[0], 0).getMessage().endsWith(
                "the file has 0 bytes, fewer than the 4096-byte header of a counters file (truncated, or not a counters file)"));
        corrupt(Arrays.copyOf(valid, 100), 100);
        corrupt(Arrays.copyOf(valid, 4095), 4095);
        assertTrue(corrupt(Arrays.copyOf(valid, 10000), 10000).getMessage()
                .endsWith("the file has 10000 bytes, its header says 16384 (truncated)"));
        assertTrue(corrupt(Arrays.copyOf(valid, 20000), 16384).getMessage()
                .endsWith("the file has 20000 bytes, its header says 16384"));
    }

    @Test
    void randomBytes() throws IOException {
        Random random = new Random(1);
        for (int length : new int[] {1, 4096, 16384, 100_000}) {
            byte[] bytes = new byte[length];
            random.nextBytes(bytes);
            assertThrows(CorruptCountersException.class, () -> open(bytes));
        }
    }

    /** Each header field set to values out of range, or in range but contradicting the others. */
    static Stream<Arguments> badHeaderFields() {
        long u32max = 0xFFFF_FFFFL;
        return Stream.of(
                Arguments.of(12, 4, new long[] {0, 8192, u32max}, "page size"),
                Arguments.of(16, 4, new long[] {0, CountersLayout.MAX_CAPACITY + 1, u32max}, "capacity"),
                Arguments.of(20, 4, new long[] {17}, "index entry count"), // capacity 17 needs 64 entries
                Arguments.of(16, 4, new long[] {17, 1000}, "index entry count"),
                Arguments.of(20, 4, new long[] {0, 16, 31, 64, u32max}, "index entry count"),
                Arguments.of(24, 4, new long[] {0, 48, 128, u32max}, "record size"),
                Arguments.of(28, 4, new long[] {0, 4081, u32max}, "name limit"),
                Arguments.of(32, 4, new long[] {0, 8, 63, 96, 8192, u32max}, "value slot size"),
                Arguments.of(36, 4, new long[] {1, u32max}, "flags"),
                Arguments.of(40, 8, new long[] {0, 8192, -1, Long.MIN_VALUE, 1L << 40}, "index offset"),
                Arguments.of(48, 8, new long[] {0, 4096, 12288, -1, 1L << 40}, "records offset"),
                Arguments.of(56, 8, new long[] {0, 8192, 16384, -1, 1L << 40}, "values offset"),
                Arguments.of(64, 8, new long[] {0, 12288, 20480, -1, 1L << 40}, "file size"),
                Arguments.of(72, 1, new long[] {1, 255}, "reserved header byte"),
                Arguments.of(127, 1, new long[] {1}, "reserved header byte"),
                Arguments.of(136, 1, new long[] {1}, "reserved header byte"),
                Arguments.of(4095, 1, new long[] {128}, "reserved header byte"),
                Arguments.of(128, 8, new long[] {-1, 17, Long.MIN_VALUE, Long.MAX_VALUE}, "allocated count"));
    }

    @ParameterizedTest(name = "offset {0}: {3}")
    @MethodSource("badHeaderFields")
    void headerFieldOutOfRange(int offset, int width, long[] values, String field) throws IOException {
        for (long value : values) {
            byte[] bytes = valid.clone();
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            switch (width) {
                case 1 -> b.put(offset, (byte) value);
                case 4 -> b.putInt(offset, (int) value);
                default -> b.putLong(offset, value);
            }
            int expectedOffset = field.equals("index entry count") ? 20 : offset;
            CorruptCountersException e = corrupt(bytes, expectedOffset);
            assertTrue(e.getMessage().contains(": " + field + " is "), () -> value + ": " + e.getMessage());
        }
    }

    @Test
    void indexEntryNamingAnIdOutsideTheCapacity() throws IOException {
        byte[] bytes = valid.clone();
        int position = entryPosition(bytes, 0);
        putInt(bytes, entryAt(position), 100); // id + 1
        assertTrue(corrupt(bytes, entryAt(position)).getMessage().endsWith("index entry names id 99, outside 0 to 15"));
        putInt(bytes, entryAt(position), 0);
        corrupt(bytes, entryAt(position));
    }

    @Test
    void twoEntriesNamingOneId() throws IOException {
        byte[] renamed = valid.clone();
        putInt(renamed, entryAt(entryPosition(valid, 1)), 1); // the entry of id 1 names id 0, with id 1's hash
        assertThrows(CorruptCountersException.class, () -> open(renamed));
        byte[] bytes = valid.clone();
        int first = entryPosition(valid, 0);
        int copy = first;
        while (getLong(bytes, entryAt(copy)) != 0) {
            copy = (copy + 1) & (R.indexEntries - 1); // the end of the run, so a lookup reaches the copy
        }
        putLong(bytes, entryAt(copy), getLong(bytes, entryAt(first)));
        assertTrue(corrupt(bytes, entryAt(copy)).getMessage()
                .endsWith("index entry " + copy + " names id 0, which an earlier entry names too"));
    }

    @Test
    void recordFieldsThatContradictTheIndex() throws IOException {
        long record = R.recordOffset(2);
        byte[] bytes = valid.clone();
        putInt(bytes, record, 1);
        assertTrue(corrupt(bytes, record).getMessage().contains("state is 1, not 2 (written)"));

        for (int length : new int[] {0, 33, -1}) {
            bytes = valid.clone();
            putInt(bytes, record + 8, length);
            assertTrue(corrupt(bytes, record + 8).getMessage().contains("has name length " + Integer.toUnsignedString(length)
                    + ", outside 1 to 32"));
        }
        bytes = valid.clone();
        bytes[(int) record + 12] ^= 1;
        assertTrue(corrupt(bytes, record + 12).getMessage().contains("but its index entry at"));

        bytes = valid.clone();
        bytes[(int) record + 16] ^= 1; // the name itself
        assertTrue(corrupt(bytes, record + 16).getMessage().contains("hashes to"));
    }

    @Test
    void anEntryALookupCannotReach() throws IOException {
        byte[] bytes = valid.clone();
        int position = entryPosition(bytes, 3);
        long entry = getLong(bytes, entryAt(position));
        int moved = (position + 2) & (R.indexEntries - 1);
        while (getLong(bytes, entryAt((moved - 1) & (R.indexEntries - 1))) != 0 || getLong(bytes, entryAt(moved)) != 0) {
            moved = (moved + 1) & (R.indexEntries - 1); // an empty entry must lie between
        }
        putLong(bytes, entryAt(position), 0);
        putLong(bytes, entryAt(moved), entry);
        assertTrue(corrupt(bytes, entryAt(moved)).getMessage().contains("cannot be found by a lookup"));
    }

    @Test
    void aFullIndex() throws IOException {
        byte[] bytes = valid.clone();
        for (int p = 0; p < R.indexEntries; p++) {
            if (getLong(bytes, entryAt(p)) == 0) {
                putLong(bytes, entryAt(p), 1);
            }
        }
        assertTrue(corrupt(bytes, R.indexOffset).getMessage().contains("all 32 index entries are set"));
    }

    @Test
    void anAllocatedCountBelowAnIndexedId() throws IOException {
        byte[] bytes = valid.clone();
        putLong(bytes, CountersFormat.Header.ALLOCATED.offset(), 2);
        assertTrue(corrupt(bytes, CountersFormat.Header.ALLOCATED.offset()).getMessage().endsWith("allocated count is 2, but the index names id 4"));
    }

    @Test
    void aNameThatIsNotUtf8() throws IOException {
        byte[] bad = {'o', 'k', (byte) 0xC3}; // a truncated two-byte sequence
        publishRaw(bad, -1);
        assertTrue(assertThrows(CorruptCountersException.class, () -> Counters.open(file)).getMessage()
                .endsWith("the name of id 5 is not well-formed UTF-8"));
    }

    @Test
    void oneNameIndexedTwice() throws IOException {
        publishRaw("a".getBytes(), 1); // a second record named "a", in the entry after the first
        assertTrue(assertThrows(CorruptCountersException.class, () -> Counters.open(file)).getMessage()
                .contains("names \"a\", which an earlier entry names too"));
    }

    @Test
    void verifyReportsEveryProblemWithItsOffsetAndWritesNothing() throws IOException {
        assertEquals(List.of(), Counters.verify(file), "a sound file");
        byte[] bytes = valid.clone();
        putInt(bytes, R.recordOffset(1), 1); // "b": state 1
        putInt(bytes, R.recordOffset(3) + 8, 0); // "requests.total": name length 0
        putLong(bytes, CountersFormat.Header.ALLOCATED.offset(), 3); // below the ids 3 and 4
        Files.write(file, bytes);
        List<CountersProblem> problems = Counters.verify(file);
        assertEquals(3, problems.size(), problems::toString);
        assertTrue(problems.containsAll(List.of(
                new CountersProblem(R.recordOffset(1), "record 1 is named by index entry at " + entryAt(entryPosition(bytes, 1))
                        + " but its state is 1, not 2 (written)"),
                new CountersProblem(R.recordOffset(3) + 8, "record 3 has name length 0, outside 1 to 32"),
                new CountersProblem(CountersFormat.Header.ALLOCATED.offset(), "allocated count is 3, but the index names id 4"))),
                problems::toString);
        assertEquals("at byte offset 128: allocated count is 3, but the index names id 4", problems.get(2).toString());
        assertArrayEquals(bytes, Files.readAllBytes(file), "verify wrote nothing");
        assertThrows(java.nio.file.NoSuchFileException.class, () -> Counters.verify(dir.resolve("missing")));
    }

    /**
     * Writes a record with these name bytes as id 5 and indexes it; with {@code afterExisting >= 0}
     * directly in the next empty entry after the existing one, bypassing the duplicate check.
     */
    private void publishRaw(byte[] name, int afterExisting) throws IOException {
        try (MMap map = MMap.open(file, READ, WRITE)) {
            CounterTable table = new CounterTable(map, R, file);
            int hash = Names.hash(name);
            int id = table.claim();
            table.write(id, name, hash);
            if (afterExisting < 0) {
                assertEquals(id, table.publish(name, hash, id));
            } else {
                int p = hash & (R.indexEntries - 1);
                while (map.getLong(R.entryOffset(p)) != 0) {
                    p = (p + 1) & (R.indexEntries - 1);
                }
                map.putLong(R.entryOffset(p), ((long) hash << 32) | (id + 1));
            }
        }
    }

    /** The generation is diagnostic only: no value of it, in any record, makes a file corrupt. */
    @ParameterizedTest
    @ValueSource(ints = {0, 2, -1})
    void aRecordsGenerationIsNotChecked(int generation) throws IOException {
        byte[] bytes = valid.clone();
        for (int id = 0; id < NAMES.length; id++) {
            putInt(bytes, CountersFormat.NameRecord.GENERATION.at(R.recordOffset(id)), generation);
        }
        Files.write(file, bytes);
        try (Counters c = Counters.open(file)) {
            for (int i = 0; i < NAMES.length; i++) {
                assertEquals(100 + i, c.counter(NAMES[i]).get());
                assertEquals(i, c.counter(NAMES[i]).id());
            }
            assertEquals(NAMES.length, c.counters().size());
        }
        assertArrayEquals(bytes, Files.readAllBytes(file), "opening wrote nothing");
    }

    @Test
    void damageAfterOpenIsReportedByLookups() throws IOException {
        try (Counters c = Counters.open(file);
             MMap raw = MMap.open(file, READ, WRITE)) {
            raw.putInt(R.recordOffset(1), 7); // record of "b": state 7
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> c.counter("b"));
            CorruptCountersException cause = assertInstanceOf(CorruptCountersException.class, e.getCause());
            assertEquals(R.recordOffset(1), cause.offset());
            assertThrows(UncheckedIOException.class, c::counters);
            assertThrows(UncheckedIOException.class, () -> c.find("b"));
            assertEquals(100, c.counter("a").get(), "other names still work");
            raw.putLong(R.entryOffset(entryPosition(valid, 0)), ((long) Names.hash("a".getBytes()) << 32) | 1000);
            assertThrows(UncheckedIOException.class, c::snapshot);
            raw.putLong(CountersFormat.Header.ALLOCATED.offset(), 1_000);
            assertThrows(UncheckedIOException.class, () -> c.counter("new"));
        }
    }

    /**
     * Thousands of randomly damaged copies of a valid file: every open works or throws
     * CorruptCountersException, and an open file works or reports damage through the documented
     * exceptions; nothing else is thrown, nothing hangs, a refused file is left unchanged.
     */
    @Test
    void fuzzedFiles() {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        int iterations = Integer.getInteger("fuzz.iterations", 3000);
        assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
            Random random = new Random(seed);
            int opened = 0;
            for (int i = 0; i < iterations; i++) {
                byte[] bytes = mutate(valid, random);
                try {
                    if (fuzzOnce(bytes, random.nextInt(4) == 0)) {
                        opened++;
                    }
                } catch (Throwable t) {
                    fail("fuzz iteration " + i + " with -Dfuzz.seed=" + seed + " failed", t);
                }
            }
            assertTrue(opened > iterations / 20 && opened < iterations - iterations / 20,
                    "some damaged files open (" + opened + " of " + iterations + "), seed " + seed);
        }, () -> "fuzzing hung; -Dfuzz.seed=" + seed);
    }

    /** Returns whether the file opened. */
    private boolean fuzzOnce(byte[] bytes, boolean readOnly) throws IOException {
        Files.write(file, bytes);
        List<CountersProblem> problems = Counters.verify(file);
        Counters counters;
        try {
            counters = readOnly ? Counters.openReadOnly(file) : Counters.open(file);
        } catch (CorruptCountersException e) {
            assertTrue(e.offset() >= 0 && e.offset() <= Math.max(bytes.length, 16384), e::getMessage);
            assertEquals(e.offset(), problems.getFirst().offset(), () -> "verify's first problem is open's: " + problems);
            assertTrue(e.getMessage().endsWith(": " + problems.getFirst().problem()), () -> e.getMessage() + " vs " + problems);
            assertArrayEquals(bytes, Files.readAllBytes(file), "a refused file is left as it was");
            return false;
        }
        assertEquals(List.of(), problems, "verify finds nothing in a file that opens");
        try (counters) {
            exercise(counters, readOnly);
        }
        return true;
    }

    /** Every operation, each allowed only the exceptions its documentation names. */
    private static void exercise(Counters c, boolean readOnly) {
        try {
            c.snapshot();
        } catch (UncheckedIOException e) {
            assertInstanceOf(CorruptCountersException.class, e.getCause());
        }
        for (String name : new String[] {NAMES[0], NAMES[2], NAMES[4], "fresh.name"}) {
            try {
                Counter counter = c.counter(name);
                assertEquals(name, counter.name());
                if (!readOnly) {
                    counter.incrementAndGet();
                }
                counter.get();
            } catch (UncheckedIOException e) {
                assertInstanceOf(CorruptCountersException.class, e.getCause());
            } catch (IllegalStateException e) {
                assertTrue(e.getMessage().contains("is full"), e.getMessage());
            } catch (java.nio.ReadOnlyBufferException e) {
                assertTrue(readOnly);
            }
        }
        // The file's own capacity: a damaged header may still describe a sound, smaller file.
        int capacity = c.layout().capacity();
        for (int id = 0; id < capacity; id++) {
            try {
                c.counter(id).get();
            } catch (NoSuchElementException e) {
                // an id nobody published
            } catch (UncheckedIOException e) {
                assertInstanceOf(CorruptCountersException.class, e.getCause());
            }
        }
        assertThrows(IndexOutOfBoundsException.class, () -> c.counter(capacity));
    }

    private static byte[] mutate(byte[] valid, Random random) {
        byte[] bytes = valid.clone();
        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            switch (random.nextInt(8)) {
                case 0 -> bytes[random.nextInt(144)] ^= (byte) (1 << random.nextInt(8)); // header fields
                case 1 -> bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(); // anywhere
                case 2 -> bytes[(int) R.indexOffset + random.nextInt(R.indexEntries * 8)] = (byte) random.nextInt();
                case 3 -> bytes[(int) R.recordOffset(random.nextInt(NAMES.length + 1)) + random.nextInt(R.recordSize)]
                        ^= (byte) (1 << random.nextInt(8));
                case 4 -> { // a whole header field set to a boundary or random value
                    int[] fields = {12, 16, 20, 24, 28, 32, 36};
                    int at = fields[random.nextInt(fields.length)];
                    int[] values = {0, 1, -1, 63, 64, 4096, Integer.MIN_VALUE, Integer.MAX_VALUE, random.nextInt()};
                    putInt(bytes, at, values[random.nextInt(values.length)]);
                }
                case 5 -> { // a 64-bit field: offsets, size, allocated count
                    int[] fields = {40, 48, 56, 64, 128};
                    long[] values = {0, -1, 4096, 16384, Long.MIN_VALUE, random.nextLong(), random.nextInt(20)};
                    putLong(bytes, fields[random.nextInt(fields.length)], values[random.nextInt(values.length)]);
                }
                case 6 -> { // an index entry pointing somewhere else
                    int p = random.nextInt(R.indexEntries);
                    putInt(bytes, entryAt(p) + (random.nextBoolean() ? 0 : 4), random.nextInt(40) - 4);
                }
                default -> {
                    return Arrays.copyOf(bytes, random.nextInt(bytes.length + 8192)); // last: offsets move
                }
            }
        }
        return bytes;
    }

    /**
     * Opens bytes as a file; expects a CorruptCountersException at {@code offset}, {@link Counters#verify}
     * to report that one problem, and the file unchanged.
     */
    private CorruptCountersException corrupt(byte[] bytes, long offset) throws IOException {
        CorruptCountersException e = assertThrows(CorruptCountersException.class, () -> open(bytes));
        assertEquals(offset, e.offset(), e::getMessage);
        String prefix = file + ": corrupt counters file at byte offset " + offset + ": ";
        assertTrue(e.getMessage().startsWith(prefix));
        assertEquals(List.of(new CountersProblem(offset, e.getMessage().substring(prefix.length()))), Counters.verify(file));
        assertArrayEquals(bytes, Files.readAllBytes(file), "never rewritten");
        CorruptCountersException readOnly = assertThrows(CorruptCountersException.class, () -> Counters.openReadOnly(file));
        assertEquals(e.getMessage(), readOnly.getMessage());
        return e;
    }

    private void open(byte[] bytes) throws IOException {
        Files.write(file, bytes);
        Counters.open(file).close();
    }

    /** The index position of the entry naming {@code id}. */
    private static int entryPosition(byte[] bytes, int id) {
        for (int p = 0; p < R.indexEntries; p++) {
            if ((int) getLong(bytes, entryAt(p)) == id + 1) {
                return p;
            }
        }
        throw new AssertionError("no entry names id " + id);
    }

    private static long entryAt(int position) {
        return R.entryOffset(position);
    }

    private static void putInt(byte[] bytes, long at, int value) {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt((int) at, value);
    }

    private static void putLong(byte[] bytes, long at, long value) {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong((int) at, value);
    }

    private static long getLong(byte[] bytes, long at) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong((int) at);
    }

    /**
     * Another process zeroes the allocated count under an open file: the next new name must not
     * be handed id 0, alpha's, and overwrite it. Before the fix, delta got id 0 with value 0, alpha
     * read 0, and the file could no longer be opened.
     */
    @Test
    void aDamagedAllocatedCountNeverHandsOutACounterThatExists() throws IOException {
        Path path = dir.resolve("allocated.counters");
        try (Counters c = Counters.open(path)) {
            c.counter("alpha").set(111);
            c.counter("beta").set(222);
            c.counter("gamma").set(333);
            try (MMap other = MMap.open(path, READ, WRITE)) {
                other.putLongVolatile(CountersFormat.Header.ALLOCATED.offset(), 0);
            }
            byte[] damaged = Files.readAllBytes(path);
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> c.counter("delta"));
            CorruptCountersException cause = assertInstanceOf(CorruptCountersException.class, e.getCause());
            assertEquals(path + ": corrupt counters file at byte offset 128: allocated count is 0, so id 0 would be"
                    + " handed out next, but its record is counter \"alpha\"", cause.getMessage());
            assertArrayEquals(damaged, Files.readAllBytes(path), "nothing was written");
            assertEquals(111, c.counter("alpha").get());
            assertEquals(List.of("alpha", "beta", "gamma"), c.counters().stream().map(Counter::name).toList());
        }
    }
}
