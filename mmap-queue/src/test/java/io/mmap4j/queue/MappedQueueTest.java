package io.mmap4j.queue;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API on one handle: values returned, exceptions and their messages, what is in the file after reopening. */
class MappedQueueTest {
    @TempDir
    Path dir;

    static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    static String text(byte[] b) {
        return b == null ? null : new String(b, UTF_8);
    }

    static String text(MemorySegment s) {
        return new String(s.toArray(ValueLayout.JAVA_BYTE), UTF_8);
    }

    @Test
    void offerPollPeekInOrderAndNullWhenEmpty() throws Exception {
        try (MappedQueue q = MappedQueue.open(dir.resolve("q"), 4096)) {
            assertNull(q.poll());
            assertNull(q.peek());
            assertTrue(q.isEmpty());
            assertEquals(0, q.size());
            assertTrue(q.offer(bytes("one")));
            assertTrue(q.offer(bytes("two")));
            assertTrue(q.offer(new byte[0]));
            assertEquals(3, q.size());
            assertFalse(q.isEmpty());
            assertEquals("one", text(q.peek()));
            assertEquals("", text(q.peekLast()));
            assertEquals("one", text(q.poll()));
            assertEquals("two", text(q.poll()));
            assertArrayEquals(new byte[0], q.poll());
            assertNull(q.poll());
            assertNull(q.peekLast());
            assertEquals(0, q.size());
        }
    }

    @Test
    void recordsPersistAcrossCloseAndReopenAndOpenWithoutCapacityKeepsTheFilesOwn() throws Exception {
        Path path = dir.resolve("q");
        try (MappedQueue q = MappedQueue.open(path, 1000)) {
            assertEquals(1008, q.capacity()); // rounded up to whole 16-byte cells
            for (int i = 0; i < 5; i++) {
                assertTrue(q.offer(bytes("r" + i)));
            }
            assertEquals("r0", text(q.poll()));
            q.force();
        }
        try (MappedQueue q = MappedQueue.open(path)) {
            assertEquals(1008, q.capacity());
            assertEquals(4, q.size());
            assertEquals("r1", text(q.poll()));
        }
        try (MappedQueue q = MappedQueue.open(path, 1008)) {
            assertEquals("r2", text(q.poll()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MappedQueue.open(path, 2048));
        assertEquals(path + " is a queue of capacity 1008 bytes, not 2048 bytes: a queue keeps the capacity it was"
                + " created with; open(Path) opens it at its own", e.getMessage());
        assertThrows(NoSuchFileException.class, () -> MappedQueue.open(dir.resolve("absent")));
    }

    @Test
    void fillsUpThenReturnsFalseAndWrapsAroundAsRecordsAreTaken() throws Exception {
        try (MappedQueue q = MappedQueue.open(dir.resolve("q"), 640)) { // 40 cells, 2 per record of 8 bytes
            int n = 0;
            while (q.offer(bytes(eight(n)))) {
                n++;
            }
            assertEquals(20, n);
            assertEquals(640, q.stats().bytesUsed());
            for (int round = 0; round < 100; round++) { // many laps of the ring
                assertEquals(eight(round), text(q.poll()));
                assertTrue(q.offer(bytes(eight(n++))));
                assertFalse(q.offer(bytes("x")));
            }
            assertEquals(20, q.size());
            MappedQueue.Stats s = q.stats();
            assertEquals(120 * 32, s.tail());
            assertEquals(100 * 32, s.head());
        }
    }

    private static String eight(int n) {
        return String.format("rec%05d", n);
    }

    @Test
    void aRecordThatWouldCrossTheEndOfTheRingStartsAtItsBeginningAfterPadding() throws Exception {
        try (MappedQueue q = MappedQueue.open(dir.resolve("q"), 160)) { // 10 cells, records up to 5
            byte[] three = new byte[2 * 16];    // a header cell and two of bytes
            byte[] four = new byte[3 * 16 - 1];
            four[0] = 4;
            assertTrue(q.offer(three));
            assertTrue(q.offer(three));
            assertArrayEquals(three, q.poll()); // head 3, tail 6
            assertTrue(q.offer(four));         // 6 + 4 = 10: fits exactly at the end
            assertArrayEquals(three, q.poll()); // head 6
            assertTrue(q.offer(three));         // tail 10 = cell 0
            assertTrue(q.offer(three));         // tail 13 = cell 3
            assertFalse(q.offer(three));        // cells 6 to 9 hold four: 3 free cells only if the head moves
            assertArrayEquals(four, q.poll());  // head 10
            assertTrue(q.offer(four));          // cells 6..9, ends at 20
            assertEquals(3, q.size());
            byte[] five = new byte[4 * 16];
            assertArrayEquals(three, q.poll());
            assertArrayEquals(three, q.poll()); // head 16, tail 20, 4 cells used
            assertTrue(q.offer(new byte[0]));   // 20 = cell 0, one cell: its header
            assertTrue(q.offer(five));          // 21 to 25: 26 - 16 = 10 cells, exactly the ring
            assertFalse(q.offer(new byte[0]));
            assertArrayEquals(four, q.poll());
            assertArrayEquals(new byte[0], q.poll());
            assertArrayEquals(five, q.poll());  // head 26, empty
            assertTrue(q.offer(five));           // 26 = cell 6: pads 6..9, record at 30..34
            assertEquals(1, q.size());
            assertEquals(9 * 16, q.stats().bytesUsed());
            assertArrayEquals(five, q.poll());
            assertNull(q.poll());
        }
    }

    @Test
    void badInputIsRefusedNamingTheValueAndTheLimit() throws Exception {
        Path path = dir.resolve("q");
        assertEquals("capacity 127 bytes is out of range: 128 to 70368744177664 bytes",
                assertThrows(IllegalArgumentException.class, () -> MappedQueue.open(path, 127)).getMessage());
        assertEquals("capacity -1 bytes is out of range: 128 to 70368744177664 bytes",
                assertThrows(IllegalArgumentException.class, () -> MappedQueue.open(path, -1)).getMessage());
        assertEquals("unblock timeout PT0S must be positive", assertThrows(IllegalArgumentException.class,
                () -> MappedQueue.open(path, 4096, Duration.ZERO)).getMessage());
        assertThrows(NullPointerException.class, () -> MappedQueue.open(null, 4096));
        assertFalse(Files.exists(path));
        try (MappedQueue q = MappedQueue.open(path, 4096)) {
            assertEquals(2032, q.maxRecordBytes());
            assertEquals("record of 2033 bytes is longer than the largest this queue takes, 2032 bytes (half its"
                    + " capacity of 4096 bytes, less the record's 16-byte header)", assertThrows(
                    IllegalArgumentException.class, () -> q.offer(new byte[2033])).getMessage());
            assertTrue(q.offer(new byte[2032]));
            assertThrows(NullPointerException.class, () -> q.offer((byte[]) null));
            assertThrows(NullPointerException.class, () -> q.offer((MemorySegment) null));
            assertThrows(NullPointerException.class, () -> q.pollWith(null));
            assertThrows(NullPointerException.class, () -> q.poll((MemorySegment) null));
            assertThrows(NullPointerException.class, () -> q.poll(1, null));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment small = arena.allocate(100);
                assertEquals("the record at the head is 2032 bytes, longer than the 100-byte destination; it stays at"
                        + " the head", assertThrows(IllegalArgumentException.class, () -> q.poll(small)).getMessage());
            }
            assertEquals(1, q.size());
        }
    }

    @Test
    void everyCallAfterCloseThrowsIllegalStateAndCloseIsIdempotent() throws Exception {
        Path path = dir.resolve("q");
        MappedQueue q = MappedQueue.open(path, 4096);
        q.offer(bytes("kept"));
        Iterator<byte[]> it = q.iterator();
        q.close();
        q.close();
        String message = "the queue " + path + " is closed";
        for (org.junit.jupiter.api.function.Executable call : List.<org.junit.jupiter.api.function.Executable>of(
                q::poll, q::peek, q::peekLast, q::size, q::isEmpty, q::stats, q::force, q::take, q::iterator,
                q::capacity, () -> q.offer(bytes("x")), () -> q.pollWith(r -> { }), it::hasNext)) {
            assertEquals(message, assertThrows(IllegalStateException.class, call).getMessage());
        }
        try (MappedQueue again = MappedQueue.open(path)) {
            assertEquals("kept", text(again.poll()));
        }
    }

    @Test
    void pollWithRemovesTheHeadOnlyWhenTheActionReturnsNormally() throws Exception {
        try (MappedQueue q = MappedQueue.open(dir.resolve("q"), 4096)) {
            q.offer(bytes("first"));
            q.offer(bytes("second"));
            IllegalStateException boom = new IllegalStateException("boom");
            assertEquals(boom, assertThrows(IllegalStateException.class, () -> q.pollWith(r -> {
                assertEquals("first", text(r));
                assertTrue(r.isReadOnly());
                throw boom;
            })));
            assertEquals(2, q.size());
            List<String> seen = new ArrayList<>();
            assertTrue(q.pollWith(r -> seen.add(text(r))));
            assertEquals(List.of("first"), seen);
            assertEquals("second", text(q.peek()));
            assertTrue(q.pollWith(r -> seen.add(text(r))));
            assertFalse(q.pollWith(r -> seen.add(text(r))));
            assertEquals(List.of("first", "second"), seen);
        }
    }

    @Test
    void whileAPollWithActionRunsOtherConsumersSeeNoReadyRecord() throws Exception {
        Path path = dir.resolve("q");
        try (MappedQueue q = MappedQueue.open(path, 4096); MappedQueue other = MappedQueue.open(path)) {
            q.offer(bytes("held"));
            q.offer(bytes("next"));
            AtomicReference<byte[]> polledMeanwhile = new AtomicReference<>(new byte[] {1});
            q.pollWith(r -> polledMeanwhile.set(other.poll()));
            assertNull(polledMeanwhile.get());
            assertEquals("next", text(other.poll()));
        }
    }

    @Test
    void drainFoldsRecordsUntilTheStopTestHoldsAndKeepsTheRest() throws Exception {
        try (MappedQueue q = MappedQueue.open(dir.resolve("q"), 4096)) {
            for (int i = 1; i <= 10; i++) {
                q.offer(bytes(Integer.toString(i)));
            }
            int sum = q.drain(0, (acc, r) -> acc + Integer.parseInt(text(r)), acc -> acc >= 10);
            assertEquals(10, sum); // 1 + 2 + 3 + 4, then the stop test holds
            assertEquals(6, q.size());
            assertEquals("5", text(q.peek()));
            int rest = q.drain(0, (acc, r) -> acc + Integer.parseInt(text(r)), acc -> false);
            assertEquals(5 + 6 + 7 + 8 + 9 + 10, rest);
            assertTrue(q.isEmpty());
        }
    }

    @Test
    void iteratorsGoHeadToTailAndTailToHeadWithoutRemoving() throws Exception {
        try (MappedQueue q = MappedQueue.open(dir.resolve("q"), 1024)) {
            for (int i = 0; i < 17; i++) { // 64 cells, records of 8 or 2 cells: the last ones wrap around
                assertTrue(q.offer(new byte[i % 3 == 0 ? 100 : 10]), "record " + i);
                if (i == 11) {
                    for (int j = 0; j < 5; j++) {
                        assertTrue(q.poll() != null);
                    }
                }
            }
            List<Integer> forward = new ArrayList<>();
            q.forEach(r -> forward.add(r.length));
            List<Integer> backward = new ArrayList<>();
            q.descendingIterator().forEachRemaining(r -> backward.add(r.length));
            assertEquals(q.size(), forward.size());
            assertEquals(forward, backward.reversed());
            Iterator<byte[]> it = q.iterator();
            while (it.hasNext()) {
                it.next();
            }
            assertThrows(NoSuchElementException.class, it::next);
            List<Integer> polled = new ArrayList<>();
            for (byte[] r; (r = q.poll()) != null; ) {
                polled.add(r.length);
            }
            assertEquals(forward, polled);
        }
    }

    @Test
    void zeroCopyOfferAndPollMoveBytesBetweenTheCallersMemoryAndTheFile() throws Exception {
        try (MappedQueue q = MappedQueue.open(dir.resolve("q"), 4096); Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(200);
            for (int i = 0; i < 200; i++) {
                src.set(ValueLayout.JAVA_BYTE, i, (byte) i);
            }
            assertTrue(q.offer(src));
            assertTrue(q.offer(MemorySegment.ofArray(bytes("heap"))));
            MemorySegment dst = arena.allocate(300);
            assertEquals(200, q.poll(dst));
            assertEquals(-1, dst.asSlice(0, 200).mismatch(src));
            assertEquals(4, q.poll(dst));
            assertEquals("heap", text(dst.asSlice(0, 4)));
            assertEquals(-1, q.poll(dst));
        }
    }

    @Test
    void timedAndBlockingCallsWaitForTheOtherSide() throws Exception {
        try (MappedQueue q = MappedQueue.open(dir.resolve("q"), 128)) { // 8 cells: 4 records of 1 byte
            long start = System.nanoTime();
            assertNull(q.poll(20, TimeUnit.MILLISECONDS));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(20));
            for (int i = 0; i < 4; i++) {
                assertTrue(q.offer(new byte[] {(byte) i}));
            }
            assertFalse(q.offer(new byte[] {9}, 10, TimeUnit.MILLISECONDS));
            Thread consumer = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < 104; i++) {
                        assertEquals(i, q.take()[0]);
                    }
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            for (int i = 4; i < 104; i++) {
                q.put(new byte[] {(byte) i});
            }
            consumer.join(10_000);
            assertFalse(consumer.isAlive());
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, q::take);
        }
    }

    @Test
    void statsGiveTheFiguresOfTheQueue() throws Exception {
        Path path = dir.resolve("q");
        try (MappedQueue q = MappedQueue.open(path, 8192, Duration.ofMillis(250))) {
            q.offer(new byte[10]);
            q.offer(new byte[100]);
            q.offer(new byte[64]);
            q.poll();
            MappedQueue.Stats s = q.stats();
            // cells: 2, 8 and 5 (a header, then the bytes in 16s); the first taken
            assertEquals(new MappedQueue.Stats(path, Files.size(path), 2, 13 * 16, 8192, 2 * 16, 15 * 16, 0, 0, 4080,
                    Duration.ofMillis(250)), s);
            assertEquals(s, MappedQueue.stats(path));
            assertEquals(Duration.ofMillis(250), q.unblockTimeout());
            assertEquals(List.of(), MappedQueue.verify(path));
        }
    }
}
