package io.mmap4j.store;

import static io.mmap4j.store.SharedMapTest.SMALL;
import static io.mmap4j.store.SharedMapTest.bytes;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read path: a get into the caller's buffer, the typed view's cache of decoded values (never
 * stale, whoever writes), and replaced generations unmapped at once, with reads of the same handle
 * racing the rewrites that unmap them.
 */
class SharedMapReadPathTest {
    @TempDir
    Path dir;

    @Test
    void getIntoCopiesIntoTheCallersSegment() throws Exception {
        try (SharedMap map = SharedMap.open(dir); Arena arena = Arena.ofConfined()) {
            map.put("k", bytes("value"));
            MemorySegment into = arena.allocate(16).fill((byte) '-');
            assertEquals(5, map.get("k", into));
            assertEquals("value-----", new String(into.asSlice(0, 10).toArray(ValueLayout.JAVA_BYTE), UTF_8));
            assertEquals(5, map.get(bytes("k"), into));
            assertEquals(-1, map.get("absent", into));
            MemorySegment small = arena.allocate(4).fill((byte) '-');
            assertEquals(5, map.get("k", small), "the length it needs");
            assertEquals("----", new String(small.toArray(ValueLayout.JAVA_BYTE), UTF_8), "too small: nothing copied");
            IllegalArgumentException readOnly = assertThrows(IllegalArgumentException.class,
                    () -> map.get("k", into.asReadOnly()));
            assertTrue(readOnly.getMessage().startsWith("the segment to copy a value into is read-only"),
                    readOnly.getMessage());
            assertThrows(NullPointerException.class, () -> map.get("k", (MemorySegment) null));
            assertThrows(NullPointerException.class, () -> map.get((String) null, into));
        }
    }

    @Test
    void theTypedViewReturnsTheValueItDecodedUntilItsSlotChanges() throws Exception {
        try (SharedMap map = SharedMap.open(dir); SharedMap other = SharedMap.open(dir)) {
            TypedSharedMap<String, String> typed = map.typed(Codec.utf8(), Codec.utf8());
            typed.put("a", "1");
            String first = typed.get("a");
            assertEquals("1", first);
            assertSame(first, typed.get("a"), "unchanged: the value decoded before, not decoded again");
            assertSame(first, typed.get(new String("a".toCharArray())), "an equal key finds it too");

            other.put("a", bytes("2")); // another handle, as another process would
            String second = typed.get("a");
            assertEquals("2", second);
            other.put("a", bytes("2")); // the same bytes in a new record: decoded again, equal
            String third = typed.get("a");
            assertEquals("2", third);
            assertNotSame(second, third);

            assertNull(typed.get("b"));
            other.put("b", bytes("new")); // a cached miss is seen to end
            assertEquals("new", typed.get("b"));
            other.remove("b");
            assertNull(typed.get("b"));
            assertEquals("gone", typed.get("b", "gone"));
            other.putAll(List.of(Map.entry(bytes("b"), bytes("back")))); // a rewrite: a new generation
            assertEquals("back", typed.getOrThrow("b"));
            assertEquals("2", typed.get("a"));

            TypedSharedMap<Long, Long> numbers = map.typed(Codec.int64(), Codec.int64());
            numbers.put(7L, 49L);
            assertEquals(49L, numbers.get(7L));
            numbers.merge(7L, 1L, Long::sum);
            assertEquals(50L, numbers.get(7L));
        }
    }

    /**
     * A writer killed between marking its generation's slots moved and switching to the next
     * leaves the current file marked: lookups see through the marks, typed reads decode afresh
     * each time (a mark says a cached value may be stale), and the next writer's recovery clears
     * the marks.
     */
    @Test
    void marksLeftByARewriteThatDiedBeforeItsSwitchAreHonouredThenCleared() throws Exception {
        long generation;
        try (SharedMap map = SharedMap.open(dir)) {
            map.put("k", bytes("v"));
            generation = map.stats().generation();
        }
        Path data = dir.toRealPath().resolve("data." + generation);
        long slots = word(data, SharedMapFormat.D_SLOTS);
        for (long slot = 0; slot < slots; slot++) { // every slot marked, as a rewrite marks them before it switches
            long at = SharedMapFile.refAt(slot);
            setWord(data, at, word(data, at) | SharedMapFormat.MOVED);
        }
        setWord(dir.resolve("map"), SharedMapFormat.C_WRITER, 1); // held by a process that never opened the map: dead
        assertEquals(List.of(), SharedMap.verify(dir), "marks are no damage");
        try (SharedMap reader = SharedMap.open(dir, StandardOpenOption.READ)) {
            TypedSharedMap<String, String> typed = reader.typed(Codec.utf8(), Codec.utf8());
            String first = typed.get("k");
            assertEquals("v", first);
            assertNotSame(first, typed.get("k"), "marked moved: decoded afresh");
        }
        try (SharedMap writer = SharedMap.open(dir)) { // recovers from the dead writer
            for (long slot = 0; slot < slots; slot++) {
                assertEquals(0, word(data, SharedMapFile.refAt(slot)) & SharedMapFormat.MOVED, "slot " + slot);
            }
            TypedSharedMap<String, String> typed = writer.typed(Codec.utf8(), Codec.utf8());
            String first = typed.get("k");
            assertSame(first, typed.get("k"), "the mark cleared: the value decoded before");
        }
    }

    private static void setWord(Path file, long offset, long value) throws Exception {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value), offset);
        }
    }

    private static long word(Path file, long offset) throws Exception {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(bytes, offset);
            return bytes.getLong(0);
        }
    }

    /**
     * Thousands of keys (more than the cache's lines, so they evict each other), random puts and
     * removes through a second handle and the view itself, rewrites among them: after every step
     * each typed read equals a HashMap's.
     */
    @Test
    void theTypedCacheMatchesAModelThroughRandomWritesByAnotherHandle() throws Exception {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        Map<String, String> model = new HashMap<>();
        try (SharedMap map = SharedMap.open(dir, SMALL); SharedMap other = SharedMap.open(dir)) {
            TypedSharedMap<String, String> typed = map.typed(Codec.utf8(), Codec.utf8());
            TypedSharedMap<String, String> writer = other.typed(Codec.utf8(), Codec.utf8());
            for (int step = 0; step < 20_000; step++) {
                String key = "key-" + random.nextInt(3_000);
                int pick = random.nextInt(10);
                if (pick < 3) {
                    String value = "v" + step;
                    (pick == 0 ? typed : writer).put(key, value);
                    model.put(key, value);
                } else if (pick == 3) {
                    writer.remove(key);
                    model.remove(key);
                } else {
                    assertEquals(model.get(key), typed.get(key), "step " + step + ", key " + key + ", seed " + seed);
                }
            }
            for (Map.Entry<String, String> entry : model.entrySet()) {
                assertEquals(entry.getValue(), typed.get(entry.getKey()), "seed " + seed);
            }
            assertTrue(map.stats().generation() > 5, "rewrites happened: " + map.stats());
        }
    }

    /**
     * A rewrite unmaps the generation it replaces from the readers of its handle at once, and from
     * a reading handle of the same process at its next read; the writer keeps its own mapping of
     * the file as its spare, and the next rewrite writes into that file in place once no handle
     * maps it for reading. A generation whose values were handed out as views stays mapped for
     * them and is never rewritten in place: its file is deleted instead, the views keep its bytes.
     * Reuse is told by the handle's count of rewrites in place, not by the file's inode: a file
     * deleted and another created at once often get the same inode number.
     */
    @Test
    void aReplacedGenerationIsUnmappedAtOnceAndReusedOnlyWhenNobodyMapsIt() throws Exception {
        // Sized small, so that the first generation has the index a rewrite of one key makes (64
        // slots) and can be reused: a spare of another index size never is (see the next test).
        try (SharedMap map = SharedMap.open(dir, SMALL);
                SharedMap reader = SharedMap.open(dir, StandardOpenOption.READ)) {
            map.put("k", bytes("one"));
            assertArrayEquals(bytes("one"), reader.get("k"));
            Path first = map.path().resolve("data.1");
            assertEquals(3, mappingsOf(first), "the writer's for reading and for writing, and the reader's");

            map.putAll(List.of(Map.entry(bytes("k"), bytes("two")))); // a rewrite: generation 2, in a new file
            assertEquals(0, map.rewritesInPlace, "no spare yet");
            assertTrue(Files.exists(first), "kept as the writer's spare");
            assertEquals(2, mappingsOf(first), "the writer's spare, and the reader's, which has not read since");
            assertArrayEquals(bytes("two"), reader.get("k"));
            assertEquals(1, mappingsOf(first), "the reader unmapped it at its next read");

            Path second = map.path().resolve("data.2");
            MemorySegment view = reader.view("k"); // the views of generation 2 keep it from being reused
            Object firstFile = Files.readAttributes(first, BasicFileAttributes.class).fileKey();
            map.putAll(List.of(Map.entry(bytes("k"), bytes("three")))); // generation 3: data.1 rewritten in place
            assertEquals(1, map.rewritesInPlace, "data.1, which nobody maps any more, rewritten in place");
            Path third = map.path().resolve("data.3");
            assertTrue(Files.notExists(first), "renamed");
            assertEquals(firstFile, Files.readAttributes(third, BasicFileAttributes.class).fileKey(), "the same file");
            assertEquals(2, mappingsOf(third), "the writer's for reading, and the spare's, now its own for writing");
            assertArrayEquals(bytes("three"), reader.get("k"));
            assertEquals(1 + 1, mappingsOf(second), "the writer's spare and the reader's views");

            map.putAll(List.of(Map.entry(bytes("k"), bytes("four")))); // generation 4: data.2 is in use, a new file
            assertEquals(1, map.rewritesInPlace, "data.2 not rewritten: a view of it is reachable");
            assertTrue(Files.notExists(second), "deleted, not reused");
            assertEquals(1, mappingsOf(second), "the mapping the view is in");
            assertEquals("two", new String(view.toArray(ValueLayout.JAVA_BYTE), UTF_8));
            assertArrayEquals(bytes("four"), reader.get("k"));
            assertEquals(List.of(), SharedMap.verify(dir));
            Reference.reachabilityFence(view);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("data.4", "lock", "map"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "the writer deleted its spare when it closed");
        }
    }

    /**
     * The spare is reused only if its index has the slots the rewrite needs: a map's first
     * generation, sized by the options for 1,024 keys (4,096 slots), is not the size a rewrite of
     * one key makes (64), so that rewrite makes a new file and deletes the spare; the rewrites
     * after it, all of one key, reuse each other's files.
     */
    @Test
    void aSpareOfAnotherIndexSizeIsNotReused() throws Exception {
        try (SharedMap map = SharedMap.open(dir)) {
            map.put("k", bytes("one"));
            map.putAll(List.of(Map.entry(bytes("k"), bytes("two")))); // generation 2: 64 slots, data.1 kept
            assertTrue(Files.exists(dir.resolve("data.1")), "kept as the spare");
            map.putAll(List.of(Map.entry(bytes("k"), bytes("three")))); // generation 3: data.1 has 4,096 slots
            assertEquals(0, map.rewritesInPlace, "a new file: " + map.stats());
            assertTrue(Files.notExists(dir.resolve("data.1")), "the spare of another size, deleted");
            map.putAll(List.of(Map.entry(bytes("k"), bytes("four")))); // generation 4: into data.2, 64 slots
            assertEquals(1, map.rewritesInPlace, "data.2 rewritten in place: " + map.stats());
            assertArrayEquals(bytes("four"), map.get("k"));
        }
    }

    /** How many mappings of {@code file} this process has, by /proc/self/maps (a deleted file's name ends " (deleted)"). */
    private static long mappingsOf(Path file) throws Exception {
        String name = file.toString(); // under the map's real path; the file itself may be gone
        return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(line -> line.endsWith(" " + name) || line.endsWith(" " + name + " (deleted)"))
                .count();
    }

    /**
     * Threads read one handle (copy, buffer, view, typed) while another thread of the same handle
     * writes through dozens of rewrites, each unmapping the generation the readers may be in:
     * every read succeeds and returns a whole value that was written.
     */
    @Test
    void readsOfAHandleRacingItsOwnRewritesNeverFailNorTear() throws Exception {
        try (SharedMap map = SharedMap.open(dir, SMALL)) {
            map.put("k", value(0));
            TypedSharedMap<String, String> typed = map.typed(Codec.utf8(), Codec.utf8());
            AtomicBoolean done = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                int kind = r;
                readers.add(Thread.ofPlatform().start(() -> {
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment into = arena.allocate(64);
                        while (!done.get()) {
                            String read = switch (kind) {
                                case 0 -> new String(map.get("k"), UTF_8);
                                case 1 -> new String(into.asSlice(0, map.get("k", into)).toArray(ValueLayout.JAVA_BYTE), UTF_8);
                                default -> typed.get("k");
                            };
                            MemorySegment view = map.view("k");
                            checkWhole(read);
                            checkWhole(new String(view.toArray(ValueLayout.JAVA_BYTE), UTF_8));
                            assertFalse(Thread.currentThread().isInterrupted(), "a read left its thread interrupted");
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            long generation = map.stats().generation();
            for (int i = 1; map.stats().generation() < generation + 40 && failure.get() == null; i++) {
                map.put("k", value(i));
                map.put("filler-" + (i % 500), value(i));
            }
            done.set(true);
            for (Thread reader : readers) {
                reader.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("a read failed", failure.get());
            }
        }
    }

    /**
     * A read that an unmapping of its handle catches inside the generation (a copy of an 8 MiB
     * value while putAlls rewrite the map, each unmapping the generation the copy is in) leaves
     * its thread's interrupt status as it was: not interrupted if it was not (JDK 25's unmapping
     * handshake sets it, JDK-8306324, and the read takes that back), still interrupted if it was.
     */
    @Test
    void aReadCaughtByAnUnmappingLeavesItsThreadsInterruptStatusAsItWas() throws Exception {
        try (SharedMap map = SharedMap.open(dir)) {
            byte[] big = new byte[8 << 20];
            map.put("big", big);
            AtomicBoolean done = new AtomicBoolean();
            AtomicReference<String> failure = new AtomicReference<>();
            AtomicLong reads = new AtomicLong();
            Thread reader = Thread.ofPlatform().start(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment into = arena.allocate(big.length);
                    for (long i = 0; !done.get(); i++) {
                        boolean interrupt = i % 2 == 1;
                        if (interrupt) {
                            Thread.currentThread().interrupt();
                        }
                        long length = (i % 4 < 2) ? map.get("big", into) : map.get("big").length;
                        boolean interrupted = Thread.interrupted();
                        if (length != big.length || interrupted != interrupt) {
                            failure.compareAndSet(null, "read " + i + ": length " + length + ", interrupted "
                                    + interrupted + " after a read begun " + (interrupt ? "interrupted" : "uninterrupted"));
                        }
                        reads.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e.toString());
                }
            });
            for (int i = 0; i < 12 && failure.get() == null; i++) {
                long before = reads.get();
                while (reads.get() < before + 2 && reader.isAlive()) {
                    Thread.onSpinWait(); // so that every rewrite finds the reader at work
                }
                map.putAll(List.of(Map.entry(bytes("n"), bytes(Integer.toString(i)))));
            }
            done.set(true);
            reader.join();
            assertNull(failure.get());
        }
    }

    /**
     * The first view of a generation maps its file a second time: a thread interrupted by its own
     * program still gets the view (a read is not interruptible) and is still interrupted after.
     */
    @Test
    void anInterruptedThreadGetsAViewAndStaysInterrupted() throws Exception {
        try (SharedMap map = SharedMap.open(dir)) {
            map.put("k", bytes("value"));
            Thread.currentThread().interrupt();
            try {
                MemorySegment view = map.view("k");
                assertTrue(Thread.currentThread().isInterrupted());
                assertEquals("value", new String(view.toArray(ValueLayout.JAVA_BYTE), UTF_8));
            } finally {
                Thread.interrupted();
            }
        }
    }

    private static byte[] value(int i) {
        return ("value " + i + " " + "#".repeat(i % 40) + " end " + i).getBytes(UTF_8);
    }

    private static void checkWhole(String read) {
        int i = Integer.parseInt(read.substring(6, read.indexOf(' ', 6)));
        assertEquals(new String(value(i), UTF_8), read);
    }
}
