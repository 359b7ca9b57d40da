package io.mmap4j;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.SPARSE;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResizeTest {
    @TempDir
    Path dir;

    @Test
    void resizeGrowsAndShrinksTheFileWithTheMap() throws IOException {
        Path file = dir.resolve("resize.bin");
        try (MMap m = MMap.open(file, 4096, CREATE, READ, WRITE)) {
            m.putLong(4088, 7);
            m.resize(10_000);
            assertEquals(10_000, m.size());
            assertEquals(10_000, Files.size(file));
            assertEquals(7, m.getLong(4088), "bytes before the old end are kept");
            assertEquals(0, m.getLong(9992), "new bytes read as zeros");
            m.putLong(9992, 8);
            m.resize(100);
            assertEquals(100, m.size());
            assertEquals(10_000, Files.size(file), "the cut waits until no mapping of the handle can meet it");
            assertThrows(IndexOutOfBoundsException.class, () -> m.getLong(96 + 8));
            m.resize(200);
            assertEquals(0, m.getLong(192), "bytes the shrink cut read as zeros when the map grows again");
            m.resize(100);
        }
        assertEquals(100, Files.size(file), "the map ended the file, so at close the file shrinks with it");
    }

    /**
     * At a file offset past the new end of a file that another party cut, refresh() gives an
     * empty map and leaves the file alone; before, a read-write map grew the file back to its
     * offset (and kept it grown after close) and a read-only one kept its stale mapping.
     */
    @Test
    void refreshAtAnOffsetPastTheCutEndNeverWritesAndMatchesTheFile() throws IOException {
        Path file = dir.resolve("offset.bin");
        Files.write(file, new byte[16384]);
        try (MMap writable = MMap.open(file, 8192, 8192, READ, WRITE); MMap readOnly = MMap.open(file, 8192, 8192, READ)) {
            try (FileChannel channel = FileChannel.open(file, WRITE)) {
                channel.truncate(4096);
            }
            assertEquals(0, writable.refresh());
            assertEquals(0, readOnly.refresh());
            assertEquals(4096, Files.size(file), "refresh wrote nothing");
            assertEquals("range [0, 0 + 8) is outside the 0-byte map of " + file + " at file offset 8192",
                    assertThrows(IndexOutOfBoundsException.class, () -> readOnly.getLong(0)).getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> writable.putLong(0, 1));
            try (FileChannel channel = FileChannel.open(file, WRITE)) {
                channel.write(ByteBuffer.allocate(1), 12287); // grows it to 12288 bytes
            }
            assertEquals(4096, writable.refresh(), "and picks the file up again once it reaches the offset");
            assertEquals(4096, readOnly.refresh());
        }
        assertEquals(12288, Files.size(file), "closing cut nothing");
    }

    /** A grow the address space cannot hold fails, and the file keeps its length; shrinks still take. */
    @Test
    void aFailedGrowLeavesTheFileAsItWas() throws IOException {
        String name = "mmap4j-failed-grow-" + ProcessHandle.current().pid();
        Path file = MMap.sharedMemoryPath(name);
        try (MMap m = MMap.openShared(name, 8192, CREATE, READ, WRITE, StandardOpenOption.DELETE_ON_CLOSE)) {
            IOException e = assertThrows(IOException.class, () -> m.resize(1L << 50));
            assertTrue(e.getMessage().startsWith(file + ": cannot map " + (1L << 50) + " bytes at offset 0: "),
                    e.getMessage());
            assertEquals(8192, Files.size(file), "the file got its length back");
            assertEquals(8192, m.size());
            m.resize(4096);
            assertEquals(4096, m.size());
        }
        assertFalse(Files.exists(file));
    }

    /** An open that cannot map the size asked for removes the file it created. */
    @Test
    void aFailedOpenRemovesTheFileItCreated() throws IOException {
        String name = "mmap4j-failed-open-" + ProcessHandle.current().pid();
        Path file = MMap.sharedMemoryPath(name);
        assertThrows(IOException.class, () -> MMap.openShared(name, 1L << 50, CREATE, READ, WRITE));
        assertFalse(Files.exists(file), "the file this open created is gone");
        Files.write(file, new byte[100]);
        try {
            assertThrows(IOException.class, () -> MMap.openShared(name, 1L << 50, CREATE, READ, WRITE));
            assertEquals(100, Files.size(file), "a file that existed keeps its length");
        } finally {
            Files.delete(file);
        }
    }

    /**
     * AUTO_UNMAP views outlive the handle, so its shrink never cuts the file; a MappedFiles stream
     * that never handed its map out still ends the file at its last byte.
     */
    @Test
    void anAutoUnmapMapNeverCutsItsFileButAMappedFilesStreamDoes() throws IOException {
        Path file = dir.resolve("auto.bin");
        MemorySegment view;
        try (MMap m = MMap.open(file, 8192, CREATE, READ, WRITE, MapOption.AUTO_UNMAP)) {
            view = m.slice(0, 8192);
            m.resize(100);
        }
        assertEquals(8192, Files.size(file), "the view may still use the bytes past 100");
        view.set(ValueLayout.JAVA_LONG_UNALIGNED, 8184, 1);

        Path written = dir.resolve("auto-written.bin");
        try (OutputStream out = MappedFiles.newOutputStream(written, CREATE, WRITE, MapOption.AUTO_UNMAP)) {
            out.write(new byte[10]);
        }
        assertEquals(10, Files.size(written));
    }

    /** refresh() sees the file as the handle left it: shrunk, though the cut itself waits for close. */
    @Test
    void refreshAfterAShrinkKeepsTheShrink() throws IOException {
        Path file = dir.resolve("refresh-shrunk.bin");
        try (MMap m = MMap.open(file, 8192, CREATE, READ, WRITE)) {
            m.resize(4096);
            assertEquals(4096, m.refresh());
            try (FileChannel channel = FileChannel.open(file, WRITE)) {
                channel.truncate(6000); // someone else sets the length: the owed cut is theirs now
            }
            assertEquals(6000, m.refresh());
        }
        assertEquals(6000, Files.size(file), "the cut owed before another party resized the file is not made");
    }

    @Test
    void resizeNeverDiscardsBytesOfTheFileBeyondTheMap() throws IOException {
        Path file = dir.resolve("prefix.bin");
        Files.write(file, new byte[100_000]);
        try (MMap m = MMap.open(file, 4096, READ, WRITE)) {
            m.resize(8192);
            assertEquals(100_000, Files.size(file), "growing a prefix map leaves the longer file alone");
            m.resize(1024);
            assertEquals(100_000, Files.size(file), "shrinking a prefix map leaves the file alone");
            m.resize(200_000);
            assertEquals(200_000, Files.size(file), "growing past the end extends the file");
        }
    }

    @Test
    void growFollowsEmmapsPolicy() throws IOException {
        try (MMap m = MMap.open(dir.resolve("grow.bin"), 0, CREATE, READ, WRITE, SPARSE)) {
            assertEquals(4096, m.grow());
            assertEquals(8192, m.grow());
            m.resize(48L << 20);
            assertEquals(96L << 20, m.grow(), "doubles below 64 MiB");
            assertEquals(160L << 20, m.grow(), "then adds 64 MiB");
            m.growTo(300L << 20);
            assertEquals(352L << 20, m.size(), "growTo applies the same steps in one resize");
            m.growTo(1);
            assertEquals(352L << 20, m.size(), "growTo never shrinks");
        }
    }

    @Test
    void refreshPicksUpGrowthAndTruncationByAnotherWriter() throws IOException {
        Path file = dir.resolve("shared-growth.bin");
        try (MMap writer = MMap.open(file, 4096, CREATE, READ, WRITE);
             MMap reader = MMap.open(file, READ)) {
            writer.resize(1 << 20);
            writer.putLong((1 << 20) - 8, 99);
            assertEquals(4096, reader.size(), "a reader keeps its size until it refreshes");
            assertEquals(1 << 20, reader.refresh());
            assertEquals(99, reader.getLong((1 << 20) - 8));
            assertEquals(1 << 20, reader.refresh(), "refreshing an unchanged file keeps the mapping");

            try (FileChannel channel = FileChannel.open(file, WRITE)) {
                channel.truncate(8192);
            }
            assertEquals(8192, reader.refresh());
            assertThrows(IndexOutOfBoundsException.class, () -> reader.getLong(8192));
        }
    }

    @Test
    void viewsTakenBeforeAResizeKeepWorking() throws IOException {
        try (MMap m = MMap.open(dir.resolve("views.bin"), 4096, CREATE, READ, WRITE)) {
            MemorySegment before = m.slice(0, 4096);
            m.grow();
            m.putLong(0, 5);
            assertEquals(5, before.get(ValueLayout.JAVA_LONG_UNALIGNED, 0), "both mappings show the same file");
            before.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, 6);
            assertEquals(6, m.getLong(8));
        }
    }

    /**
     * Readers and an atomic writer run while another thread grows and shrinks the map many times:
     * none of them ever sees an error or a wrong value in the range that always exists.
     */
    @Test
    void readersAndWritersAreSafeDuringResizes() throws Exception {
        Path file = dir.resolve("concurrent.bin");
        try (MMap m = MMap.open(file, 8192, CREATE, READ, WRITE)) {
            for (int i = 0; i < 512; i++) {
                m.putLong(i * 8L, i);
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        while (!stop.get()) {
                            for (int i = 0; i < 512; i++) {
                                long v = m.getLong(i * 8L);
                                if (v != i) {
                                    throw new AssertionError("read " + v + " at slot " + i);
                                }
                            }
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }));
            }
            long[] adds = new long[1];
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    while (!stop.get()) {
                        m.getAndAddLong(4096, 1);
                        adds[0]++;
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            }));
            for (int round = 0; round < 300; round++) {
                m.resize(round % 2 == 0 ? 1 << 20 : 8192);
            }
            stop.set(true);
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(30));
                assertFalse(thread.isAlive());
            }
            assertEquals(null, failure.get());
            assertEquals(adds[0], m.getLongVolatile(4096), "no add was lost across resizes");
        }
    }

    /**
     * A reader past the new end while the map shrinks and grows again (at most 1001 resizes): each
     * read returns the zeros the file holds there, or throws IndexOutOfBoundsException (it saw the
     * small mapping). Never anything else: no InternalError, as the file is not cut under the
     * mapping the reader may have loaded just before the shrink (before the cut was deferred to
     * close, such a read faulted), and never a JVM crash (AtomicsCrashTest races compare-and-sets).
     */
    @Test
    void aReaderPastTheNewEndDuringAShrinkGetsOnlyTheDocumentedOutcomes() throws Exception {
        Path file = dir.resolve("shrinking.bin");
        int small = 8192;
        int large = 1 << 20;
        try (MMap m = MMap.open(file, large, CREATE, READ, WRITE)) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> unexpected = new AtomicReference<>();
            long[] outcomes = new long[2]; // value read, IndexOutOfBoundsException
            AtomicLong attempts = new AtomicLong();
            Thread reader = Thread.ofPlatform().start(() -> {
                long pos = small;
                while (!stop.get()) {
                    attempts.incrementAndGet();
                    pos = pos + 4096 < large ? pos + 4096 : small;
                    try {
                        long v = m.getLong(pos);
                        if (v != 0) {
                            throw new AssertionError("read " + v + " at " + pos + " where the file holds zeros");
                        }
                        outcomes[0]++;
                    } catch (IndexOutOfBoundsException e) {
                        // Ours, or the FFM's when the map had grown back by the time the failure
                        // was examined (MMap.failure cannot tell then which mapping refused).
                        if (!e.getMessage().startsWith("range [" + pos + ", " + pos + " + 8) is outside the ")
                                && !e.getMessage().contains("new offset = " + pos + "; new length = 8")) {
                            unexpected.set(e);
                        }
                        outcomes[1]++;
                    } catch (Throwable e) {
                        unexpected.set(e);
                        return;
                    }
                }
            });
            while (attempts.get() == 0) {
                Thread.onSpinWait();
            }
            // Each resize leaves a mapping until close, so the rounds are bounded; the reader's
            // attempts only end the loop early. Ends on a shrink.
            for (int round = 0; round <= 1000 && (round % 2 == 0 || attempts.get() < 20_000); round++) {
                m.resize(round % 2 == 0 ? small : large);
            }
            stop.set(true);
            reader.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(reader.isAlive());
            assertEquals(null, unexpected.get());
            System.out.println("reads, IndexOutOfBoundsExceptions: " + Arrays.toString(outcomes));
            assertTrue(outcomes[0] > 0 || outcomes[1] > 0, "the reader ran: " + Arrays.toString(outcomes));
            assertEquals(large, Files.size(file), "the cut the last resize owes waits for close");
            assertThrows(IndexOutOfBoundsException.class, () -> m.getLong(small));
        }
        assertEquals(small, Files.size(file), "close made the cut");
    }

    /** More than 2 GiB in one handle: reads and writes beyond 2^31, on a sparse file. */
    @Test
    void mapsMoreThanTwoGigabytes() throws IOException {
        Path file = dir.resolve("sparse-3g.bin");
        long size = 3L << 30;
        long beyond = (1L << 31) + 4096;
        try (MMap m = MMap.open(file, size, CREATE, READ, WRITE, SPARSE)) {
            assertEquals(size, m.size());
            m.putLong(beyond, 0x1122334455667788L);
            assertEquals(0, m.getAndAddLong(size - 8, 3));
            m.pwrite(beyond + 100, new byte[] {1, 2, 3});
            MemorySegment view = m.slice(size - 4096, 4096);
            assertEquals(3, view.get(ValueLayout.JAVA_LONG_UNALIGNED, 4088));
            assertEquals(4096, m.asByteBuffer(beyond, 4096).capacity());
        }
        assertEquals(size, Files.size(file));
        try (MMap m = MMap.open(file, READ)) {
            assertEquals(0x1122334455667788L, m.getLong(beyond));
            assertEquals(3, m.getLongVolatile(size - 8));
            assertEquals(2, m.getByte(beyond + 101));
        }
    }
}
