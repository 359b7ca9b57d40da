package io.mmap4j.queue;

import static io.mmap4j.queue.MappedQueueTest.bytes;
import static io.mmap4j.queue.MappedQueueTest.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * emmap's own queue tests ({@code emmap_queue.erl}: {@code spsc_queue_test},
 * {@code gen_server_queue_test}), replayed on {@link MappedQueue}: what each step returned there is
 * what it returns here, except where emmap's behaviour is what we set out to fix (it grows the file
 * and reclaims space only when drained; we reuse space as a ring and say full).
 */
class EmmapQueueReplayTest {
    @TempDir
    Path dir;

    @Test
    void spscQueueTest() throws Exception {
        Path path = dir.resolve("spsc.queue");
        try (MappedQueue q = MappedQueue.open(path, 4096)) {
            assertTrue(q.isEmpty());                               // is_empty(Q) -> true
            assertNull(q.poll());                                  // pop(Q) -> nil
            assertTrue(q.offer(bytes("1")));                       // push(Q, 1)
            assertTrue(q.offer(bytes("2")));
            assertTrue(q.offer(bytes("3")));
            assertEquals(3, q.size());                             // length(Q) -> 3
            assertEquals("1", text(q.peek()));                     // peek_front(Q) -> 1
            assertEquals("3", text(q.peekLast()));                 // peek_back(Q) -> 3
            List<String> front = new ArrayList<>();
            q.forEach(r -> front.add(text(r)));                    // peek(Q, Acc, Fun): head to tail
            assertEquals(List.of("1", "2", "3"), front);
            List<String> back = new ArrayList<>();
            q.descendingIterator().forEachRemaining(r -> back.add(text(r))); // rpeek/3: tail to head
            assertEquals(List.of("3", "2", "1"), back);
            assertEquals("1", text(q.poll()));                     // pop(Q) -> 1
            // try_pop(Q, fun(_) -> throw(x) end): raises, and 2 stays at the head
            assertThrows(ArithmeticException.class, () -> q.pollWith(r -> {
                throw new ArithmeticException("badarith");
            }));
            assertEquals("2", text(q.peek()));
            List<String> popped = new ArrayList<>();
            assertTrue(q.pollWith(r -> popped.add(MappedQueueTest.text(r)))); // try_pop with a fun that succeeds
            assertEquals(List.of("2"), popped);
            // metadata(Q): emmap gives byte offsets; ours are byte positions of the head and tail
            MappedQueue.Stats s = q.stats();
            assertEquals(2 * 32, s.head());                        // a record of 1 byte: 2 cells of 16
            assertEquals(3 * 32, s.tail());
            assertEquals(1, s.records());
            assertEquals("3", text(q.poll()));
            assertTrue(q.isEmpty());
        }
    }

    @Test
    void foldAndPopStopsOnHalt() throws Exception {
        try (MappedQueue q = MappedQueue.open(dir.resolve("fold.queue"), 4096)) {
            for (int i = 1; i <= 5; i++) {
                q.offer(bytes(Integer.toString(i)));
            }
            // pop(Q, Acc, Fun) with Fun returning {halt, Acc} once three were folded: 3 popped, 2 left
            List<String> folded = q.drain(new ArrayList<>(), (acc, r) -> {
                acc.add(text(r));
                return acc;
            }, acc -> acc.size() == 3);
            assertEquals(List.of("1", "2", "3"), folded);
            assertEquals(2, q.size());
            // a fold whose function fails leaves the record it failed on
            assertThrows(IllegalStateException.class, () -> q.drain(0, (acc, r) -> {
                if (text(r).equals("5")) {
                    throw new IllegalStateException("fun failed on 5");
                }
                return acc + 1;
            }, acc -> false));
            assertEquals(List.of("5"), List.of(text(q.peek())));
        }
    }

    @Test
    void genServerQueueTestFillsThenReusesItsSpaceWithoutGrowing() throws Exception {
        // emmap grows 512 -> 1024 -> 2048 bytes as records are pushed; ours is fixed: full, then reused
        Path path = dir.resolve("gen.queue");
        try (MappedQueue q = MappedQueue.open(path, 512)) {
            long fileSize = Files.size(path);
            int pushed = 0;
            while (q.offer(bytes(String.format("rec%05d", pushed)))) {
                pushed++;
            }
            assertEquals(16, pushed);                              // 512 bytes: 32 cells, 2 per record of 8 bytes
            assertFalse(q.offer(bytes("x")));                      // emmap with fixed_size: {error, full}
            for (int round = 0; round < 100; round++) {            // dequeue one, enqueue one: space reused
                assertEquals(String.format("rec%05d", round), text(q.poll()));
                assertTrue(q.offer(bytes(String.format("rec%05d", pushed++))));
            }
            assertEquals(fileSize, Files.size(path));
            assertEquals(16, q.size());
        }
    }
}
