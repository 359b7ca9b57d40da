package io.mmap4j.blocks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.MMap;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API on one process: emmap's own tests replayed, bad input, growth, views, threads. */
class BlockStorageTest {
    @TempDir
    Path dir;

    /** A block of {@code size} bytes that says which {@code n} it is. */
    static byte[] block(int size, long n) {
        byte[] b = new byte[size];
        Random r = new Random(n);
        r.nextBytes(b);
        return b;
    }

    @Test
    void storesReadsAndFreesAsEmmapsBasicTest() throws Exception {
        try (BlockStorage s = BlockStorage.open(dir.resolve("b"), 8)) {
            byte[] a = "abcdefgh".getBytes();
            byte[] b = "12345678".getBytes();
            assertEquals(0, s.store(a));
            assertEquals(1, s.store(b));
            assertArrayEquals(a, s.read(0));
            assertArrayEquals(b, s.read(1));
            assertNull(s.read(2)); // emmap: eof

            List<BlockStorage.Block> all = s.readBlocks();
            assertEquals(List.of(0L, 1L), all.stream().map(BlockStorage.Block::address).toList());
            assertArrayEquals(b, all.get(1).data());

            BlockStorage.Chunk first = s.readBlocks(0, 1);
            assertEquals(List.of(0L), first.blocks().stream().map(BlockStorage.Block::address).toList());
            assertEquals(1, first.next());
            BlockStorage.Chunk second = s.readBlocks(first.next(), 1);
            assertEquals(List.of(1L), second.blocks().stream().map(BlockStorage.Block::address).toList());
            BlockStorage.Chunk rest = s.readBlocks(second.next(), 1);
            assertTrue(rest.blocks().isEmpty());
            assertTrue(rest.isLast());

            assertTrue(s.free(0));
            assertFalse(s.free(0));
            assertNull(s.read(0));
            assertEquals(0, s.store(b)); // the lowest free block again
            assertEquals(2, s.stats().allocated());
        }
    }

    @Test
    void chunksOf4096BlocksOf8BytesAsEmmapsStorageTest() throws Exception {
        try (BlockStorage s = BlockStorage.open(dir.resolve("b"), 8)) {
            for (int i = 0; i < 4096; i++) {
                assertEquals(i, s.store(block(8, i)));
            }
            assertEquals(4096, s.capacity());
            List<BlockStorage.Block> whole = s.readBlocks();
            assertEquals(4096, whole.size());
            List<BlockStorage.Block> chunked = new ArrayList<>();
            int chunks = 0;
            for (long next = 0; next >= 0; chunks++) {
                BlockStorage.Chunk c = s.readBlocks(next, 1000);
                chunked.addAll(c.blocks());
                next = c.next();
            }
            assertEquals(5, chunks); // 1000, 1000, 1000, 1000, 96 (and then the end)
            for (int i = 0; i < 4096; i++) {
                assertEquals(i, chunked.get(i).address());
                assertArrayEquals(block(8, i), chunked.get(i).data());
                assertArrayEquals(whole.get(i).data(), chunked.get(i).data());
            }
        }
    }

    @Test
    void hundredThousandRandomStoresAndFreesWithAReopenInTheMiddle() throws Exception {
        // emmap's big_random_test: block size 1531, a close and re-open, then the run goes on
        Path file = dir.resolve("b");
        Map<Long, Long> live = new HashMap<>();
        Random random = new Random(1531);
        BlockStorage s = BlockStorage.open(file, 1531);
        try {
            for (int op = 0; op < 100_000; op++) {
                if (op == 50_000) {
                    s.close();
                    s = BlockStorage.open(file, 1531);
                    for (Map.Entry<Long, Long> e : live.entrySet()) {
                        assertArrayEquals(block(1531, e.getValue()), s.read(e.getKey()));
                    }
                }
                if (live.isEmpty() || random.nextInt(100) < 55) {
                    long address = s.store(block(1531, op));
                    assertNull(live.put(address, (long) op), () -> "address handed out twice: " + address);
                } else {
                    long address = new ArrayList<>(live.keySet()).get(random.nextInt(live.size()));
                    assertArrayEquals(block(1531, live.remove(address)), s.read(address));
                    assertTrue(s.free(address));
                }
            }
            assertEquals(live.size(), s.stats().allocated());
            assertEquals(live.size(), s.readBlocks().size());
        } finally {
            s.close();
        }
    }

    @Test
    void growsByDoublingAndKeepsEveryBlock() throws Exception {
        Path file = dir.resolve("b");
        try (BlockStorage s = BlockStorage.open(file, 100)) {
            assertEquals(64, s.capacity());
            assertEquals(BlockFormat.fileSize(100, 1), Files.size(file));
            for (int i = 0; i < 65; i++) {
                s.store(block(100, i));
            }
            assertEquals(128, s.capacity());
            assertEquals(BlockFormat.fileSize(100, 2), Files.size(file));
            for (int i = 65; i < 300; i++) {
                s.store(block(100, i));
            }
            assertEquals(512, s.capacity());
            for (int i = 0; i < 300; i++) {
                assertArrayEquals(block(100, i), s.read(i));
            }
            BlockStorage.Stats stats = s.stats();
            assertEquals(new BlockStorage.Stats(file, 100, 512, 300, 0, 212, BlockFormat.fileSize(100, 8)), stats);
        }
    }

    @Test
    void aSecondHandleSeesGrowthAndBlocksAtOnce() throws Exception {
        Path file = dir.resolve("b");
        try (BlockStorage a = BlockStorage.open(file, 16); BlockStorage b = BlockStorage.open(file, 16)) {
            for (int i = 0; i < 200; i++) {
                a.store(block(16, i));
            }
            assertEquals(256, b.capacity());
            assertArrayEquals(block(16, 199), b.read(199));
            assertTrue(b.free(150));
            assertNull(a.read(150));
            assertEquals(150, a.store(block(16, 1000)));
            assertArrayEquals(block(16, 1000), b.read(150));
        }
    }

    @Test
    void statsOfAPathReadsTheFileWithoutCreatingOrChangingAnything() throws Exception {
        Path file = dir.resolve("b");
        NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> BlockStorage.stats(file));
        assertEquals(file.toString(), missing.getFile());
        assertFalse(Files.exists(file), "stats created the file");
        try (BlockStorage s = BlockStorage.open(file, 100)) {
            for (int i = 0; i < 300; i++) {
                s.store(block(100, i));
            }
            for (int i = 0; i < 300; i += 3) {
                assertTrue(s.free(i));
            }
            assertEquals(s.stats(), BlockStorage.stats(file)); // also while the storage is open
        }
        byte[] before = Files.readAllBytes(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
        assertEquals(new BlockStorage.Stats(file, 100, 512, 200, 0, 312, BlockFormat.fileSize(100, 8)),
                BlockStorage.stats(file));
        assertArrayEquals(before, Files.readAllBytes(file));
        assertThrows(NullPointerException.class, () -> BlockStorage.stats(null));
    }

    /**
     * verify maps the file once; when another handle grows it meanwhile and fills a new group,
     * that group's "full" hint lies past the mapping but is no damage (it once was reported so).
     */
    @Test
    void verifyOfAMappingTheFileHasSinceOutgrownFindsNothing() throws Exception {
        Path file = dir.resolve("b");
        try (BlockStorage s = BlockStorage.open(file, 1)) {
            for (int i = 0; i < 64 * 64; i++) {
                s.store(new byte[1]); // 64 full groups: level-1 word 0 all ones
            }
            try (MMap before = MMap.open(file, StandardOpenOption.READ)) {
                for (int i = 0; i < 64; i++) {
                    s.store(new byte[1]); // grows to 128 groups, fills group 64: bit 0 of level-1 word 1
                }
                assertEquals(128 * 64, s.capacity());
                assertEquals(1L, before.segment().get(BlockFormat.LONG, BlockFormat.levelWordOffset(1, 1)));
                assertEquals(List.of(), BlockVerifier.verify(before.segment()));
            }
        }
        assertEquals(List.of(), BlockStorage.verify(file));
        // the same bit in a file whose header does not count group 64 is damage
        Path shrunk = dir.resolve("shrunk");
        Files.copy(file, shrunk);
        try (FileChannel ch = FileChannel.open(shrunk, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {64}), BlockFormat.AT_GROUPS); // groups 64: group 64 is not counted
        }
        assertEquals(List.of(new BlockStorage.Problem(BlockFormat.levelWordOffset(1, 1), "level-1 hint word 1", "0x1",
                "0x0 (from the words below; repair() rebuilds hints)")), BlockStorage.verify(shrunk));
    }

    /**
     * A store expects its group's claim word to be as its thread's last store or free left it;
     * another handle's stores and frees make that guess wrong both ways, and the store still takes
     * the lowest free block, never one another handle holds.
     */
    @Test
    void anotherHandlesStoresAndFreesNeverFoolTheGuessOfTheClaimWord() throws Exception {
        Path file = dir.resolve("b");
        try (BlockStorage a = BlockStorage.open(file, 8); BlockStorage b = BlockStorage.open(file, 8)) {
            for (int i = 0; i < 3; i++) {
                assertEquals(i, a.store(block(8, i)));
            }
            assertEquals(3, b.store(block(8, 3))); // a's guess says block 3 is free
            assertEquals(4, a.store(block(8, 4)));
            assertArrayEquals(block(8, 3), a.read(3));
            assertTrue(b.free(1)); // a's guess says block 1 is taken
            assertTrue(b.free(0));
            assertEquals(0, a.store(block(8, 10)));
            assertEquals(1, a.store(block(8, 11)));
            assertEquals(5, a.store(block(8, 5)));
            assertTrue(a.free(2));
            assertEquals(2, b.store(block(8, 12)));
            assertEquals(6, a.store(block(8, 6)));
            long[] expected = {10, 11, 12, 3, 4, 5, 6};
            for (int i = 0; i < expected.length; i++) {
                assertArrayEquals(block(8, expected[i]), b.read(i), "block " + i);
            }
            assertEquals(7, a.stats().allocated());
        }
    }

    @Test
    void viewAndWriteChangeTheBlockInPlace() throws Exception {
        try (BlockStorage s = BlockStorage.open(dir.resolve("b"), 32)) {
            long address = s.store(block(32, 1));
            MemorySegment view = s.view(address);
            assertEquals(32, view.byteSize());
            assertArrayEquals(block(32, 1), view.toArray(ValueLayout.JAVA_BYTE));
            view.set(ValueLayout.JAVA_BYTE, 0, (byte) 42);
            assertEquals(42, s.read(address)[0]);
            assertTrue(s.write(address, block(32, 2)));
            assertArrayEquals(block(32, 2), view.toArray(ValueLayout.JAVA_BYTE));
            assertTrue(s.free(address));
            assertNull(s.view(address));
            assertFalse(s.write(address, block(32, 3)));
            assertNull(s.read(address)); // the refused write stored nothing
            long fromSegment = s.store(MemorySegment.ofArray(block(32, 4)));
            assertArrayEquals(block(32, 4), s.read(fromSegment));
        }
    }

    @Test
    void reopenedWithAnotherBlockSizeIsRefusedNamingBoth() throws Exception {
        Path file = dir.resolve("b");
        BlockStorage.open(file, 64).close();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlockStorage.open(file, 128));
        assertEquals(file + " holds blocks of 64 bytes, not the 128 bytes asked for", e.getMessage());
    }

    @Test
    void badInputIsRefusedNamingTheValueAndTheLimit() throws Exception {
        Path file = dir.resolve("b");
        assertEquals("block size 0 is outside 1 to 1048576 bytes",
                assertThrows(IllegalArgumentException.class, () -> BlockStorage.open(file, 0)).getMessage());
        assertEquals("block size 1048577 is outside 1 to 1048576 bytes",
                assertThrows(IllegalArgumentException.class, () -> BlockStorage.open(file, (1 << 20) + 1)).getMessage());
        assertThrows(NullPointerException.class, () -> BlockStorage.open(null, 8));
        assertFalse(Files.exists(file));
        try (BlockStorage s = BlockStorage.open(file, 8)) {
            assertThrows(NullPointerException.class, () -> s.store((byte[]) null));
            assertThrows(NullPointerException.class, () -> s.store((MemorySegment) null));
            assertThrows(NullPointerException.class, () -> s.write(0, null));
            assertEquals("block is 7 bytes, but the blocks of " + file + " are 8 bytes",
                    assertThrows(IllegalArgumentException.class, () -> s.store(new byte[7])).getMessage());
            assertEquals("block is 9 bytes, but the blocks of " + file + " are 8 bytes",
                    assertThrows(IllegalArgumentException.class, () -> s.store(MemorySegment.ofArray(new byte[9])))
                            .getMessage());
            long address = s.store(new byte[8]);
            assertEquals("block is 0 bytes, but the blocks of " + file + " are 8 bytes",
                    assertThrows(IllegalArgumentException.class, () -> s.write(address, new byte[0])).getMessage());
            assertEquals("negative address -1",
                    assertThrows(IllegalArgumentException.class, () -> s.read(-1)).getMessage());
            assertEquals("negative address -5", assertThrows(IllegalArgumentException.class, () -> s.free(-5)).getMessage());
            assertEquals("address 64 was never issued: " + file + " holds 64 blocks, addresses 0 to 63",
                    assertThrows(IllegalArgumentException.class, () -> s.read(64)).getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.free(Long.MAX_VALUE));
            assertThrows(IllegalArgumentException.class, () -> s.view(1L << 40));
            assertEquals("negative start address -1",
                    assertThrows(IllegalArgumentException.class, () -> s.readBlocks(-1, 10)).getMessage());
            assertEquals("maxBlocks 0 is less than 1",
                    assertThrows(IllegalArgumentException.class, () -> s.readBlocks(0, 0)).getMessage());
            assertArrayEquals(new byte[8], s.read(address)); // nothing refused changed anything
            assertEquals(1, s.stats().allocated());
        }
    }

    @Test
    void everyCallAfterCloseThrowsAndViewsStopWorking() throws Exception {
        Path file = dir.resolve("b");
        BlockStorage s = BlockStorage.open(file, 8);
        long address = s.store(new byte[8]);
        MemorySegment view = s.view(address);
        s.close();
        s.close(); // idempotent
        assertFalse(s.isOpen());
        String closed = "block storage " + file + " is closed";
        assertEquals(closed, assertThrows(IllegalStateException.class, () -> s.store(new byte[8])).getMessage());
        assertEquals(closed, assertThrows(IllegalStateException.class, () -> s.read(address)).getMessage());
        assertEquals(closed, assertThrows(IllegalStateException.class, () -> s.free(address)).getMessage());
        assertThrows(IllegalStateException.class, () -> s.view(address));
        assertThrows(IllegalStateException.class, () -> s.write(address, new byte[8]));
        assertThrows(IllegalStateException.class, s::readBlocks);
        assertThrows(IllegalStateException.class, s::stats);
        assertThrows(IllegalStateException.class, s::capacity);
        assertThrows(IllegalStateException.class, s::repair);
        assertThrows(IllegalStateException.class, s::force);
        assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_BYTE, 0));
        assertEquals("BlockStorage[" + file + ", 8-byte blocks, closed]", s.toString());
    }

    @Test
    void threadsNeverShareABlock() throws Exception {
        int threads = 4;
        int rounds = 20_000;
        Set<Long> owned = ConcurrentHashMap.newKeySet();
        try (BlockStorage s = BlockStorage.open(dir.resolve("b"), 16)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<Long>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                results.add(pool.submit(() -> {
                    start.await();
                    Random random = new Random(id);
                    Map<Long, Long> mine = new HashMap<>();
                    for (int i = 0; i < rounds; i++) {
                        if (mine.size() < 50 && (mine.isEmpty() || random.nextBoolean())) {
                            long n = (long) id << 32 | i;
                            long address = s.store(block(16, n));
                            if (!owned.add(address)) {
                                throw new AssertionError("block " + address + " handed to two owners");
                            }
                            mine.put(address, n);
                        } else {
                            long address = mine.keySet().iterator().next();
                            if (!Arrays.equals(block(16, mine.remove(address)), s.read(address))) {
                                throw new AssertionError("block " + address + " changed under its owner");
                            }
                            owned.remove(address);
                            if (!s.free(address)) {
                                throw new AssertionError("block " + address + " was not allocated");
                            }
                        }
                    }
                    return List.copyOf(mine.keySet());
                }));
            }
            start.countDown();
            Set<Long> kept = new HashSet<>();
            for (Future<List<Long>> r : results) {
                for (long address : r.get()) {
                    assertTrue(kept.add(address));
                }
            }
            pool.shutdown();
            assertEquals(kept, new HashSet<>(s.readBlocks().stream().map(BlockStorage.Block::address).toList()));
            assertEquals(new BlockStorage.Repair(0, 0), s.repair()); // the hints were right all along
            assertEquals(List.of(), BlockStorage.verify(s.path()));
        }
    }

    @Test
    void forceAndToString() throws Exception {
        Path file = dir.resolve("b");
        try (BlockStorage s = BlockStorage.open(file, 8)) {
            s.store(new byte[8]);
            s.force();
            assertEquals("BlockStorage[" + file + ", 8-byte blocks, 64 blocks]", s.toString());
            assertEquals(file, s.path());
            assertEquals(8, s.blockSize());
        }
    }
}
