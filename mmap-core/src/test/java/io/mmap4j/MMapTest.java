package io.mmap4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.DELETE_ON_CLOSE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MMapTest {
    @TempDir
    Path dir;

    @Test
    void createsGrowsAndMapsAFileOfTheRequestedSize() throws IOException {
        Path file = dir.resolve("new.bin");
        try (MMap m = MMap.open(file, 10_000, CREATE, READ, WRITE)) {
            assertEquals(10_000, m.size());
            assertEquals(10_000, Files.size(file));
            assertEquals(0, m.getLong(9_992), "a new file reads as zeros");
            assertFalse(m.isReadOnly());
            assertFalse(m.isPrivate());
            assertEquals(Path.of(file.toString()), m.path().orElseThrow());
            assertEquals(0, m.fileOffset());
        }
    }

    @Test
    void newFilesAreOwnerOnlyUnlessAttributesSayOtherwise() throws IOException {
        Path ownerOnly = dir.resolve("owner-only.bin");
        try (MMap m = MMap.open(ownerOnly, 64, CREATE, WRITE)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(ownerOnly)));
        }
        Path shared = dir.resolve("group-readable.bin");
        try (MMap m = MMap.open(shared, 0, 64, Set.of(CREATE, WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")))) {
            assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(shared)));
        }
    }

    @Test
    void mapsAWholeExistingFileAndAnEmptyOne() throws IOException {
        Path file = dir.resolve("whole.bin");
        Files.write(file, "0123456789".getBytes(UTF_8));
        try (MMap m = MMap.open(file)) {
            assertEquals(10, m.size());
            assertTrue(m.isReadOnly(), "READ is implied and WRITE is not");
            assertEquals("0123456789", new String(m.pread(0, 10), UTF_8));
        }
        Path empty = Files.createFile(dir.resolve("empty.bin"));
        try (MMap m = MMap.open(empty, READ, WRITE)) {
            assertEquals(0, m.size());
            assertEquals(4096, m.grow());
            assertEquals(4096, Files.size(empty));
        }
    }

    @Test
    void aShorterFileOpenedLargerWithWriteGrowsAndKeepsItsContent() throws IOException {
        Path file = dir.resolve("grown.bin");
        byte[] content = new byte[1000];
        Arrays.fill(content, (byte) 0x5A);
        Files.write(file, content);
        try (MMap m = MMap.open(file, 10_000, READ, WRITE)) {
            assertEquals(10_000, m.size());
            assertEquals(10_000, Files.size(file), "the file on disk grew");
            assertArrayEquals(content, m.pread(0, 1000), "the existing bytes are kept");
            assertArrayEquals(new byte[9000], m.pread(1000, 9000), "the new bytes read as zeros");
            m.putByte(9999, (byte) 1);
        }
        byte[] onDisk = Files.readAllBytes(file);
        assertArrayEquals(content, Arrays.copyOf(onDisk, 1000));
        assertEquals(1, onDisk[9999]);
    }

    @Test
    void aLongerFileIsNotShrunkAndAShorterReadOnlyFileIsAnErrorNamingBothSizes() throws IOException {
        Path file = dir.resolve("sizes.bin");
        Files.write(file, new byte[100]);
        try (MMap m = MMap.open(file, 40, READ, WRITE)) {
            assertEquals(40, m.size());
        }
        assertEquals(100, Files.size(file));
        FileSystemException e = assertThrows(FileSystemException.class, () -> MMap.open(file, 4096, READ));
        assertTrue(e.getMessage().contains("file has 100 bytes") && e.getMessage().contains("4096"), e.getMessage());
        assertEquals(100, Files.size(file), "a failed open changes nothing");
    }

    @Test
    void standardOpenOptionsBehaveAsForFileChannel() throws IOException {
        Path file = dir.resolve("options.bin");
        assertThrows(NoSuchFileException.class, () -> MMap.open(file, 64, READ, WRITE));
        MMap.open(file, 64, CREATE_NEW, WRITE).close();
        assertThrows(FileAlreadyExistsException.class, () -> MMap.open(file, 64, CREATE_NEW, WRITE));
        Files.write(file, new byte[] {1, 2, 3});
        try (MMap m = MMap.open(file, 8, TRUNCATE_EXISTING, READ, WRITE)) {
            assertEquals(0, m.getLong(0), "TRUNCATE_EXISTING dropped the old bytes");
        }
        Path link = Files.createSymbolicLink(dir.resolve("link.bin"), file);
        assertThrows(IOException.class, () -> MMap.open(link, READ, LinkOption.NOFOLLOW_LINKS));
        try (MMap m = MMap.open(link, READ)) {
            assertEquals(8, m.size(), "links are followed by default");
        }
    }

    @Test
    void aDirectoryIsAnErrorNamingIt() {
        FileSystemException e = assertThrows(FileSystemException.class, () -> MMap.open(dir));
        assertTrue(e.getMessage().startsWith(dir + ": cannot map ") && e.getMessage().endsWith(": No such device"),
                e.getMessage());
        e = assertThrows(FileSystemException.class, () -> MMap.open(dir, 64, READ, WRITE));
        assertEquals(dir.toString(), e.getFile());
    }

    @Test
    void deleteOnCloseRemovesTheFileWhenTheMapCloses() throws IOException {
        Path file = dir.resolve("scratch.bin");
        try (MMap m = MMap.open(file, 64, CREATE, READ, WRITE, DELETE_ON_CLOSE)) {
            m.putLong(0, 1);
            assertEquals(1, m.getLong(0));
        }
        assertFalse(Files.exists(file));
    }

    @Test
    void positionalReadsAndWritesInEveryForm() throws IOException {
        try (MMap m = MMap.open(dir.resolve("io.bin"), 256, CREATE, READ, WRITE);
             Arena arena = Arena.ofConfined()) {
            byte[] hello = "hello, world".getBytes(UTF_8);
            m.pwrite(10, hello);
            assertArrayEquals(hello, m.pread(10, hello.length));

            m.pwrite(30, hello, 7, 5);
            byte[] dst = new byte[9];
            m.pread(28, dst, 2, 7);
            assertArrayEquals(new byte[] {0, 0, 0, 0, 'w', 'o', 'r', 'l', 'd'}, dst);
            byte[] whole = new byte[5];
            m.pread(30, whole);
            assertEquals("world", new String(whole, UTF_8));

            ByteBuffer src = ByteBuffer.wrap("xbufferx".getBytes(UTF_8), 1, 6);
            m.pwrite(50, src);
            assertEquals(7, src.position(), "pwrite consumed the buffer's remaining bytes");
            ByteBuffer into = ByteBuffer.allocateDirect(8).position(1).limit(7);
            m.pread(50, into);
            assertEquals(7, into.position());
            assertEquals("buffer", UTF_8.decode(into.flip().position(1)).toString());

            MemorySegment segment = arena.allocate(4);
            segment.set(ValueLayout.JAVA_INT, 0, 0x01020304);
            m.pwrite(70, segment);
            MemorySegment back = arena.allocate(4);
            m.pread(70, back);
            assertEquals(0x01020304, back.get(ValueLayout.JAVA_INT, 0));

            m.fill(100, 20, (byte) 7);
            m.copy(100, 110, 20); // overlapping
            byte[] copied = m.pread(100, 31);
            for (int i = 0; i < 30; i++) {
                assertEquals(7, copied[i], "byte " + i);
            }
            assertEquals(0, copied[30]);
        }
    }

    @Test
    void typedAccessIsLittleEndianOnDisk() throws IOException {
        Path file = dir.resolve("typed.bin");
        try (MMap m = MMap.open(file, 64, CREATE, READ, WRITE)) {
            m.putByte(0, (byte) -2);
            m.putShort(1, (short) 0x0102);
            m.putInt(3, 0x01020304);
            m.putLong(7, 0x0102030405060708L);
            m.putFloat(15, 1.5f);
            m.putDouble(19, -2.25);
            assertEquals(-2, m.getByte(0));
            assertEquals(0x0102, m.getShort(1));
            assertEquals(0x01020304, m.getInt(3));
            assertEquals(0x0102030405060708L, m.getLong(7));
            assertEquals(1.5f, m.getFloat(15));
            assertEquals(-2.25, m.getDouble(19));
        }
        ByteBuffer disk = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(-2, disk.get(0));
        assertArrayEquals(new byte[] {2, 1}, Arrays.copyOfRange(disk.array(), 1, 3));
        assertEquals(0x01020304, disk.getInt(3));
        assertEquals(0x0102030405060708L, disk.getLong(7));
        assertEquals(1.5f, disk.getFloat(15));
        assertEquals(-2.25, disk.getDouble(19));
    }

    @Test
    void viewsAreZeroCopyBothWays() throws IOException {
        try (MMap m = MMap.open(dir.resolve("views.bin"), 8192, CREATE, READ, WRITE)) {
            MemorySegment view = m.slice(4096, 4096);
            ByteBuffer buffer = m.asByteBuffer(4096, 16);
            m.putLong(4096, 42);
            assertEquals(42, view.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
            assertEquals(ByteOrder.LITTLE_ENDIAN, buffer.order());
            assertEquals(42, buffer.getLong(0));
            view.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, 7);
            assertEquals(7, m.getLong(4104));
            buffer.putLong(0, 9);
            assertEquals(9, m.getLong(4096));
            assertEquals(8192, m.segment().byteSize());
            assertEquals(8192, m.asByteBuffer().capacity());
        }
    }

    @Test
    void readOnlyMapsGiveReadOnlyViews() throws IOException {
        Path file = dir.resolve("ro.bin");
        Files.write(file, new byte[64]);
        try (MMap m = MMap.open(file)) {
            assertTrue(m.slice(0, 8).isReadOnly());
            assertTrue(m.segment().isReadOnly());
            assertTrue(m.asByteBuffer(0, 8).isReadOnly());
        }
    }

    @Test
    void sharedWritesReachTheFileAndSurviveReopening() throws IOException {
        Path file = dir.resolve("shared.bin");
        try (MMap m = MMap.open(file, 64, CREATE, READ, WRITE)) {
            m.putLong(8, 1234);
            try (MMap other = MMap.open(file, READ)) {
                assertEquals(1234, other.getLong(8), "a second map sees the write at once");
            }
        }
        try (MMap m = MMap.open(file, READ)) {
            assertEquals(1234, m.getLong(8));
        }
        assertEquals(1234, ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN).getLong(8));
    }

    @Test
    void privateWritesReachNeitherTheFileNorAnotherMap() throws IOException {
        Path file = dir.resolve("private.bin");
        Files.write(file, new byte[64]);
        try (MMap shared = MMap.open(file, READ);
             MMap cow = MMap.open(file, MapOption.PRIVATE)) {
            assertTrue(cow.isPrivate());
            assertFalse(cow.isReadOnly());
            cow.putLong(0, 99);
            cow.getAndAddLong(8, 5);
            assertEquals(99, cow.getLong(0));
            assertEquals(5, cow.getLong(8));
            assertEquals(0, shared.getLong(0), "another map does not see a private write");
            cow.force();
        }
        assertArrayEquals(new byte[64], Files.readAllBytes(file), "the file never saw the private writes");
    }

    @Test
    void aPrivateMapDoesNotCreateOrGrowTheFileWithoutWrite() throws IOException {
        Path missing = dir.resolve("missing.bin");
        assertThrows(NoSuchFileException.class, () -> MMap.open(missing, 64, CREATE, MapOption.PRIVATE));
        Path small = dir.resolve("small.bin");
        Files.write(small, new byte[10]);
        assertThrows(FileSystemException.class, () -> MMap.open(small, 64, MapOption.PRIVATE));
        assertEquals(10, Files.size(small));
    }

    @Test
    void aRegionMapStartsAtItsFileOffset() throws IOException {
        Path file = dir.resolve("region.bin");
        byte[] bytes = new byte[10_000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        Files.write(file, bytes);
        try (MMap m = MMap.open(file, 5003, 100, READ, WRITE)) {
            assertEquals(5003, m.fileOffset());
            assertEquals(100, m.size());
            assertEquals((byte) 5003, m.getByte(0));
            m.putByte(99, (byte) 1);
        }
        assertEquals(1, Files.readAllBytes(file)[5102]);
        assertEquals(10_000, Files.size(file));
    }

    @Test
    void namedSharedMemoryLivesInDevShm() throws IOException {
        String name = "mmap4j-test-" + UUID.randomUUID();
        Path path = MMap.sharedMemoryPath(name);
        assertEquals(Path.of("/dev/shm", name), path);
        try (MMap writer = MMap.openShared(name, 4096, CREATE_NEW, READ, WRITE, DELETE_ON_CLOSE);
             MMap reader = MMap.openShared(name, 4096, READ)) {
            assertTrue(Files.exists(path));
            writer.putLongVolatile(0, 77);
            assertEquals(77, reader.getLongVolatile(0));
        }
        assertFalse(Files.exists(path), "DELETE_ON_CLOSE removed the name");
    }

    @Test
    void anExclusiveLockKeepsOutASecondLocker() throws Exception {
        Path file = dir.resolve("locked.bin");
        try (MMap m = MMap.open(file, 64, CREATE, READ, WRITE, MapOption.EXCLUSIVE_LOCK)) {
            FileSystemException e = assertThrows(FileSystemException.class,
                    () -> MMap.open(file, READ, WRITE, MapOption.EXCLUSIVE_LOCK));
            assertEquals(file + ": locked by another map or channel in this JVM (EXCLUSIVE_LOCK)", e.getMessage());
            try (MMap unlocked = MMap.open(file, READ)) {
                assertEquals(64, unlocked.size(), "the lock is advisory: a map that does not ask still opens");
            }
            // Only another process sees an fcntl lock: neither the failed open's channel nor the
            // second map's, both closed by now, may have taken it with them.
            assertEquals("refused", ExclusiveLockTest.tryLockInAnotherJvm(file));
        }
        MMap.open(file, READ, WRITE, MapOption.EXCLUSIVE_LOCK).close(); // released by close
    }

    @Test
    void populateFaultsThePagesIn() throws IOException {
        try (MMap m = MMap.open(dir.resolve("populate.bin"), 1 << 20, CREATE, READ, WRITE, MapOption.POPULATE)) {
            assertTrue(m.isLoaded());
        }
    }

    @Test
    void wrapsSegmentsAndBuffersItDoesNotOwn() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(64, 8);
            try (MMap m = MMap.wrap(memory)) {
                assertEquals(1, m.getAndAddLong(8, 2) + 1);
                assertEquals(2, memory.get(ValueLayout.JAVA_LONG, 8));
                assertTrue(m.path().isEmpty());
            }
            assertEquals(2, memory.get(ValueLayout.JAVA_LONG, 8), "closing the wrapper does not free the memory");
        }
        Path file = dir.resolve("legacy.bin");
        Files.write(file, new byte[64]);
        try (FileChannel channel = FileChannel.open(file, READ, WRITE)) {
            MappedByteBuffer legacy = channel.map(FileChannel.MapMode.READ_WRITE, 0, 64);
            try (MMap m = MMap.wrap(legacy)) {
                m.putIntVolatile(4, 5);
                m.force();
                assertEquals(5, legacy.order(ByteOrder.LITTLE_ENDIAN).getInt(4));
            }
            try (MMap m = MMap.wrap(legacy.asReadOnlyBuffer())) {
                assertTrue(m.isReadOnly());
            }
        }
    }

    @Test
    void toStringNamesFileSizeAndMode() throws IOException {
        Path file = dir.resolve("named.bin");
        MMap m = MMap.open(file, 64, CREATE, READ, WRITE);
        assertEquals("MMap[" + file + ", 64 bytes, READ_WRITE]", m.toString());
        m.close();
        assertEquals("MMap[" + file + ", closed]", m.toString());
        assertFalse(m.isOpen());
    }
}
