package io.mmap4j.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.MMap;
import io.mmap4j.testkit.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link QueueOption#SINGLE_CONSUMER}: one consumer handle in all processes, the others' polls
 * refused with the mode named while their peeks look without moving the head; a conditional poll
 * under way when the single consumer opens finishes; a killed single consumer's mark cleared by the
 * next poll of another handle. (The model test runs in this mode too, and {@code QueueCrashTest}
 * kills single consumers mid-poll.)
 */
class QueueSingleConsumerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final long PID = ProcessHandle.current().pid();

    @TempDir
    Path dir;

    @Test
    void oneSingleConsumerAndNoOtherConsumerInOneProcess() throws Exception {
        Path path = dir.resolve("queue");
        try (MappedQueue single = MappedQueue.open(path, 1024, QueueOption.SINGLE_CONSUMER);
             MappedQueue other = MappedQueue.open(path);
             Arena arena = Arena.ofConfined()) {
            assertTrue(other.offer(new byte[] {1, 2, 3}), "producers of other handles produce as usual");
            assertTrue(other.offer(new byte[] {4}));
            FileSystemException second = assertThrows(FileSystemException.class,
                    () -> MappedQueue.open(path, QueueOption.SINGLE_CONSUMER));
            assertTrue(second.getMessage().contains("SINGLE_CONSUMER is held by process " + PID), second.getMessage());
            String refused = "cannot poll from " + path + ": process " + PID + " holds it as its SINGLE_CONSUMER, the"
                    + " only consumer it allows";
            assertRefused(refused, other::poll);
            assertRefused(refused, () -> other.poll(arena.allocate(16)));
            assertRefused(refused, () -> other.pollWith(record -> { }));
            assertRefused(refused, () -> other.drain(0, (n, record) -> n + 1, n -> false));
            assertArrayEquals(new byte[] {1, 2, 3}, other.peek(), "other handles look as usual");
            assertEquals(2, other.size());
            assertFalse(other.isEmpty());

            assertArrayEquals(new byte[] {1, 2, 3}, single.poll());
            AtomicReference<Throwable> fromAnotherThread = new AtomicReference<>();
            Thread.ofPlatform().start(() -> {
                try {
                    single.poll();
                } catch (Throwable t) {
                    fromAnotherThread.set(t);
                }
            }).join();
            assertTrue(fromAnotherThread.get() instanceof IllegalStateException, "" + fromAnotherThread.get());
            assertTrue(fromAnotherThread.get().getMessage().contains("opened with SINGLE_CONSUMER and Thread["),
                    fromAnotherThread.get().getMessage());
            assertArrayEquals(new byte[] {4}, other.peek(), "the record the single consumer took is gone");
            AtomicReference<byte[]> peeked = new AtomicReference<>();
            Thread.ofPlatform().start(() -> peeked.set(single.peek())).join();
            assertArrayEquals(new byte[] {4}, peeked.get(), "its own handle peeks from any thread");

            single.close();
            try (MMap raw = MMap.open(path, StandardOpenOption.READ)) {
                assertEquals(0, raw.getLongVolatile(QueueFormat.F_HEAD) & QueueFormat.HEAD_SINGLE,
                        "close cleared the mark, after unmapping its handle's mapping");
            }
            assertArrayEquals(new byte[] {4}, other.poll(), "once it closed, other handles consume again");
            assertEquals(List.of(), MappedQueue.verify(path));
            try (MappedQueue again = MappedQueue.open(path, QueueOption.SINGLE_CONSUMER)) {
                assertTrue(other.offer(new byte[] {5}));
                assertThrows(IllegalStateException.class, other::poll);
                assertArrayEquals(new byte[] {5}, again.poll());
                assertNull(again.poll());
            }
            assertNull(other.poll());
        }
    }

    @Test
    void anotherHandlesPeekLooksPastPaddingWithoutMovingTheHead() throws Exception {
        Path path = dir.resolve("queue");
        try (MappedQueue single = MappedQueue.open(path, 128, QueueOption.SINGLE_CONSUMER);
             MappedQueue other = MappedQueue.open(path)) {
            // 8 cells: two 32-byte records take cells 0 to 5 (3 each: a header and 2 of bytes); once
            // taken, a third does not fit in cells 6 and 7, so padding fills them and the record
            // starts at cell 8, a lap on.
            for (int i = 0; i < 2; i++) {
                assertTrue(other.offer(new byte[32]));
                assertEquals(32, single.poll().length);
            }
            byte[] record = new byte[32];
            record[0] = 9;
            assertTrue(other.offer(record));
            assertEquals(6 * 16, other.stats().head(), "the head is at the padding");
            assertArrayEquals(record, other.peek());
            assertEquals(6 * 16, other.stats().head(), "another handle's peek looked past the padding, moving nothing");
            assertArrayEquals(record, single.peek());
            assertEquals(8 * 16, other.stats().head(), "the single consumer's own peek moves the head past it");
            assertArrayEquals(record, single.poll());
            assertTrue(other.isEmpty());
        }
    }

    @Test
    void aConditionalPollUnderWayWhenTheSingleConsumerOpensFinishes() throws Exception {
        Path path = dir.resolve("queue");
        try (MappedQueue other = MappedQueue.open(path, 1024)) {
            assertTrue(other.offer(new byte[] {1}));
            assertTrue(other.offer(new byte[] {2}));
            AtomicReference<MappedQueue> single = new AtomicReference<>();
            AtomicReference<byte[]> whileHeld = new AtomicReference<>(new byte[0]);
            assertTrue(other.pollWith(record -> {
                try {
                    single.set(MappedQueue.open(path, QueueOption.SINGLE_CONSUMER));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                whileHeld.set(single.get().poll());
            }), "the action ran and its record was removed, though the head was marked meanwhile");
            try (MappedQueue consumer = single.get()) {
                assertNull(whileHeld.get(), "the single consumer waits for a held head like any consumer");
                assertArrayEquals(new byte[] {2}, consumer.poll(), "record 1 went to the conditional poll only");
                assertNull(consumer.poll());
                assertThrows(IllegalStateException.class, other::poll);
            }
        }
    }

    @Test
    void aKilledSingleConsumersMarkIsClearedByTheNextPollOfAnotherHandle() throws Exception {
        Path path = dir.resolve("queue");
        Path log = dir.resolve("log");
        try (MappedQueue q = MappedQueue.open(path, 4096)) {
            try (ChildJvm consumer = ChildJvm.start(QueueProcessesTest.LIGHT_JVM, QueueChild.class,
                    "consume-forever", path.toString(), log.toString(), "single")) {
                consumer.awaitLine("READY", TIMEOUT);
                long child = consumer.pid();
                IllegalStateException refused = assertThrows(IllegalStateException.class, q::poll);
                assertTrue(refused.getMessage().contains("process " + child + " holds it as its SINGLE_CONSUMER"),
                        refused.getMessage());
                FileSystemException second = assertThrows(FileSystemException.class,
                        () -> MappedQueue.open(path, QueueOption.SINGLE_CONSUMER));
                assertTrue(second.getMessage().contains("SINGLE_CONSUMER is held by process " + child),
                        second.getMessage());
                consumer.kill();
            }
            assertTrue(q.offer(new byte[] {7}));
            assertArrayEquals(new byte[] {7}, q.poll(), "the dead holder's lock is free: the mark is cleared");
            assertEquals(List.of(), MappedQueue.verify(path));
        }
    }

    private static void assertRefused(String message, Executable poll) {
        IllegalStateException e = assertThrows(IllegalStateException.class, poll);
        assertEquals(message, e.getMessage());
    }
}
