package io.mmap4j.blocks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random operations, seeded, against a model: a {@link BitSet} of allocated addresses and a
 * {@link HashMap} of their contents. Stores take the lowest free address, so the model predicts
 * every address, and the capacity doubles exactly when the model's lowest free address reaches it.
 */
class BlockModelTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void behavesAsTheModel(long seed) throws Exception {
        Random random = new Random(seed);
        int blockSize = 1 + random.nextInt(300);
        Path file = dir.resolve("blocks");
        BitSet allocated = new BitSet();
        Map<Long, byte[]> contents = new HashMap<>();
        long capacity = 64;
        BlockStorage s = BlockStorage.open(file, blockSize);
        try {
            for (int op = 0; op < 20_000; op++) {
                String at = "seed " + seed + ", op " + op;
                int dice = random.nextInt(100);
                // bias toward stores early and frees late, so the storage both grows and empties
                int storeShare = op < 10_000 ? 50 : 30;
                if (dice < storeShare) {
                    byte[] block = new byte[blockSize];
                    random.nextBytes(block);
                    long expected = allocated.nextClearBit(0);
                    long address = random.nextBoolean() ? s.store(block) : s.store(MemorySegment.ofArray(block));
                    assertEquals(expected, address, at);
                    allocated.set((int) address);
                    contents.put(address, block);
                    while (address >= capacity) {
                        capacity *= 2;
                    }
                } else if (dice < storeShare + 20) {
                    long address = random.nextInt((int) capacity);
                    assertEquals(allocated.get((int) address), s.free(address), at);
                    allocated.clear((int) address);
                    contents.remove(address);
                } else if (dice < storeShare + 40) {
                    long address = random.nextInt((int) capacity);
                    byte[] found = random.nextBoolean() ? s.read(address) : array(s.view(address));
                    if (allocated.get((int) address)) {
                        assertArrayEquals(contents.get(address), found, at);
                    } else {
                        assertNull(found, at);
                    }
                } else if (dice < storeShare + 45) {
                    long address = random.nextInt((int) capacity);
                    byte[] block = new byte[blockSize];
                    random.nextBytes(block);
                    assertEquals(allocated.get((int) address), s.write(address, block), at);
                    if (allocated.get((int) address)) {
                        contents.put(address, block);
                    }
                } else if (dice < storeShare + 47) {
                    long start = random.nextInt((int) capacity + 10);
                    int max = 1 + random.nextInt(100);
                    checkChunk(s, allocated, contents, capacity, start, max, at);
                } else if (dice < storeShare + 48) {
                    long beyond = capacity + random.nextInt(1000);
                    BlockStorage open = s;
                    assertThrows(IllegalArgumentException.class, () -> open.read(beyond), at);
                } else if (dice < storeShare + 49) {
                    BlockStorage.Stats stats = s.stats();
                    assertEquals(new BlockStorage.Stats(file, blockSize, capacity, allocated.cardinality(), 0,
                            capacity - allocated.cardinality(), BlockFormat.fileSize(blockSize, capacity / 64)),
                            stats, at);
                } else if (op % 97 == 0) {
                    s.close();
                    s = BlockStorage.open(file, blockSize);
                }
                assertEquals(capacity, s.capacity(), at);
            }
            assertEquals(new BlockStorage.Repair(0, 0), s.repair());
        } finally {
            s.close();
        }
        assertEquals(List.of(), BlockStorage.verify(file));
    }

    private static void checkChunk(BlockStorage s, BitSet allocated, Map<Long, byte[]> contents, long capacity,
                                   long start, int max, String at) {
        BlockStorage.Chunk chunk = s.readBlocks(start, max);
        List<Long> expected = new ArrayList<>();
        long address = start;
        for (; address < capacity && expected.size() < max; address++) {
            if (allocated.get((int) address)) {
                expected.add(address);
            }
        }
        assertEquals(expected, chunk.blocks().stream().map(BlockStorage.Block::address).toList(), at);
        for (BlockStorage.Block b : chunk.blocks()) {
            assertArrayEquals(contents.get(b.address()), b.data(), at);
        }
        // the scan continues right after the last block returned, or ends with the storage
        long next = expected.size() == max ? expected.getLast() + 1 : -1;
        assertEquals(next >= capacity ? -1 : next, chunk.next(), at);
    }

    private static byte[] array(MemorySegment view) {
        return view == null ? null : view.toArray(ValueLayout.JAVA_BYTE);
    }
}
