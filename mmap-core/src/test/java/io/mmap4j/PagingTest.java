package io.mmap4j;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Durability and paging: force, load, unload, isLoaded, as seen through the file itself. */
class PagingTest {
    private static final int SIZE = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void loadBringsEveryPageIn() throws IOException {
        Path file = dir.resolve("load.bin");
        try (MMap m = MMap.open(file, SIZE, CREATE, READ, WRITE)) {
            m.putLong(SIZE - 8, 7);
            m.load();
            assertTrue(m.isLoaded(), "every page is resident right after load()");
            assertEquals(7, m.getLong(SIZE - 8));
        }
    }

    @Test
    void unloadingASharedMapKeepsItsData() throws IOException {
        byte[] data = randomBytes(SIZE);
        try (MMap m = mapHolding("unload.bin", data)) {
            m.unload();
            assertArrayEquals(data, m.pread(0, SIZE), "the pages are read back from the file");
        }
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("unload.bin")));
    }

    /**
     * MADV_DONTNEED replaces a private map's copies of its pages with the file's content: unload()
     * and advise(DONTNEED), of the whole map or a range, are refused alike, and the writes survive.
     */
    @Test
    void droppingThePagesOfAPrivateMapIsRefusedAndKeepsItsWrites() throws IOException {
        Path file = dir.resolve("private-unload.bin");
        Files.write(file, new byte[8192]);
        try (MMap cow = MMap.open(file, MapOption.PRIVATE)) {
            cow.putLong(0, 99);
            cow.putLong(4096, 98);
            String why = " would discard this PRIVATE map's writes (MADV_DONTNEED drops its private copies of the"
                    + " pages): " + file;
            assertEquals("unload()" + why, assertThrows(UnsupportedOperationException.class, cow::unload).getMessage());
            assertEquals("advise(DONTNEED)" + why, assertThrows(UnsupportedOperationException.class,
                    () -> cow.advise(Advice.DONTNEED)).getMessage());
            assertEquals("advise(DONTNEED)" + why, assertThrows(UnsupportedOperationException.class,
                    () -> cow.advise(4096, 8, Advice.DONTNEED)).getMessage());
            cow.advise(Advice.WILLNEED); // advice that changes no content is taken (or, without native access, ignored)
            assertEquals(99, cow.getLong(0), "the private writes survive");
            assertEquals(98, cow.getLong(4096));
        }
        assertArrayEquals(new byte[8192], Files.readAllBytes(file));
    }

    @Test
    void forceWritesWhatAFreshChannelReadsBack() throws IOException {
        byte[] data = randomBytes(SIZE);
        try (MMap m = mapHolding("force.bin", data)) {
            m.force();
            assertArrayEquals(data, readThroughAChannel(m.path().orElseThrow(), 0, SIZE));
        }
    }

    @Test
    void forceOfARangeWritesThatRange() throws IOException {
        Path file = dir.resolve("force-range.bin");
        try (MMap m = MMap.open(file, 1000, 3 * 4096, CREATE, READ, WRITE)) {
            byte[] data = randomBytes(5000);
            // Starts mid-page, at file offset 4000 (1000 + 3000), so the range is rounded out to pages.
            m.pwrite(3000, data);
            m.force(3000, data.length);
            assertArrayEquals(data, readThroughAChannel(file, 4000, data.length));
            m.force(m.size(), 0); // an empty range at the end is valid and does nothing
        }
    }

    /** A new shared map of a new file in {@link #dir}, sized to {@code data} and holding it. */
    private MMap mapHolding(String name, byte[] data) throws IOException {
        MMap m = MMap.open(dir.resolve(name), data.length, CREATE, READ, WRITE);
        m.pwrite(0, data);
        return m;
    }

    private static byte[] readThroughAChannel(Path file, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        try (FileChannel channel = FileChannel.open(file, READ)) {
            while (buffer.hasRemaining() && channel.read(buffer, position + buffer.position()) >= 0) {
                // read until full or end of file
            }
        }
        return buffer.array();
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new Random(n).nextBytes(bytes);
        return bytes;
    }
}
