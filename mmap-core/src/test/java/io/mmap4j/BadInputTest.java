package io.mmap4j;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.DSYNC;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.SYNC;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every public method of {@link MMap} against bad input: negative and overflowing positions and
 * lengths, ranges past the end, misaligned atomics, read-only maps, closed maps and nulls. Each
 * must throw the documented exception with a message that names the value and the limit.
 */
class BadInputTest {
    private static final int SIZE = 4096;

    @TempDir
    static Path dir;
    static Path file;
    static MMap map;
    static MMap readOnly;
    static MMap closed;
    static Arena arena = Arena.ofShared();

    @BeforeAll
    static void open() throws IOException {
        file = dir.resolve("bad-input.bin");
        map = MMap.open(file, SIZE, CREATE, READ, WRITE);
        readOnly = MMap.open(file, READ);
        closed = MMap.open(file, READ, WRITE);
        closed.close();
    }

    @AfterAll
    static void close() {
        map.close();
        readOnly.close();
        arena.close();
    }

    /** A positional operation touching {@code size} bytes at {@code pos}. */
    interface At {
        void apply(MMap m, long pos) throws Exception;
    }

    /** A positional operation on a caller-given length (a long, or an int narrowed from it). */
    interface AtFor {
        void apply(MMap m, long pos, long length) throws Exception;
    }

    record Op(String method, int size, int alignment, boolean writes, At call) {
        @Override
        public String toString() {
            return method + (alignment > 0 ? "(atomic " + size + ")" : "(" + size + ")");
        }
    }

    record LengthOp(String method, boolean writes, boolean intLength, AtFor call) {}

    static final List<Op> OPS = List.of(
            new Op("pread", 16, 0, false, (m, p) -> m.pread(p, 16)),
            new Op("pread", 16, 0, false, (m, p) -> m.pread(p, new byte[16])),
            new Op("pread", 16, 0, false, (m, p) -> m.pread(p, new byte[20], 4, 16)),
            new Op("pread", 16, 0, false, (m, p) -> m.pread(p, ByteBuffer.allocate(16))),
            new Op("pread", 16, 0, false, (m, p) -> m.pread(p, arena.allocate(16))),
            new Op("pwrite", 16, 0, true, (m, p) -> m.pwrite(p, new byte[16])),
            new Op("pwrite", 16, 0, true, (m, p) -> m.pwrite(p, new byte[20], 4, 16)),
            new Op("pwrite", 16, 0, true, (m, p) -> m.pwrite(p, ByteBuffer.allocate(16))),
            new Op("pwrite", 16, 0, true, (m, p) -> m.pwrite(p, arena.allocate(16))),
            new Op("copy", 16, 0, true, (m, p) -> m.copy(p, 0, 16)),
            new Op("copy", 16, 0, true, (m, p) -> m.copy(0, p, 16)),
            new Op("fill", 16, 0, true, (m, p) -> m.fill(p, 16, (byte) 1)),
            new Op("slice", 16, 0, false, (m, p) -> m.slice(p, 16)),
            new Op("asByteBuffer", 16, 0, false, (m, p) -> m.asByteBuffer(p, 16)),
            new Op("force", 16, 0, false, (m, p) -> m.force(p, 16)),
            new Op("advise", 16, 0, false, (m, p) -> m.advise(p, 16, Advice.NORMAL)),
            new Op("getByte", 1, 0, false, MMap::getByte),
            new Op("putByte", 1, 0, true, (m, p) -> m.putByte(p, (byte) 1)),
            new Op("getShort", 2, 0, false, MMap::getShort),
            new Op("putShort", 2, 0, true, (m, p) -> m.putShort(p, (short) 1)),
            new Op("getInt", 4, 0, false, MMap::getInt),
            new Op("putInt", 4, 0, true, (m, p) -> m.putInt(p, 1)),
            new Op("getLong", 8, 0, false, MMap::getLong),
            new Op("putLong", 8, 0, true, (m, p) -> m.putLong(p, 1)),
            new Op("getFloat", 4, 0, false, MMap::getFloat),
            new Op("putFloat", 4, 0, true, (m, p) -> m.putFloat(p, 1)),
            new Op("getDouble", 8, 0, false, MMap::getDouble),
            new Op("putDouble", 8, 0, true, (m, p) -> m.putDouble(p, 1)),
            new Op("getIntVolatile", 4, 4, false, MMap::getIntVolatile),
            new Op("putIntVolatile", 4, 4, true, (m, p) -> m.putIntVolatile(p, 1)),
            new Op("getIntAcquire", 4, 4, false, MMap::getIntAcquire),
            new Op("putIntRelease", 4, 4, true, (m, p) -> m.putIntRelease(p, 1)),
            new Op("getIntOpaque", 4, 4, false, MMap::getIntOpaque),
            new Op("putIntOpaque", 4, 4, true, (m, p) -> m.putIntOpaque(p, 1)),
            new Op("getAndAddInt", 4, 4, true, (m, p) -> m.getAndAddInt(p, 1)),
            new Op("getAndSubInt", 4, 4, true, (m, p) -> m.getAndSubInt(p, 1)),
            new Op("getAndSetInt", 4, 4, true, (m, p) -> m.getAndSetInt(p, 1)),
            new Op("getAndBitwiseAndInt", 4, 4, true, (m, p) -> m.getAndBitwiseAndInt(p, 1)),
            new Op("getAndBitwiseOrInt", 4, 4, true, (m, p) -> m.getAndBitwiseOrInt(p, 1)),
            new Op("getAndBitwiseXorInt", 4, 4, true, (m, p) -> m.getAndBitwiseXorInt(p, 1)),
            new Op("compareAndSetInt", 4, 4, true, (m, p) -> m.compareAndSetInt(p, 0, 1)),
            new Op("compareAndExchangeInt", 4, 4, true, (m, p) -> m.compareAndExchangeInt(p, 0, 1)),
            new Op("getLongVolatile", 8, 8, false, MMap::getLongVolatile),
            new Op("putLongVolatile", 8, 8, true, (m, p) -> m.putLongVolatile(p, 1)),
            new Op("getLongAcquire", 8, 8, false, MMap::getLongAcquire),
            new Op("putLongRelease", 8, 8, true, (m, p) -> m.putLongRelease(p, 1)),
            new Op("getLongOpaque", 8, 8, false, MMap::getLongOpaque),
            new Op("putLongOpaque", 8, 8, true, (m, p) -> m.putLongOpaque(p, 1)),
            new Op("getAndAddLong", 8, 8, true, (m, p) -> m.getAndAddLong(p, 1)),
            new Op("getAndSubLong", 8, 8, true, (m, p) -> m.getAndSubLong(p, 1)),
            new Op("getAndSetLong", 8, 8, true, (m, p) -> m.getAndSetLong(p, 1)),
            new Op("getAndBitwiseAndLong", 8, 8, true, (m, p) -> m.getAndBitwiseAndLong(p, 1)),
            new Op("getAndBitwiseOrLong", 8, 8, true, (m, p) -> m.getAndBitwiseOrLong(p, 1)),
            new Op("getAndBitwiseXorLong", 8, 8, true, (m, p) -> m.getAndBitwiseXorLong(p, 1)),
            new Op("compareAndSetLong", 8, 8, true, (m, p) -> m.compareAndSetLong(p, 0, 1)),
            new Op("compareAndExchangeLong", 8, 8, true, (m, p) -> m.compareAndExchangeLong(p, 0, 1)),
            new Op("inputStream", 0, 0, false, MMap::inputStream),
            new Op("outputStream", 0, 0, true, MMap::outputStream),
            new Op("indexOf", 0, 0, false, (m, p) -> m.indexOf(new byte[] {1}, p)),
            new Op("indexOf", 0, 0, false, (m, p) -> m.indexOf(new byte[] {1}, p, p)),
            new Op("lastIndexOf", 0, 0, false, (m, p) -> m.lastIndexOf(new byte[] {1}, p, p)));

    static final List<LengthOp> LENGTH_OPS = List.of(
            new LengthOp("pread", false, true, (m, p, n) -> m.pread(p, (int) n)),
            new LengthOp("copy", true, false, (m, p, n) -> m.copy(p, 0, n)),
            new LengthOp("fill", true, false, (m, p, n) -> m.fill(p, n, (byte) 0)),
            new LengthOp("slice", false, false, MMap::slice),
            new LengthOp("asByteBuffer", false, true, (m, p, n) -> m.asByteBuffer(p, (int) n)),
            new LengthOp("force", false, false, MMap::force),
            new LengthOp("advise", false, false, (m, p, n) -> m.advise(p, n, Advice.NORMAL)));

    /** Operations on the whole map: only a closed map can make them fail. */
    static final List<Op> WHOLE_MAP_OPS = List.of(
            new Op("size", 0, 0, false, (m, p) -> m.size()),
            new Op("segment", 0, 0, false, (m, p) -> m.segment()),
            new Op("asByteBuffer", 0, 0, false, (m, p) -> m.asByteBuffer()),
            new Op("force", 0, 0, false, (m, p) -> m.force()),
            new Op("load", 0, 0, false, (m, p) -> m.load()),
            new Op("unload", 0, 0, false, (m, p) -> m.unload()),
            new Op("isLoaded", 0, 0, false, (m, p) -> m.isLoaded()),
            new Op("advise", 0, 0, false, (m, p) -> m.advise(Advice.NORMAL)),
            new Op("lockPages", 0, 0, false, (m, p) -> m.lockPages()),
            new Op("unlockPages", 0, 0, false, (m, p) -> m.unlockPages()),
            new Op("resize", 0, 0, true, (m, p) -> m.resize(8192)),
            new Op("grow", 0, 0, true, (m, p) -> m.grow()),
            new Op("refresh", 0, 0, false, (m, p) -> m.refresh()),
            new Op("channel", 0, 0, false, (m, p) -> m.channel()),
            new Op("indexOf", 0, 0, false, (m, p) -> m.indexOf(new byte[] {1})),
            new Op("lastIndexOf", 0, 0, false, (m, p) -> m.lastIndexOf(new byte[] {1})));

    /** Methods that cannot fail on an open or closed map, and the factories tested below. */
    static final Set<String> NOT_IN_TABLE = Set.of("path", "fileOffset", "isReadOnly", "isPrivate", "isOpen",
            "toString", "close", "open", "openShared", "sharedMemoryPath", "wrap");

    @Test
    void everyPublicMethodIsInTheTable() {
        Set<String> covered = Stream.of(OPS, WHOLE_MAP_OPS).flatMap(List::stream).map(Op::method)
                .collect(Collectors.toCollection(TreeSet::new));
        covered.addAll(NOT_IN_TABLE);
        Set<String> declared = Arrays.stream(MMap.class.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()))
                .map(Method::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        declared.removeAll(covered);
        assertEquals(Set.of(), declared, "public methods of MMap missing from the bad-input table");
    }

    @TestFactory
    Stream<DynamicTest> negativePosition() {
        return OPS.stream().map(op -> dynamicTest(op + " at -1", () -> expect(IndexOutOfBoundsException.class,
                "negative position -1 in the 4096-byte map of " + file, () -> op.call.apply(map, -1))));
    }

    @TestFactory
    Stream<DynamicTest> overflowingPosition() {
        long max = Long.MAX_VALUE;
        return OPS.stream().map(op -> dynamicTest(op + " at Long.MAX_VALUE", () -> expect(
                IndexOutOfBoundsException.class,
                "range [" + max + ", " + max + " + " + op.size + ") is outside the 4096-byte map of " + file,
                () -> op.call.apply(map, max))));
    }

    @TestFactory
    Stream<DynamicTest> rangePastTheEnd() {
        return OPS.stream().map(op -> {
            // The first position whose range passes the end, rounded up to stay aligned for atomics.
            long pos = SIZE - op.size + Math.max(1, op.alignment);
            return dynamicTest(op + " at " + pos, () -> expect(IndexOutOfBoundsException.class,
                    "range [" + pos + ", " + pos + " + " + op.size + ") is outside the 4096-byte map of " + file,
                    () -> op.call.apply(map, pos)));
        });
    }

    @TestFactory
    Stream<DynamicTest> lastValidPositionWorks() {
        return OPS.stream().map(op -> dynamicTest(op + " at " + (SIZE - op.size),
                () -> op.call.apply(map, SIZE - op.size)));
    }

    @TestFactory
    Stream<DynamicTest> negativeAndOverflowingLengths() {
        List<DynamicTest> tests = new ArrayList<>();
        for (LengthOp op : LENGTH_OPS) {
            tests.add(dynamicTest(op.method + " of length -1", () -> expect(IndexOutOfBoundsException.class,
                    "negative length -1 at position 0 in the 4096-byte map of " + file,
                    () -> op.call.apply(map, 0, -1))));
            long huge = op.intLength ? Integer.MAX_VALUE : Long.MAX_VALUE;
            tests.add(dynamicTest(op.method + " of length " + huge, () -> expect(IndexOutOfBoundsException.class,
                    "range [1, 1 + " + huge + ") is outside the 4096-byte map of " + file,
                    () -> op.call.apply(map, 1, huge))));
            tests.add(dynamicTest(op.method + " of length 0 at the end", () -> op.call.apply(map, SIZE, 0)));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> misalignedAtomics() {
        return OPS.stream().filter(op -> op.alignment > 0).flatMap(op -> Stream.of(1, op.alignment / 2, op.alignment - 1)
                .distinct().map(pos -> dynamicTest(op + " at " + pos, () -> expect(IllegalArgumentException.class,
                        "position " + pos + " is misaligned for " + op.size + "-byte atomic access: its file offset "
                                + pos + " is not a multiple of " + op.alignment + " (" + file + ")",
                        () -> op.call.apply(map, pos)))));
    }

    @TestFactory
    Stream<DynamicTest> writesToAReadOnlyMap() {
        return Stream.of(OPS, WHOLE_MAP_OPS).flatMap(List::stream).filter(Op::writes).map(op -> dynamicTest(
                op + " on a read-only map", () -> {
                    expect(ReadOnlyBufferException.class, "the map of " + file
                            + " is read-only: open it with WRITE (or PRIVATE)", () -> op.call.apply(readOnly, 0));
                    assertEquals(0, readOnly.getLong(0), "nothing was written");
                }));
    }

    @TestFactory
    Stream<DynamicTest> readsOfAReadOnlyMapWork() {
        return OPS.stream().filter(op -> !op.writes).map(op -> dynamicTest(op + " on a read-only map",
                () -> op.call.apply(readOnly, 0)));
    }

    @TestFactory
    Stream<DynamicTest> anyAccessToAClosedMap() {
        return Stream.of(OPS, WHOLE_MAP_OPS).flatMap(List::stream).map(op -> dynamicTest(op + " after close",
                () -> expect(IllegalStateException.class, "the map of " + file + " is closed",
                        () -> op.call.apply(closed, 0))));
    }

    @Test
    void zeroLengthAccessToAClosedMapStillThrows() {
        String message = "the map of " + file + " is closed";
        assertThrows(IllegalStateException.class, () -> closed.pread(0, new byte[0]));
        assertThrows(IllegalStateException.class, () -> closed.pwrite(0, new byte[0]));
        // Before the fix, these four and copy returned without a word.
        expect(IllegalStateException.class, message, () -> closed.pread(0, ByteBuffer.allocate(0)));
        expect(IllegalStateException.class, message, () -> closed.pwrite(0, ByteBuffer.allocate(0)));
        expect(IllegalStateException.class, message, () -> closed.pread(0, MemorySegment.ofArray(new byte[0])));
        expect(IllegalStateException.class, message, () -> closed.pwrite(0, MemorySegment.ofArray(new byte[0])));
        expect(IllegalStateException.class, message, () -> closed.copy(0, 0, 0));
        expect(IllegalStateException.class, message, () -> closed.fill(0, 0, (byte) 1));
        assertThrows(IllegalStateException.class, () -> closed.slice(0, 0).get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void infoMethodsWorkOnAClosedMap() {
        assertFalse(closed.isOpen());
        assertEquals(file, closed.path().orElseThrow());
        assertEquals(0, closed.fileOffset());
        assertFalse(closed.isReadOnly());
        closed.close(); // idempotent
    }

    @Test
    void nullArguments() {
        expect(NullPointerException.class, "dst", () -> map.pread(0, (byte[]) null));
        expect(NullPointerException.class, "dst", () -> map.pread(0, null, 0, 1));
        expect(NullPointerException.class, "dst", () -> map.pread(0, null, 0, 100)); // past the inlined small copy
        expect(NullPointerException.class, "dst", () -> map.pread(0, (ByteBuffer) null));
        expect(NullPointerException.class, "dst", () -> map.pread(0, (MemorySegment) null));
        expect(NullPointerException.class, "src", () -> map.pwrite(0, (byte[]) null));
        expect(NullPointerException.class, "src", () -> map.pwrite(0, null, 0, 1));
        expect(NullPointerException.class, "src", () -> map.pwrite(0, null, 0, 100));
        expect(NullPointerException.class, "src", () -> map.pwrite(0, (ByteBuffer) null));
        expect(NullPointerException.class, "src", () -> map.pwrite(0, (MemorySegment) null));
        expect(NullPointerException.class, "pattern", () -> map.indexOf(null));
        expect(NullPointerException.class, "pattern", () -> map.indexOf(null, 0));
        expect(NullPointerException.class, "pattern", () -> map.indexOf(null, 0, 1));
        expect(NullPointerException.class, "pattern", () -> map.lastIndexOf(null));
        expect(NullPointerException.class, "pattern", () -> map.lastIndexOf(null, 0, 1));
        expect(NullPointerException.class, "advice", () -> map.advise(null));
        expect(NullPointerException.class, "advice", () -> map.advise(0, 1, null));
        expect(NullPointerException.class, "path", () -> MMap.open(null, READ));
        expect(NullPointerException.class, "path", () -> MMap.open(null, 64, READ));
        expect(NullPointerException.class, "options must not contain null", () -> MMap.open(file, READ, null));
        expect(NullPointerException.class, "options", () -> MMap.open(file, 0, 64, null));
        expect(NullPointerException.class, "options", () -> MMap.open(file, 0, 64, (Set<OpenOption>) null));
        expect(NullPointerException.class, "options must not contain null",
                () -> MMap.open(file, 0, 64, new java.util.HashSet<>(Arrays.asList(READ, null))));
        expect(NullPointerException.class, "attributes",
                () -> MMap.open(file, 0, 64, Set.of(READ), (java.nio.file.attribute.FileAttribute<?>[]) null));
        expect(NullPointerException.class, "path", () -> MMap.open(null, 0, 64, Set.of(READ)));
        expect(NullPointerException.class, "name", () -> MMap.openShared(null, 64, READ));
        expect(NullPointerException.class, "name", () -> MMap.sharedMemoryPath(null));
        expect(NullPointerException.class, "segment", () -> MMap.wrap((MemorySegment) null));
        expect(NullPointerException.class, "buffer", () -> MMap.wrap((ByteBuffer) null));
    }

    @Test
    void bufferArgumentsFollowTheJdk() {
        // As ByteBuffer.put into a read-only buffer: the JDK's ReadOnlyBufferException has no message.
        ByteBuffer readOnlyDst = ByteBuffer.allocate(4).asReadOnlyBuffer();
        expect(ReadOnlyBufferException.class, null, () -> map.pread(0, readOnlyDst));
        assertEquals(0, readOnlyDst.position(), "nothing was read");
        expect(IndexOutOfBoundsException.class, "Range [4, 4 + 16) out of bounds for length 16",
                () -> map.pread(0, new byte[16], 4, 16));
        expect(IndexOutOfBoundsException.class, "Range [-1, -1 + 4) out of bounds for length 16",
                () -> map.pwrite(0, new byte[16], -1, 4));
        assertThrows(IllegalArgumentException.class, () -> map.pread(0, arena.allocate(4).asReadOnly()));
    }

    @Test
    void badSizesAndOffsetsAtOpen() throws IOException {
        expect(IllegalArgumentException.class, "negative size -1", () -> MMap.open(file, -1, READ));
        expect(IllegalArgumentException.class, "negative size -5", () -> MMap.open(file, 0, -5, READ));
        expect(IllegalArgumentException.class, "negative file offset -1", () -> MMap.open(file, -1, 8, READ));
        expect(IllegalArgumentException.class, "file offset 1 + size 9223372036854775807 overflows a long",
                () -> MMap.open(file, 1, Long.MAX_VALUE, READ));
        expect(IllegalArgumentException.class, "negative size -1", () -> MMap.openShared("x", -1, READ));
        long before = Files.size(file);
        expect(java.nio.file.FileSystemException.class, file + ": file has 4096 bytes, a READ_ONLY map of 8192"
                + " bytes at offset 0 needs 8192; open with WRITE to grow it", () -> MMap.open(file, 8192, READ));
        assertEquals(before, Files.size(file));
    }

    @Test
    void optionsThatMakeNoSenseForAMap() {
        expect(IllegalArgumentException.class, "APPEND does not apply to a mapping: write at a position instead",
                () -> MMap.open(file, READ, WRITE, APPEND));
        expect(IllegalArgumentException.class, "SYNC has no effect on mapped memory: call force() instead",
                () -> MMap.open(file, READ, WRITE, SYNC));
        expect(IllegalArgumentException.class, "DSYNC has no effect on mapped memory: call force() instead",
                () -> MMap.open(file, READ, WRITE, DSYNC));
        expect(IllegalArgumentException.class,
                "EXCLUSIVE_LOCK needs WRITE or PRIVATE: an exclusive lock needs a writable file",
                () -> MMap.open(file, READ, MapOption.EXCLUSIVE_LOCK));
        OpenOption unknown = new OpenOption() {
            @Override
            public String toString() {
                return "MY_OPTION";
            }
        };
        expect(UnsupportedOperationException.class, "unsupported open option: MY_OPTION",
                () -> MMap.open(file, READ, unknown));
    }

    @Test
    void badSharedMemoryNames() {
        for (String name : List.of("a/b", "/abs", ".", "..", "nul\0byte")) {
            expect(IllegalArgumentException.class, "shared memory name must be a plain file name (no '/', no NUL, not"
                    + " \".\" or \"..\"), got \"" + name + "\"", () -> MMap.sharedMemoryPath(name));
        }
        expect(IllegalArgumentException.class, "shared memory name must be 1 to 255 UTF-8 bytes, got 0: \"\"",
                () -> MMap.sharedMemoryPath(""));
        String tooLong = "é".repeat(128);
        expect(IllegalArgumentException.class, "shared memory name must be 1 to 255 UTF-8 bytes, got 256: \""
                + tooLong + "\"", () -> MMap.openShared(tooLong, 64, READ));
        assertEquals(Path.of("/dev/shm", "x".repeat(255)), MMap.sharedMemoryPath("x".repeat(255)));
    }

    @Test
    void wrappingHeapMemoryIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MMap.wrap(MemorySegment.ofArray(new byte[8])));
        assertTrue(e.getMessage().startsWith("cannot wrap a heap segment (MemorySegment{"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MMap.wrap(ByteBuffer.allocate(8)));
        assertTrue(e.getMessage().startsWith("cannot wrap a heap ByteBuffer (java.nio.HeapByteBuffer"), e.getMessage());
    }

    @Test
    void resizingWhatCannotBeResized() throws IOException {
        expect(IllegalArgumentException.class, "negative size -1", () -> map.resize(-1));
        expect(ReadOnlyBufferException.class, "the map of " + file + " is read-only: open it with WRITE (or PRIVATE)",
                () -> readOnly.resize(8192));
        try (MMap cow = MMap.open(file, MapOption.PRIVATE)) {
            expect(UnsupportedOperationException.class, "a PRIVATE map cannot be resized: remapping would drop its"
                    + " private changes (" + file + ")", () -> cow.resize(8192));
            expect(UnsupportedOperationException.class, "a PRIVATE map cannot be refreshed: remapping would drop its"
                    + " private changes (" + file + ")", cow::refresh);
        }
        try (MMap wrapped = MMap.wrap(arena.allocate(64))) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, wrapped::grow);
            assertTrue(e.getMessage().endsWith("cannot be resized: its size belongs to whoever mapped it"), e.getMessage());
            assertEquals(64, wrapped.refresh());
        }
        assertEquals(SIZE, Files.size(file), "nothing was resized");
    }

    @Test
    void aMapTooLargeForOneBufferSaysSo() throws IOException {
        try (MMap big = MMap.open(dir.resolve("sparse-3g.bin"), 3L << 30, CREATE, READ, WRITE,
                java.nio.file.StandardOpenOption.SPARSE)) {
            expect(UnsupportedOperationException.class, "map of 3221225472 bytes is larger than a ByteBuffer's "
                    + "2147483647; take a buffer of a range with asByteBuffer(pos, length)", big::asByteBuffer);
        }
    }

    private static void expect(Class<? extends Throwable> type, String message, Executable call) {
        Throwable t = assertThrows(type, call);
        assertEquals(message, t.getMessage());
    }
}
