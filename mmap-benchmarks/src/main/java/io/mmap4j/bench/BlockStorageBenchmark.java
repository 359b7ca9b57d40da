package io.mmap4j.bench;

import io.mmap4j.MMap;
import io.mmap4j.blocks.BlockStorage;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * A store of one block followed by its free, on one thread and on two threads sharing one storage
 * (each storing and freeing its own blocks), for blocks of 64 B and 4 KiB. Every peer allocates
 * in a mapped file in {@code /dev/shm} (see {@link TrialFile}) and copies the block into it from
 * the same place: native memory at the same offset in a page as the block's first destination
 * (see {@link #DATA}). A 4 KiB copy's speed depends on the distance between source and
 * destination modulo 4096 (loads that seem to hit a store just made wait for it: "4K aliasing";
 * one heap array copied to each of the 64 cache-line offsets of a page took 24 to 40 ns), and a
 * {@code byte[]}'s distance is wherever the GC put it, different in each fork: copying from heap
 * arrays made each fork's figure for a peer a draw from that range, larger than the differences
 * measured. {@code BlockStorage.store(byte[])} runs the same path as
 * {@code store(MemorySegment)}, with that copy.
 *
 * <ul>
 * <li>{@code mmap4j}: {@code BlockStorage.store(MemorySegment)}, then {@code free}: in the common
 *     case one compare-and-exchange on the claim word of its thread's home group, expecting what
 *     the thread's last free there left, the copy, a release store that publishes the block; the
 *     free an acquire load, a release store and an atomic AND. The storage is created with room
 *     for {@value #INITIAL_CAPACITY} blocks, so that two threads, once they have met on one claim
 *     word, each move to a group of their own.</li>
 * <li>{@code floor}: the least any bitmap allocator in a shared file can do: one compare-and-set
 *     that claims the lowest clear bit of one word, the copy, one atomic AND that frees it. No
 *     search, no hints, no publication, 64 blocks at most.</li>
 * <li>{@code synchronizedBitSet}: the obvious hand-rolled version: a {@link BitSet} under
 *     {@code synchronized}, {@code nextClearBit(0)} and {@code set}, the copy into the same kind of
 *     mapped file, then {@code clear} under the lock. One process only.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Baseline({"floor", "synchronizedBitSet"})
public class BlockStorageBenchmark {
    /**
     * mmap4j's storage starts with room for this many blocks (64 groups), all free, as a storage
     * in use has: room for contending threads to spread over. It changes nothing for one thread.
     */
    static final long INITIAL_CAPACITY = 4096;
    static final VarHandle WORD = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    /**
     * Where the floor's and the {@code synchronized} allocator's first block starts in their files:
     * 128 bytes into a page, as mmap4j's first block does (behind its group header); and where in
     * a page every peer's source starts, so that every copy has the same source, destination and
     * distance between them.
     */
    static final long DATA = 128;

    /** The block size, the block every thread stores, and the file. */
    public abstract static class Blocks {
        @Param({"64", "4096"})
        public int blockSize;

        /** The block's bytes, and a copy of them in native memory {@link #DATA} bytes into a page: what is stored. */
        byte[] block;
        MemorySegment source;
        final Arena arena = Arena.ofShared();
        Path dir;

        void prepare(String peer) throws IOException {
            block = new byte[blockSize];
            new Random(blockSize).nextBytes(block);
            source = arena.allocate(DATA + blockSize, 4096).asSlice(DATA, blockSize).copyFrom(MemorySegment.ofArray(block));
            dir = TrialFile.createDirectory("blocks-" + peer);
        }

        /** Stores the block and frees it; returns the address it had. */
        abstract long storeFree() throws IOException;

        /** The bytes at {@code address} in the peer's file: the last block stored there. */
        abstract byte[] bytesAt(long address);

        /** How many blocks are allocated now. */
        abstract long allocated();

        abstract void close() throws IOException;

        @TearDown(Level.Trial)
        public void delete() throws IOException {
            close();
            arena.close();
            TrialFile.deleteDirectory(dir);
        }
    }

    @State(Scope.Benchmark)
    public static class Mmap4jBlocks extends Blocks {
        BlockStorage storage;

        @Setup(Level.Trial)
        public void open() throws IOException {
            prepare("mmap4j");
            storage = BlockStorage.open(dir.resolve("blocks"), blockSize, INITIAL_CAPACITY);
        }

        @Override
        long storeFree() throws IOException {
            long address = storage.store(source);
            storage.free(address);
            return address;
        }

        @Override
        byte[] bytesAt(long address) {
            // freed, so read() says null; the bytes stay in the file until reused (docs/blocks-format.md:
            // group 0 starts at 540672, its blocks 128 bytes later)
            long offset = 540_672 + 128 + address * blockSize;
            try (MMap map = MMap.open(storage.path(), StandardOpenOption.READ)) {
                return map.pread(offset, blockSize);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        long allocated() {
            return storage.stats().allocated();
        }

        @Override
        void close() {
            storage.close();
        }
    }

    /** One claim word at offset 0, 64 blocks from offset {@value #DATA}. */
    @State(Scope.Benchmark)
    public static class FloorBlocks extends Blocks {
        MMap map;
        MemorySegment file;

        @Setup(Level.Trial)
        public void open() throws IOException {
            prepare("floor");
            map = MMap.open(dir.resolve("blocks"), DATA + 64L * blockSize, StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            file = map.segment();
        }

        @Override
        long storeFree() {
            long word;
            int bit;
            do {
                word = (long) WORD.getVolatile(file, 0L);
                bit = Long.numberOfTrailingZeros(~word);
            } while (!WORD.compareAndSet(file, 0L, word, word | 1L << bit));
            MemorySegment.copy(source, 0, file, DATA + (long) bit * blockSize, blockSize);
            WORD.getAndBitwiseAnd(file, 0L, ~(1L << bit));
            return bit;
        }

        @Override
        byte[] bytesAt(long address) {
            return map.pread(DATA + address * blockSize, blockSize);
        }

        @Override
        long allocated() {
            return Long.bitCount((long) WORD.getVolatile(file, 0L));
        }

        @Override
        void close() {
            map.close();
        }
    }

    @State(Scope.Benchmark)
    public static class BitSetBlocks extends Blocks {
        final BitSet bits = new BitSet();
        MMap map;
        MemorySegment file;

        @Setup(Level.Trial)
        public void open() throws IOException {
            prepare("bitset");
            map = MMap.open(dir.resolve("blocks"), DATA + 64L * blockSize, StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            file = map.segment();
        }

        @Override
        long storeFree() {
            int index;
            synchronized (bits) {
                index = bits.nextClearBit(0);
                bits.set(index);
            }
            MemorySegment.copy(source, 0, file, DATA + (long) index * blockSize, blockSize);
            synchronized (bits) {
                bits.clear(index);
            }
            return index;
        }

        @Override
        byte[] bytesAt(long address) {
            return map.pread(DATA + address * blockSize, blockSize);
        }

        @Override
        long allocated() {
            synchronized (bits) {
                return bits.cardinality();
            }
        }

        @Override
        void close() {
            map.close();
        }
    }

    // --- one thread ------------------------------------------------------------------------------

    @Benchmark
    public long storeFree_mmap4j(Mmap4jBlocks blocks) throws IOException {
        return blocks.storeFree();
    }

    @Benchmark
    public long storeFree_floor(FloorBlocks blocks) {
        return blocks.storeFree();
    }

    @Benchmark
    public long storeFree_synchronizedBitSet(BitSetBlocks blocks) {
        return blocks.storeFree();
    }

    // --- two threads on one storage --------------------------------------------------------------

    @Benchmark
    @Threads(2)
    public long storeFreeContended_mmap4j(Mmap4jBlocks blocks) throws IOException {
        return blocks.storeFree();
    }

    @Benchmark
    @Threads(2)
    public long storeFreeContended_floor(FloorBlocks blocks) {
        return blocks.storeFree();
    }

    @Benchmark
    @Threads(2)
    public long storeFreeContended_synchronizedBitSet(BitSetBlocks blocks) {
        return blocks.storeFree();
    }
}
