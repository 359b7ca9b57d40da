package io.mmap4j;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.DELETE_ON_CLOSE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.testkit.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LifetimeTest {
    @TempDir
    Path dir;

    @Test
    void everyViewThrowsAfterCloseOnAnyThread() throws Exception {
        MMap m = MMap.open(dir.resolve("explicit.bin"), 4096, CREATE, READ, WRITE);
        MemorySegment slice = m.slice(0, 64);
        MemorySegment whole = m.segment();
        ByteBuffer buffer = m.asByteBuffer(0, 64);
        m.putLong(0, 5);
        assertEquals(5, slice.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
        m.close();

        assertThrows(IllegalStateException.class, () -> slice.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
        assertThrows(IllegalStateException.class, () -> whole.set(ValueLayout.JAVA_BYTE, 100, (byte) 1));
        assertThrows(IllegalStateException.class, () -> buffer.getLong(0));
        assertThrows(IllegalStateException.class, () -> m.getLong(0));
        Throwable fromAnotherThread = CompletableFuture.supplyAsync(() -> {
            try {
                slice.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                return null;
            } catch (Throwable t) {
                return t;
            }
        }).get(10, TimeUnit.SECONDS);
        assertTrue(fromAnotherThread instanceof IllegalStateException, String.valueOf(fromAnotherThread));
        assertTrue(mappedRanges(dir.resolve("explicit.bin")).isEmpty(), "close unmapped the file");
    }

    /**
     * Threads hammer the map and its views while another thread closes it. Each access either
     * completes or throws IllegalStateException; the JVM never crashes. In a child JVM that runs
     * C2 only: JDK 25's close can miss an access running in C1 code that did not inline the JDK's
     * own Unsafe accessor, and that access then faults (docs/lifetimes.md, "Explicit").
     */
    @Test
    void closingWhileOtherThreadsReadAndWriteNeverCrashes() throws Exception {
        List<String> options = List.of("-XX:-TieredCompilation", "-XX:-CreateCoredumpOnCrash",
                "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"));
        try (ChildJvm child = ChildJvm.start(options, CloseRace.class, dir.toString(), "20")) {
            child.awaitExit(Duration.ofSeconds(120), 0);
            List<String> output = child.output();
            assertEquals("closed under access 20 times", output.getLast(), () -> String.join("\n", output));
        }
    }

    /** The child of {@link #closingWhileOtherThreadsReadAndWriteNeverCrashes}: args are a directory and a round count. */
    public static final class CloseRace {
        public static void main(String[] args) throws Exception {
            int rounds = Integer.parseInt(args[1]);
            for (int round = 0; round < rounds; round++) {
                race(Path.of(args[0]).resolve("race-" + round + ".bin"));
            }
            System.out.println("closed under access " + rounds + " times");
        }

        private static void race(Path file) throws Exception {
            MMap m = MMap.open(file, 1 << 16, CREATE, READ, WRITE);
            MemorySegment view = m.slice(0, 1 << 16);
            int threads = 3;
            CountDownLatch running = new CountDownLatch(threads);
            AtomicLong accesses = new AtomicLong();
            AtomicReference<Throwable> unexpected = new AtomicReference<>();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int kind = t;
                Thread worker = new Thread(() -> {
                    running.countDown();
                    byte[] chunk = new byte[4096];
                    try {
                        for (long i = 0; i < 50_000_000L; i++) { // bounded: ends long before this
                            long pos = (i * 8) & 0xFFF8;
                            switch (kind) {
                                case 0 -> m.getAndAddLong(pos, 1);
                                case 1 -> view.set(ValueLayout.JAVA_LONG_UNALIGNED, pos, i);
                                default -> m.pread(pos & 0x7000, chunk);
                            }
                            accesses.incrementAndGet();
                        }
                    } catch (IllegalStateException expected) {
                        // the close won the race
                    } catch (Throwable t2) {
                        unexpected.set(t2);
                    }
                });
                worker.start();
                workers.add(worker);
            }
            running.await();
            while (accesses.get() < 1000) {
                Thread.onSpinWait();
            }
            m.close();
            for (Thread worker : workers) {
                worker.join(TimeUnit.SECONDS.toMillis(30));
                if (worker.isAlive()) {
                    throw new AssertionError("a worker did not notice the close");
                }
            }
            if (unexpected.get() != null) {
                throw new AssertionError("an access failed otherwise than as closed", unexpected.get());
            }
        }
    }

    @Test
    void autoUnmapViewsOutliveCloseUntilTheyAreUnreachable() throws Exception {
        Path file = dir.resolve("auto.bin");
        MMap m = MMap.open(file, 4096, CREATE, READ, WRITE, MapOption.AUTO_UNMAP);
        MemorySegment view = m.slice(0, 4096);
        ByteBuffer buffer = m.asByteBuffer(8, 8);
        m.putLong(0, 41);
        m.close();

        assertThrows(IllegalStateException.class, () -> m.getLong(0), "the handle itself refuses access");
        assertEquals(41, view.get(ValueLayout.JAVA_LONG_UNALIGNED, 0), "the view still works after close");
        view.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 42);
        buffer.putLong(0, 43);
        assertFalse(mappedRanges(file).isEmpty(), "still mapped while views are reachable");
        Reference.reachabilityFence(view);
        Reference.reachabilityFence(buffer);

        view = null;
        buffer = null;
        awaitUnmapped(file);
        try (MMap reopened = MMap.open(file, READ)) {
            assertEquals(42, reopened.getLong(0), "writes through the view reached the file");
            assertEquals(43, reopened.getLong(8));
        }
    }

    @Test
    void autoUnmapWithoutViewsUnmapsOnceTheHandleIsCollected() throws Exception {
        Path file = dir.resolve("auto-no-views.bin");
        MMap m = MMap.open(file, 4096, CREATE, READ, WRITE, MapOption.AUTO_UNMAP);
        m.putLong(0, 1);
        m.close();
        m = null;
        awaitUnmapped(file);
        assertEquals(1, Files.readAllBytes(file)[0]);
    }

    @Test
    void explicitCloseAlsoUnmapsMappingsMadeBeforeAResize() throws IOException {
        Path file = dir.resolve("resized.bin");
        MMap m = MMap.open(file, 4096, CREATE, READ, WRITE);
        MemorySegment before = m.slice(0, 4096);
        m.resize(1 << 20);
        m.putLong(0, 9);
        assertEquals(9, before.get(ValueLayout.JAVA_LONG_UNALIGNED, 0), "a view from before the resize stays valid");
        assertEquals(2, mappedRanges(file).size());
        m.close();
        assertThrows(IllegalStateException.class, () -> before.get(ValueLayout.JAVA_BYTE, 0));
        assertTrue(mappedRanges(file).isEmpty());
    }

    /**
     * A view's buffer inside a blocking write (here to a full pipe) holds the mapping, so close
     * cannot unmap it; it must still release the descriptor, the lock and the name at once, and a
     * later close must finish the unmap without closing or deleting anything twice.
     */
    @Test
    void aCloseThatCannotUnmapYetStillReleasesTheFileAndItsLock() throws Exception {
        Path file = dir.resolve("busy.bin");
        Path link = dir.resolve("busy-link.bin");
        int size = 1 << 20; // larger than a pipe holds, so the write blocks inside the system call
        MMap m = MMap.open(file, size, CREATE, READ, WRITE, MapOption.EXCLUSIVE_LOCK, DELETE_ON_CLOSE);
        Files.createLink(link, file);
        MemorySegment view = m.slice(0, size);
        Pipe pipe = Pipe.open();
        try (Pipe.SinkChannel sink = pipe.sink(); Pipe.SourceChannel source = pipe.source()) {
            CompletableFuture<Integer> writer = CompletableFuture.supplyAsync(() -> {
                try {
                    return sink.write(m.asByteBuffer(0, size));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16);
            int drained = source.read(chunk); // the write has begun, and cannot finish before we drain

            IllegalStateException e = assertThrows(IllegalStateException.class, m::close);
            assertEquals("cannot unmap " + file + " yet: one of its views is in use by an I/O operation; close again"
                    + " once it completes (the file and its lock are released)", e.getMessage());
            assertFalse(m.isOpen());
            assertFalse(Files.exists(file), "DELETE_ON_CLOSE deleted the name");
            assertEquals(List.of(), openDescriptors(link), "the descriptor was closed");
            try (FileChannel other = FileChannel.open(link, READ, WRITE); FileLock lock = other.tryLock()) {
                assertTrue(lock != null && lock.isValid(), "the lock was released");
            }
            assertEquals(0L, view.get(ValueLayout.JAVA_LONG_UNALIGNED, 0), "still mapped: the view works");

            while (drained < size) {
                drained += source.read(chunk.clear());
            }
            assertEquals(size, writer.get(30, TimeUnit.SECONDS));
        }
        Files.write(file, new byte[1]); // a new file of the same name, which a second delete would remove
        m.close();
        m.close();
        assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_BYTE, 0), "unmapped by the retry");
        assertTrue(Files.exists(file), "the retry did not delete again");
    }

    /** The entries of /proc/self/fd open on the same file as {@code file}, even under a deleted name. */
    private static List<Path> openDescriptors(Path file) throws IOException {
        List<Path> found = new ArrayList<>();
        try (var fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.isSameFile(fd, file)) {
                        found.add(fd);
                    }
                } catch (IOException closedMeanwhile) {
                    // the directory stream's own descriptor, or one closed while listing
                }
            }
        }
        return found;
    }

    private static void awaitUnmapped(Path file) throws Exception {
        for (int i = 0; i < 100 && !mappedRanges(file).isEmpty(); i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(List.of(), mappedRanges(file), "unmapped by the Cleaner once unreachable");
    }

    /** The lines of /proc/self/maps that map {@code file}. */
    static List<String> mappedRanges(Path file) throws IOException {
        String name = file.toRealPath().toString();
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.endsWith(" " + name)).toList();
    }
}
