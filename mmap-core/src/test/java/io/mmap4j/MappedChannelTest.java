package io.mmap4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the differential tests cannot show: seeking from an origin, how the map and the file grow
 * and are cut back, the streams of an {@link MMap} and their lifetimes, read-only, private and
 * wrapped maps, a map closed under a channel, and many threads writing through one channel.
 */
class MappedChannelTest {
    @TempDir
    Path dir;

    private static ByteBuffer buffer(String s) {
        return ByteBuffer.wrap(s.getBytes(UTF_8));
    }

    @Test
    void positionFromStartCurrentAndEnd() throws IOException {
        try (Arena arena = Arena.ofConfined(); MMap map = MMap.wrap(arena.allocate(100)); MappedChannel ch = map.channel()) {
            assertEquals(10, ch.position(10, MappedChannel.Origin.START).position());
            assertEquals(15, ch.position(5, MappedChannel.Origin.CURRENT).position());
            assertEquals(12, ch.position(-3, MappedChannel.Origin.CURRENT).position());
            assertEquals(90, ch.position(-10, MappedChannel.Origin.END).position());
            assertEquals(150, ch.position(50, MappedChannel.Origin.END).position(), "past the end is allowed");
            assertEquals(-1, ch.read(ByteBuffer.allocate(1)), "and reads there report the end");

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ch.position(-101, MappedChannel.Origin.END));
            assertEquals("position 100 (END) + -101 = -1 is negative", e.getMessage());
            ch.position(10);
            e = assertThrows(IllegalArgumentException.class, () -> ch.position(Long.MAX_VALUE, MappedChannel.Origin.CURRENT));
            assertEquals("position 10 (CURRENT) + 9223372036854775807 overflows a long", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ch.position(-1));
            assertEquals("negative position -1", e.getMessage());
            assertEquals(10, ch.position(), "a refused seek leaves the position");
            assertThrows(NullPointerException.class, () -> ch.position(0, null));
        }
    }

    @Test
    void writingPastTheEndGrowsInStepsAndCloseCutsBackToTheLastByte() throws IOException {
        Path p = dir.resolve("grow");
        try (MMap map = MMap.open(p, 0, CREATE, READ, WRITE)) {
            try (MappedChannel ch = map.channel()) {
                ch.write(buffer("0123456789"));
                assertEquals(10, ch.size(), "the channel's size is where its bytes end");
                assertEquals(4096, map.size(), "the map grew by a whole step");
                ch.position(5000).write(buffer("x"));
                assertEquals(5001, ch.size());
                assertEquals(8192, map.size(), "doubled");
                ch.position(9);
                ByteBuffer gap = ByteBuffer.allocate(10);
                ch.read(gap);
                assertArrayEquals(new byte[] {'9', 0, 0, 0, 0, 0, 0, 0, 0, 0}, gap.array(), "the gap reads as zeros");
            }
            assertEquals(5001, map.size(), "closing the channel cut the map back");
            assertEquals(8192, Files.size(p), "the file is cut once nothing maps the bytes cut off");
            assertTrue(map.isOpen(), "a channel from MMap.channel() leaves the map open");
        }
        assertEquals(5001, Files.size(p), "closing the map cut the file");
    }

    @Test
    void truncateCutsTheMapAndAWriteAfterItSeesZeros() throws IOException {
        Path p = dir.resolve("truncate");
        Files.write(p, "abcdefghij".getBytes(UTF_8));
        try (MMap map = MMap.open(p, READ, WRITE); MappedChannel ch = map.channel()) {
            ch.position(8).truncate(4);
            assertEquals(4, ch.position(), "pulled back to the new size");
            assertEquals(4, map.size());
            assertEquals(10, Files.size(p), "cut when the map closes");
            ch.position(6).write(buffer("Z"));
            ByteBuffer all = ByteBuffer.allocate(7);
            ch.position(0).read(all);
            assertEquals("abcd\0\0Z", new String(all.array(), UTF_8), "what was cut off does not come back");
        }
        assertEquals("abcd\0\0Z", Files.readString(p));
    }

    @Test
    void aStreamWithinTheMapLeavesItsSize() throws IOException {
        Path p = dir.resolve("within");
        try (MMap map = MMap.open(p, 100, CREATE, READ, WRITE)) {
            try (OutputStream out = map.outputStream(10)) {
                out.write("hello".getBytes(UTF_8));
            }
            assertEquals(100, map.size());
            assertEquals(100, Files.size(p));
            try (InputStream in = map.inputStream(10)) {
                assertEquals("hello", new String(in.readNBytes(5), UTF_8));
                assertEquals(85, in.available());
            }
            try (OutputStream out = map.outputStream(98)) {
                out.write("past the end".getBytes(UTF_8));
            }
            assertEquals(110, map.size(), "grown, then cut back to the last byte written");
            assertEquals(4096, Files.size(p), "the file is cut when the map closes");
            assertEquals("past the end", new String(map.pread(98, 12), UTF_8));
        }
        assertEquals(110, Files.size(p));
    }

    @Test
    void anInputStreamSeesTheMapRefreshed() throws IOException {
        Path p = dir.resolve("refresh");
        Files.write(p, "first".getBytes(UTF_8));
        try (MMap reader = MMap.open(p, READ); InputStream in = reader.inputStream(0)) {
            assertEquals("first", new String(in.readAllBytes(), UTF_8));
            assertEquals(-1, in.read());
            Files.write(p, " second".getBytes(UTF_8), APPEND);
            reader.refresh();
            assertEquals(" second", new String(in.readAllBytes(), UTF_8));
        }
    }

    @Test
    void streamPositionsAreChecked() throws IOException {
        try (Arena arena = Arena.ofConfined(); MMap map = MMap.wrap(arena.allocate(8))) {
            String source = "the 8-byte map of wrapped segment " + map.segment();
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> map.inputStream(9));
            assertEquals("range [9, 9 + 0) is outside " + source, e.getMessage());
            e = assertThrows(IndexOutOfBoundsException.class, () -> map.outputStream(-1));
            assertEquals("negative position -1 in " + source, e.getMessage());
            try (InputStream in = map.inputStream(8)) {
                assertEquals(-1, in.read(), "a stream may start at the end");
            }
        }
    }

    @Test
    void aReadOnlyMapCanBeReadButNotWrittenThroughItsChannelAndStreams() throws IOException {
        Path p = dir.resolve("read-only");
        Files.write(p, "data".getBytes(UTF_8));
        try (MMap map = MMap.open(p, READ); MappedChannel ch = map.channel()) {
            assertThrows(NonWritableChannelException.class, () -> ch.write(buffer("x")));
            assertThrows(NonWritableChannelException.class, () -> ch.truncate(1));
            ReadOnlyBufferException e = assertThrows(ReadOnlyBufferException.class, () -> map.outputStream(0));
            assertEquals("the map of " + p + " is read-only: open it with WRITE (or PRIVATE)", e.getMessage());
            assertEquals("data", ch.readLine());
            try (InputStream in = map.inputStream(1)) {
                assertEquals("ata", new String(in.readAllBytes(), UTF_8));
            }
        }
        assertEquals("data", Files.readString(p));
    }

    @Test
    void mapsThatCannotGrowSaySoWhenAWritePassesTheEnd() throws IOException {
        Path p = dir.resolve("private");
        Files.write(p, new byte[8]);
        try (MMap cow = MMap.open(p, MapOption.PRIVATE); MappedChannel ch = cow.channel()) {
            assertEquals(8, ch.write(ByteBuffer.allocate(8)), "within the map a private channel writes");
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> ch.write(buffer("x")));
            assertEquals("a PRIVATE map cannot be resized: remapping would drop its private changes (" + p + ")",
                    e.getMessage());
            assertEquals(8, ch.position(), "nothing was written");
        }
        try (Arena arena = Arena.ofConfined(); MMap wrapped = MMap.wrap(arena.allocate(4));
             OutputStream out = wrapped.outputStream(0)) {
            out.write(new byte[4]);
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> out.write(1));
            assertTrue(e.getMessage().endsWith("cannot be resized: its size belongs to whoever mapped it"), e.getMessage());
        }
    }

    @Test
    void everyOperationAfterCloseThrowsClosedChannelException() throws IOException {
        MappedChannel ch = MappedFiles.newByteChannel(dir.resolve("closed"), CREATE, READ, WRITE);
        ch.write(buffer("line\n"));
        ch.close();
        assertFalse(ch.isOpen());
        ch.close(); // idempotent
        List<Executable> calls = List.of(
                () -> ch.read(ByteBuffer.allocate(1)),
                () -> ch.write(buffer("x")),
                ch::position,
                () -> ch.position(0),
                () -> ch.position(0, MappedChannel.Origin.END),
                ch::size,
                () -> ch.truncate(0),
                () -> ch.truncate(-1),
                ch::readLine);
        for (Executable call : calls) {
            assertThrows(ClosedChannelException.class, call);
        }
        assertFalse(ch.map().isOpen(), "a channel from MappedFiles closes its map");
        assertEquals(5, Files.size(dir.resolve("closed")), "cut back to the bytes written");
    }

    @Test
    void aMapClosedUnderItsChannelAndStreamsMakesThemThrowClosedChannelException() throws IOException {
        Path p = dir.resolve("map-closed");
        Files.write(p, "abc".getBytes(UTF_8));
        MMap map = MMap.open(p, READ, WRITE);
        MappedChannel ch = map.channel();
        InputStream in = map.inputStream(0);
        OutputStream out = map.outputStream(0);
        map.close();
        assertTrue(ch.isOpen());
        ClosedChannelException e = assertThrows(ClosedChannelException.class, () -> ch.read(ByteBuffer.allocate(1)));
        assertEquals("the map of " + p + " is closed", e.getCause().getMessage());
        List<Executable> calls = List.of(
                () -> ch.write(buffer("x")),
                ch::position,
                () -> ch.position(1),
                () -> ch.position(-1), // closed is reported before the bad argument, as by FileChannel
                () -> ch.position(0, MappedChannel.Origin.START),
                () -> ch.position(0, MappedChannel.Origin.CURRENT),
                () -> ch.position(0, MappedChannel.Origin.END),
                ch::size,
                () -> ch.truncate(0),
                () -> ch.truncate(-1),
                ch::readLine,
                in::read,
                () -> in.read(new byte[2]),
                in::readAllBytes,
                () -> in.readNBytes(2),
                () -> in.skip(1),
                () -> in.skip(0),
                () -> in.skip(-1),
                in::available,
                () -> in.transferTo(OutputStream.nullOutputStream()),
                () -> out.write(1),
                () -> out.write(new byte[2]));
        for (Executable call : calls) {
            ClosedChannelException closed = assertThrows(ClosedChannelException.class, call);
            assertEquals("the map of " + p + " is closed", closed.getCause().getMessage());
        }
        ch.close(); // nothing to cut back on a closed map, and no exception
        in.close();
        out.close();
    }

    /**
     * A map closed while another thread reads through a channel and a stream of it: each read
     * either completes with the map's bytes or throws ClosedChannelException whose cause names the
     * map, whether the close came before the read or in the middle of its copy.
     */
    @Test
    void aMapClosedDuringReadsMakesThemThrowClosedChannelExceptionNamingTheMap() throws Exception {
        byte[] content = new byte[1 << 16];
        Arrays.fill(content, (byte) 'x');
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            for (int round = 0; round < 20; round++) {
                Path p = dir.resolve("closed-during-" + round);
                Files.write(p, content);
                MMap map = MMap.open(p, READ);
                MappedChannel ch = map.channel();
                InputStream in = map.inputStream(0);
                Future<Throwable> reader = pool.submit(() -> {
                    ByteBuffer direct = ByteBuffer.allocateDirect(content.length);
                    byte[] array = new byte[content.length];
                    try {
                        for (long reads = 0; ; reads++) {
                            direct.clear();
                            ch.position(0).read(direct);
                            ch.position(0);
                            assertEquals(content.length, ch.readLine().length());
                            in.skip(-content.length);
                            assertEquals(content.length, in.readNBytes(array, 0, array.length));
                            assertArrayEquals(content, array);
                        }
                    } catch (IOException e) {
                        return e;
                    }
                });
                Thread.sleep(round % 5); // close before, during and between the reads
                map.close();
                Throwable thrown = reader.get(30, TimeUnit.SECONDS);
                ClosedChannelException closed = assertInstanceOf(ClosedChannelException.class, thrown);
                assertEquals("the map of " + p + " is closed", closed.getCause().getMessage());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void streamsOfAMapHaveTheBulkOperations() throws IOException {
        byte[] content = new byte[300_000];
        new Random(5).nextBytes(content);
        Path p = dir.resolve("bulk");
        Files.write(p, content);
        try (MMap map = MMap.open(p, READ)) {
            try (InputStream in = map.inputStream(1000)) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                assertEquals(content.length - 1000, in.transferTo(out));
                assertArrayEquals(Arrays.copyOfRange(content, 1000, content.length), out.toByteArray());
                assertEquals(0, in.transferTo(out));
            }
            try (InputStream in = map.inputStream(0)) {
                assertEquals(10, in.skip(10));
                assertEquals(-5, in.skip(-5), "backwards, as the JDK's file streams");
                assertEquals(content[5] & 0xFF, in.read());
                assertEquals(content.length - 6, in.readAllBytes().length);
                assertEquals(0, in.readNBytes(10).length);
            }
        }
    }

    @Test
    void manyThreadsAppendingThroughOneChannelLoseNothing() throws Exception {
        Path p = dir.resolve("appended");
        int threads = 4;
        int records = 2_000;
        int size = 100;
        try (MappedChannel ch = MappedFiles.newByteChannel(p, CREATE, APPEND)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    byte mark = (byte) ('A' + t);
                    done.add(pool.submit(() -> {
                        byte[] record = new byte[size];
                        Arrays.fill(record, mark);
                        for (int i = 0; i < records; i++) {
                            ch.write(ByteBuffer.wrap(record));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
        }
        byte[] file = Files.readAllBytes(p);
        assertEquals(threads * records * size, file.length, "every record, nothing more: the growth slack is cut");
        int[] perThread = new int[threads];
        for (int r = 0; r < file.length; r += size) {
            byte mark = file[r];
            for (int i = r; i < r + size; i++) {
                if (file[i] != mark) {
                    throw new AssertionError("record at " + r + " is torn: byte " + i + " is " + file[i]);
                }
            }
            perThread[mark - 'A']++;
        }
        assertArrayEquals(new int[] {records, records, records, records}, perThread);
    }
}
