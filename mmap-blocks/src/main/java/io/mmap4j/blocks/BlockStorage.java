package io.mmap4j.blocks;

import static io.mmap4j.blocks.BlockFormat.AT_BLOCK_SIZE;
import static io.mmap4j.blocks.BlockFormat.AT_GROUPS;
import static io.mmap4j.blocks.BlockFormat.AT_PUBLISHED;
import static io.mmap4j.blocks.BlockFormat.BLOCK_INDEX;
import static io.mmap4j.blocks.BlockFormat.BLOCKS_PER_GROUP;
import static io.mmap4j.blocks.BlockFormat.DATA_OFFSET;
import static io.mmap4j.blocks.BlockFormat.GROUP_HEADER_BYTES;
import static io.mmap4j.blocks.BlockFormat.GROUP_SHIFT;
import static io.mmap4j.blocks.BlockFormat.MAX_BLOCK_SIZE;
import static io.mmap4j.blocks.BlockFormat.MAX_GROUPS;
import static io.mmap4j.blocks.BlockFormat.MIN_BLOCK_SIZE;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Fixed-size blocks in one mapped file, stored, read and freed by any number of threads and
 * processes at once without a lock: a slab of message slots, fixed-size cache entries, the free
 * list of a custom store. After emmap's block storage, which is one VM only.
 *
 * <pre>{@code
 * try (BlockStorage blocks = BlockStorage.open(path, 64)) {   // create or open; 64-byte blocks
 *     long address = blocks.store(new byte[64]);               // the lowest free block
 *     byte[] block = blocks.read(address);                     // a copy, or null if not allocated
 *     MemorySegment view = blocks.view(address);               // zero-copy, writable in place
 *     blocks.free(address);                                    // true: it was allocated
 * }
 * }</pre>
 *
 * <h2>Blocks and addresses</h2>
 * Every block of a storage has the size given when its file was created, 1 byte to 1 MiB. A
 * block's address is a {@code long} from 0, stable for the block's lifetime; {@link #store} takes
 * the lowest free address, so blocks stay close to the start of the file, until threads compete:
 * a thread that loses a race for a claim word to another thread or process moves its searches to
 * a group of its own (picked by hashing; Linux's {@code sbitmap} does the same), taking the lowest
 * free address from there on and wrapping around, so that threads storing at once do not all fight
 * over one word. The file grows when
 * every block is allocated (the number of blocks doubles), up to {@value BlockFormat#MAX_BLOCKS}
 * blocks, after which {@link #store} throws {@link StorageFullException}. Growth is coordinated
 * between processes: one grows the file while the others wait for it or use it; nobody ever
 * shrinks it. Freed blocks are reused; the file never gets shorter.
 *
 * <h2>The file</h2>
 * One file, little-endian, specified byte by byte in {@code docs/blocks-format.md}: a header, three
 * levels of hints, then groups of 64 blocks, each behind a 128-byte group header that holds a
 * <em>claim word</em> (one bit per block: the allocation's truth) and 64 <em>published</em> bytes.
 * A store claims a block with one compare-and-set on its claim word, copies the bytes in, and then
 * publishes the block with a release store of its published byte; reads return only published
 * blocks, so no read ever sees a block half-written. The hints (a 64-ary tree of "this word is
 * full" bits over the claim words) only steer the search for a free block, and can always be
 * rebuilt from the claim words: {@link #repair()}.
 *
 * <h2>Threads, processes and crashes</h2>
 * A block is never handed to two owners: only the compare-and-set on its claim bit allocates it.
 * A process killed at any instruction leaves a file that opens, in which every block stored
 * before the kill is intact and every other block is untouched. The most a kill can leave behind
 * is a block <em>reserved</em> (claimed but never published, by a store or a free it interrupted;
 * at most one per thread killed), which no read returns and no store reuses, and hints that are
 * out of date. {@link #repair()} rebuilds the hints, at any time; {@link #releaseReserved()} frees
 * reserved blocks, and, since a store under way looks the same, runs only while no other storage
 * has the file open, in any process (enforced with a lock the kernel drops when its holder dies,
 * so right after a crash it works; otherwise it throws {@link IllegalStateException}).
 *
 * <h2>Errors</h2>
 * A file that fails a check at {@link #open} is a {@link CorruptBlockStorageException} naming
 * the file, the byte offset, the field, what was found and what was expected; damage found later
 * (a published byte that is neither 0 nor 1) comes from the operation that met it, in an
 * {@link UncheckedIOException}. A damaged file is never reset. A null argument is a
 * {@link NullPointerException}; a block of the wrong length, a negative address or one the
 * storage never issued (at or past its capacity) an {@link IllegalArgumentException} naming the
 * value and the limit; any call after {@link #close()} an {@link IllegalStateException}.
 *
 * <h2>Cost</h2>
 * {@link #store}, in the common case, makes one compare-and-exchange on the claim word of its
 * thread's group, expecting the value its own last store or free there left (nothing is loaded
 * first and no hint is read; a search through the hints runs only when that guess is wrong or the
 * group is full), one copy and one release store; {@link #free} one acquire load, one release
 * store and one atomic AND; {@link #read} one acquire load and one copy, allocating only the
 * returned array; {@link #view} allocates nothing the JIT cannot remove. The memory ordering of
 * each step, which is the same between processes as between threads, is in the format document.
 * Measured figures against a {@code synchronized} {@link java.util.BitSet} allocator and a bare
 * copy plus compare-and-set are in {@code docs/BENCHMARKS.md}.
 *
 * <h2>Lifetime</h2>
 * {@link #close()} unmaps the file: every view obtained from the storage then throws
 * {@link IllegalStateException} on access, from any thread, and the JVM never crashes. A file that
 * another process truncates makes accesses fail with {@link InternalError} (the JVM's
 * {@code SIGBUS}); this library never truncates a block storage file.
 */
public final class BlockStorage implements AutoCloseable {
    /** Published bytes: written by their block's owner only, so plain release and acquire suffice. */
    private static final VarHandle PUBLISHED = ValueLayout.JAVA_BYTE.varHandle();
    private static final byte IS_PUBLISHED = 1;
    /**
     * Slots of {@link #homes}, 128 bytes apart: every store and free writes its thread's slot, and
     * an array is only 8-byte aligned, so two 16-byte slots 64 bytes apart can share a cache line.
     */
    private static final int HOME_SLOTS = 64;
    private static final int HOME_STRIDE = 16;

    private final Path path;
    private final int blockSize;
    private final long stride;
    private final BlockTree tree;
    /** The mapped file, and a descriptor that locks the group count while growing and extends the file. */
    private final BlockFile map;
    /** The mapping in use and how many published groups it covers; replaced after growth. */
    private volatile Mapping mapping;
    private volatile boolean open = true;
    /**
     * Per thread (by id, see {@link #homeSlot()}), the group its searches start from: 0, the lowest
     * free block, until the thread loses a race for a claim word; then a group of its own (see
     * {@link #nextHome}). Beside it, the home group's claim word as the thread's last store or
     * free there left it (-1 when not known, or full): the next claim's expected value, so that
     * the common store is one compare-and-exchange with nothing loaded first. Plain reads and
     * writes: a stale value only costs a failed compare-and-exchange or a search elsewhere.
     */
    private final long[] homes = new long[HOME_SLOTS * HOME_STRIDE];
    /** Mixed into homes so that the threads of two processes with the same ids go apart. */
    private final long processSalt = ProcessHandle.current().pid() << 32;

    /** A mapping of the file and the number of groups, published and mapped, it holds. */
    private record Mapping(MemorySegment file, long groups) {
        long capacity() {
            return groups * BLOCKS_PER_GROUP;
        }
    }

    private BlockStorage(Path path, int blockSize, BlockFile map) {
        this.path = path;
        this.blockSize = blockSize;
        this.stride = BlockFormat.groupStride(blockSize);
        this.tree = new BlockTree(blockSize);
        this.map = map;
        for (int slot = 0; slot < homes.length; slot += HOME_STRIDE) {
            homes[slot + 1] = -1L; // the claim word of the home group not seen yet: the first store searches
        }
        MemorySegment file = map.segment();
        this.mapping = new Mapping(file, Math.min(publishedGroups(file), groupsIn(file, stride)));
    }

    // ---------------------------------------------------------------------------------------------
    // Opening

    /**
     * Opens the block storage at {@code path}, creating it if it does not exist. Two processes
     * creating the same file at once end up with the same file; no process ever sees a
     * half-written one.
     *
     * <p>Costs an {@code open}, an {@code mmap} of the whole file and a read of its first page; a
     * new file is written under a temporary name, forced and linked into place first. A new file
     * holds one group of 64 blocks and takes about 528 KiB plus the group (the hint levels, sparse
     * until used).
     *
     * @param path      the file
     * @param blockSize the size of every block, in bytes: 1 to 1,048,576; an existing file must
     *                  have been created with the same size
     * @return the open storage; close it to unmap the file
     * @throws IllegalArgumentException    if {@code blockSize} is out of range, or differs from the
     *                                     existing file's (the message names both)
     * @throws CorruptBlockStorageException if the file is not a sound block storage file; it is left
     *                                     as found
     * @throws IOException                 if the file cannot be created, opened or mapped
     */
    public static BlockStorage open(Path path, int blockSize) throws IOException {
        return open(path, blockSize, BLOCKS_PER_GROUP);
    }

    /**
     * Opens the block storage at {@code path}, creating it with room for at least
     * {@code initialCapacity} blocks if it does not exist (rounded up to a multiple of 64; the file
     * is sparse, so room costs no disk until used). An existing file keeps the capacity it has,
     * and grows as usual. A larger start spares the first doublings, and gives threads that store
     * at once groups of their own to spread over (see {@link #store(byte[])}).
     *
     * @param path            the file
     * @param blockSize       the size of every block, in bytes: 1 to 1,048,576; an existing file
     *                        must have been created with the same size
     * @param initialCapacity the blocks a new file holds: 1 to {@value BlockFormat#MAX_BLOCKS}
     * @return the open storage; close it to unmap the file
     * @throws IllegalArgumentException    if {@code blockSize} or {@code initialCapacity} is out of
     *                                     range, or the block size differs from the existing
     *                                     file's (the message names both)
     * @throws CorruptBlockStorageException if the file is not a sound block storage file; it is left
     *                                     as found
     * @throws IOException                 if the file cannot be created, opened or mapped
     */
    public static BlockStorage open(Path path, int blockSize, long initialCapacity) throws IOException {
        Objects.requireNonNull(path, "path");
        if (blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE) {
            throw new IllegalArgumentException("block size " + blockSize + " is outside " + MIN_BLOCK_SIZE + " to "
                    + MAX_BLOCK_SIZE + " bytes");
        }
        if (initialCapacity < 1 || initialCapacity > BlockFormat.MAX_BLOCKS) {
            throw new IllegalArgumentException("initial capacity " + initialCapacity + " is outside 1 to "
                    + BlockFormat.MAX_BLOCKS + " blocks");
        }
        long groups = (initialCapacity + BLOCKS_PER_GROUP - 1) / BLOCKS_PER_GROUP;
        BlockFile map = BlockFiles.openOrCreate(path, blockSize, groups);
        try {
            List<Problem> problems = BlockFiles.checkHeader(map);
            if (!problems.isEmpty()) {
                throw problems.getFirst().exception(path);
            }
            int found = map.segment().get(BlockFormat.INT, AT_BLOCK_SIZE);
            if (found != blockSize) {
                throw new IllegalArgumentException(path + " holds blocks of " + found + " bytes, not the "
                        + blockSize + " bytes asked for");
            }
            map.joinStorages();
            return new BlockStorage(path, blockSize, map);
        } catch (IOException | RuntimeException | Error e) {
            try (map) {
                throw e;
            }
        }
    }

    /**
     * Checks a block storage file in full, read-only, and returns every problem found: the
     * header's fields, the file's length, every group header (padding, published bytes of 0 or 1,
     * no block published without being claimed) and every hint. Safe while other processes store
     * and free in the file: a state that can be a live operation half-way (a block claimed but
     * not yet published, a hint not yet updated) is looked at again a few times and reported only
     * if it stays (a hint for a sixth of a second, since a thread preempted between a free and its
     * hint update leaves one wrong that long on a loaded machine). A wrong hint is reported as
     * such; {@link #repair()} fixes it.
     *
     * <p>Costs a read of every group header and every hint word: a few milliseconds per million
     * blocks, plus that sixth of a second when a hint looks wrong.
     *
     * @param path the file
     * @return the problems, empty for a sound file; at most 1000
     * @throws IOException if the file cannot be opened or mapped at all
     */
    public static List<Problem> verify(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        try (BlockFile map = BlockFile.open(path, false)) {
            List<Problem> header = BlockFiles.checkHeader(map);
            return header.isEmpty() ? BlockVerifier.verify(map.segment()) : header;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Blocks

    /**
     * Stores a copy of {@code block} in the lowest free block, growing the file if every block is
     * allocated.
     *
     * @param block the block's bytes; exactly {@link #blockSize()} of them
     * @return the block's address, valid until it is freed
     * @throws IllegalArgumentException if {@code block} is not {@link #blockSize()} bytes long
     * @throws StorageFullException     if all {@value BlockFormat#MAX_BLOCKS} blocks are allocated
     * @throws IOException              if the file must grow and cannot
     */
    public long store(byte[] block) throws IOException {
        Objects.requireNonNull(block, "block");
        requireBlockLength(block.length);
        long address = claim();
        MemorySegment file = mapping.file; // claim() made sure it covers the address
        MemorySegment.copy(block, 0, file, ValueLayout.JAVA_BYTE, blockOffset(address), blockSize);
        PUBLISHED.setRelease(file, publishedOffset(address), IS_PUBLISHED); // the copy is seen before the block
        return address;
    }

    /**
     * Stores a copy of the bytes of {@code block}, from anywhere (the heap, native memory, another
     * mapped file), as {@link #store(byte[])}.
     *
     * @param block the block's bytes; exactly {@link #blockSize()} of them
     * @return the block's address, valid until it is freed
     * @throws IllegalArgumentException if {@code block} is not {@link #blockSize()} bytes long
     * @throws StorageFullException     if all {@value BlockFormat#MAX_BLOCKS} blocks are allocated
     * @throws IOException              if the file must grow and cannot
     */
    public long store(MemorySegment block) throws IOException {
        Objects.requireNonNull(block, "block");
        requireBlockLength(block.byteSize());
        long address = claim();
        MemorySegment file = mapping.file;
        MemorySegment.copy(block, 0, file, blockOffset(address), blockSize);
        PUBLISHED.setRelease(file, publishedOffset(address), IS_PUBLISHED);
        return address;
    }

    /**
     * A copy of the block at {@code address}.
     *
     * @param address the block's address
     * @return its bytes, or null if no block is allocated there
     * @throws IllegalArgumentException if {@code address} is negative or was never issued (at or
     *                                  past {@link #capacity()})
     */
    public byte[] read(long address) {
        MemorySegment file = locate(address);
        if (!isPublished(file, address)) {
            return null;
        }
        byte[] block = new byte[blockSize];
        MemorySegment.copy(file, ValueLayout.JAVA_BYTE, blockOffset(address), block, 0, blockSize);
        return block;
    }

    /**
     * The block at {@code address}, in place: a writable view of the mapped file, valid until the
     * storage is closed. Its contents belong to the block's owner; once the block is freed the
     * view shows whatever the next owner stores there.
     *
     * @param address the block's address
     * @return a view of its {@link #blockSize()} bytes, or null if no block is allocated there
     * @throws IllegalArgumentException if {@code address} is negative or was never issued
     */
    public MemorySegment view(long address) {
        MemorySegment file = locate(address);
        return isPublished(file, address) ? file.asSlice(blockOffset(address), blockSize) : null;
    }

    /**
     * Overwrites the allocated block at {@code address} with {@code block}, in place. The owner of
     * a block writes it; a reader in another thread or process may see the old bytes, the new
     * ones, or a mix while the copy runs (use {@link #view} and the block's own protocol if that
     * matters, or store a new block and free the old).
     *
     * @param address the block's address
     * @param block   the new bytes; exactly {@link #blockSize()} of them
     * @return true, or false if no block is allocated there (nothing is written)
     * @throws IllegalArgumentException if {@code block} is not {@link #blockSize()} bytes long, or
     *                                  {@code address} is negative or was never issued
     */
    public boolean write(long address, byte[] block) {
        Objects.requireNonNull(block, "block");
        requireBlockLength(block.length);
        MemorySegment file = locate(address);
        if (!isPublished(file, address)) {
            return false;
        }
        MemorySegment.copy(block, 0, file, ValueLayout.JAVA_BYTE, blockOffset(address), blockSize);
        return true;
    }

    /**
     * Frees the block at {@code address}, so that a later store may reuse it.
     *
     * @param address the block's address
     * @return true, or false if no block was allocated there
     * @throws IllegalArgumentException if {@code address} is negative or was never issued
     */
    public boolean free(long address) {
        MemorySegment file = locate(address);
        if (!isPublished(file, address)) {
            return false;
        }
        // Unpublish first, so no read returns the block once it can be claimed again; the atomic
        // AND below is a full fence, so the next owner's claim sees this store.
        PUBLISHED.setRelease(file, publishedOffset(address), (byte) 0);
        long before = tree.unclaim(file, address);
        remember(address, before & ~(1L << address));
        return (before & (1L << address)) != 0; // clear already: another free of the same block won
    }

    /**
     * Every allocated block with its address, lowest address first: emmap's {@code read_blocks/1}.
     * A copy of each, taken block by block; blocks stored or freed meanwhile may or may not be in it.
     *
     * @return the blocks
     */
    public List<Block> readBlocks() {
        List<Block> all = new ArrayList<>();
        for (long next = 0; next >= 0; ) {
            Chunk chunk = readBlocks(next, 4096);
            all.addAll(chunk.blocks());
            next = chunk.next();
        }
        return all;
    }

    /**
     * Up to {@code maxBlocks} allocated blocks at addresses from {@code start}, lowest first, and
     * where to continue: emmap's {@code read_blocks/3}, for long scans in bounded steps.
     *
     * @param start     the lowest address to return; 0 for the first chunk, then the previous
     *                  chunk's {@link Chunk#next()}
     * @param maxBlocks the most blocks to return, 1 or more
     * @return the blocks found and the address to continue from, or -1 if no address is left
     * @throws IllegalArgumentException if {@code start} is negative or {@code maxBlocks} less than 1
     */
    public Chunk readBlocks(long start, int maxBlocks) {
        if (start < 0) {
            throw new IllegalArgumentException("negative start address " + start);
        }
        if (maxBlocks < 1) {
            throw new IllegalArgumentException("maxBlocks " + maxBlocks + " is less than 1");
        }
        Mapping m = current();
        List<Block> blocks = new ArrayList<>();
        long address = start;
        while (address < m.capacity() && blocks.size() < maxBlocks) {
            long group = address / BLOCKS_PER_GROUP;
            long claimed = (long) BlockTree.WORD.getVolatile(m.file, tree.groupOffset(group)) & (-1L << address);
            if (claimed == 0) {
                address = (group + 1) * BLOCKS_PER_GROUP;
                continue;
            }
            address = group * BLOCKS_PER_GROUP + Long.numberOfTrailingZeros(claimed);
            if (isPublished(m.file, address)) {
                byte[] copy = new byte[blockSize];
                MemorySegment.copy(m.file, ValueLayout.JAVA_BYTE, blockOffset(address), copy, 0, blockSize);
                blocks.add(new Block(address, copy));
            }
            address++;
        }
        return new Chunk(List.copyOf(blocks), address < m.capacity() ? address : -1);
    }

    // ---------------------------------------------------------------------------------------------
    // The storage

    /**
     * The size of every block.
     *
     * @return the block size in bytes, as the file records it
     */
    public int blockSize() {
        return blockSize;
    }

    /**
     * The number of blocks the file holds now, allocated or not: the addresses issued so far are
     * 0 to {@code capacity() - 1}. Grows as the file grows, in this process or another.
     *
     * @return the capacity, in blocks
     */
    public long capacity() {
        return current().capacity();
    }

    /**
     * The storage's figures now: what {@code mmap4j stat} prints. Counts every block, so it reads
     * every group header (about a millisecond per million blocks); with other threads or
     * processes at work, each group is counted as it was when read.
     *
     * @return the figures
     */
    public Stats stats() {
        Mapping m = current();
        return count(path, m.file, blockSize, m.groups);
    }

    /**
     * The figures of the block storage file at {@code path} now, read-only: what
     * {@code mmap4j stat} prints. Unlike {@link #open}, it creates nothing, maps the file
     * read-only (so it works on a file this process may only read) and needs no block size; it
     * checks the header as {@code open} does. Safe while other processes store, free and grow the
     * file: each group is counted as it was when read, and groups published after the file was
     * mapped are left out of that one count.
     *
     * @param path the file
     * @return the figures
     * @throws CorruptBlockStorageException if the file is not a sound block storage file
     * @throws IOException                 if the file does not exist or cannot be opened or mapped
     */
    public static Stats stats(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        try (BlockFile map = BlockFile.open(path, false)) {
            List<Problem> problems = BlockFiles.checkHeader(map);
            if (!problems.isEmpty()) {
                throw problems.getFirst().exception(path);
            }
            MemorySegment file = map.segment();
            int blockSize = file.get(BlockFormat.INT, AT_BLOCK_SIZE);
            long groups = Math.min(publishedGroups(file), groupsIn(file, BlockFormat.groupStride(blockSize)));
            return count(path, file, blockSize, groups);
        }
    }

    /** Counts the blocks of the first {@code groups} groups of {@code file}. */
    private static Stats count(Path path, MemorySegment file, int blockSize, long groups) {
        BlockTree tree = new BlockTree(blockSize);
        long claimed = 0;
        long published = 0;
        for (long group = 0; group < groups; group++) {
            long at = tree.groupOffset(group);
            long claims = (long) BlockTree.WORD.getVolatile(file, at);
            // only claimed blocks count as published, so that a group read while a store or a free
            // runs still adds up: allocated + reserved is what its claim word says
            claimed += Long.bitCount(claims);
            published += Long.bitCount(claims & publishedMask(file, at));
        }
        long capacity = groups * BLOCKS_PER_GROUP;
        return new Stats(path, blockSize, capacity, published, claimed - published, capacity - claimed,
                file.byteSize());
    }

    /** Bit i set when published byte i of the group at {@code at} is 1 (they are 0 or 1). */
    private static long publishedMask(MemorySegment file, long at) {
        long mask = 0;
        for (int i = 0; i < BLOCKS_PER_GROUP; i += Long.BYTES) {
            long bytes = file.get(BlockFormat.LONG, at + AT_PUBLISHED + i) & 0x0101010101010101L;
            mask |= Long.compress(bytes, 0x0101010101010101L) << i;
        }
        return mask;
    }

    /**
     * Rebuilds the hints from the claim words, emmap's {@code repair_block_storage}: after a crash
     * they may call a group full that has room (so the file grows sooner than it needs to) or the
     * reverse. Safe at any time, with other threads and processes storing and freeing. Changes no
     * block and no claim.
     *
     * @return how many hint words were wrong, and how many blocks are reserved
     */
    public Repair repair() {
        Mapping m = current();
        long corrected = tree.rebuildHints(m.file, m.groups);
        return new Repair(corrected, stats().reserved());
    }

    /**
     * Frees every reserved block: claimed but not published, as a store or a free killed half-way
     * leaves it. A store under way is reserved too, so this runs only while this storage is the
     * only one open on the file, in this process and every other (right after a crash, say, once
     * the dead process's storages are gone with it): it takes the file's users lock exclusive
     * (see {@code docs/blocks-format.md}), which the kernel grants only then, and no storage of the
     * file opens until it is done. The threads of this storage itself are the caller's: none may
     * store or free through it meanwhile.
     *
     * @return the number of blocks freed
     * @throws IllegalStateException if another storage has the file open, in this process or
     *                               another (the message says which), or this one is closed
     * @throws UncheckedIOException  if the users lock cannot be taken
     */
    public long releaseReserved() {
        checkOpen();
        try {
            return map.alone(this::releaseReservedAlone);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private long releaseReservedAlone() {
        Mapping m = current();
        long released = 0;
        for (long group = 0; group < m.groups; group++) {
            long claimed = (long) BlockTree.WORD.getVolatile(m.file, tree.groupOffset(group));
            for (long bits = claimed; bits != 0; bits &= bits - 1) {
                long address = group * BLOCKS_PER_GROUP + Long.numberOfTrailingZeros(bits);
                if (!isPublished(m.file, address)) {
                    tree.unclaim(m.file, address);
                    released++;
                }
            }
        }
        return released;
    }

    /**
     * Writes the file's changed pages to the storage device ({@code msync}), so that every block
     * stored or freed before this call survives a power failure.
     *
     * @throws IOException if the pages cannot be written
     */
    public void force() throws IOException {
        current();
        mapping.file.force();
    }

    /**
     * The storage's file.
     *
     * @return the path it was opened with
     */
    public Path path() {
        return path;
    }

    /**
     * Whether the storage is open.
     *
     * @return false once {@link #close()} has been called
     */
    public boolean isOpen() {
        return open;
    }

    /**
     * Unmaps the file and closes it. Every later call, and every access through a view, throws
     * {@link IllegalStateException}. Closing again does nothing.
     */
    @Override
    public void close() {
        open = false;
        try {
            map.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The file, the block size and the capacity. */
    @Override
    public String toString() {
        return "BlockStorage[" + path + ", " + blockSize + "-byte blocks, "
                + (open ? mapping.capacity() + " blocks]" : "closed]");
    }

    // ---------------------------------------------------------------------------------------------
    // Internals

    private void requireBlockLength(long length) {
        if (length != blockSize) {
            throw new IllegalArgumentException("block is " + length + " bytes, but the blocks of " + path + " are "
                    + blockSize + " bytes");
        }
    }

    private long blockOffset(long address) {
        return tree.groupOffset(address >>> GROUP_SHIFT) + GROUP_HEADER_BYTES + (address & BLOCK_INDEX) * blockSize;
    }

    private long publishedOffset(long address) {
        return tree.groupOffset(address >>> GROUP_SHIFT) + AT_PUBLISHED + (address & BLOCK_INDEX);
    }

    private boolean isPublished(MemorySegment file, long address) {
        byte flag = (byte) PUBLISHED.getAcquire(file, publishedOffset(address)); // then the block's bytes
        if (flag == IS_PUBLISHED) {
            return true;
        }
        if (flag == 0) {
            return false;
        }
        throw damagedFlag(address, flag);
    }

    private UncheckedIOException damagedFlag(long address, byte flag) {
        return new UncheckedIOException(new CorruptBlockStorageException(path, publishedOffset(address),
                "published byte of block " + address, Integer.toString(flag & 0xFF), "0 or 1"));
    }

    /** The current mapping, after checking that the storage is open and picking up growth by others. */
    private Mapping current() {
        checkOpen();
        Mapping m = mapping;
        long published = publishedGroups(m.file);
        return published > m.groups ? remapUnchecked(published) : m;
    }

    /** The mapping to use for {@code address}, after checking it. */
    private MemorySegment locate(long address) {
        checkOpen();
        if (address < 0) {
            throw new IllegalArgumentException("negative address " + address);
        }
        Mapping m = mapping;
        if (address < m.capacity()) {
            return m.file;
        }
        long capacity = publishedGroups(m.file) * BLOCKS_PER_GROUP;
        if (address >= capacity) {
            throw new IllegalArgumentException("address " + address + " was never issued: " + path + " holds "
                    + capacity + " blocks, addresses 0 to " + (capacity - 1));
        }
        return remapUnchecked(capacity / BLOCKS_PER_GROUP).file;
    }

    private void checkOpen() {
        if (!open) {
            throw new IllegalStateException("block storage " + path + " is closed");
        }
    }

    /**
     * Claims a block, growing the file or mapping others' growth until one is free. The common
     * case is one compare-and-exchange: on the home group's claim word as this thread last saw
     * it, which is what the word still is unless another thread or process has used it since.
     */
    private long claim() throws IOException {
        checkOpen();
        Mapping m = mapping;
        int slot = homeSlot();
        long home = homes[slot];
        long seen = homes[slot + 1];
        if (home < m.groups && seen != -1L) {
            long claimed = seen | (seen + 1); // the lowest clear bit set
            long found = (long) BlockTree.WORD.compareAndExchange(m.file, tree.groupOffset(home), seen, claimed);
            if (found == seen) {
                homes[slot + 1] = claimed;
                if (claimed == -1L) {
                    tree.setFull(m.file, 1, home);
                }
                return home * BLOCKS_PER_GROUP + Long.numberOfTrailingZeros(~seen);
            }
            if ((found & ~seen) != 0) {
                // another thread or process has claimed in this group since: both would fight over
                // its word, so this thread moves (blocks only freed by others are no reason to)
                home = nextHome(home, m.groups);
                homes[slot] = home;
                homes[slot + 1] = -1L;
            }
        }
        return claimSearching(m, slot, home);
    }

    /** {@link #claim()} when the home group is full or was seen otherwise: a search through the hints. */
    private long claimSearching(Mapping m, int slot, long home) throws IOException {
        long address = tree.claim(m.file, m.groups, home < m.groups ? home : 0);
        while (address < 0) {
            long published = publishedGroups(m.file);
            if (published == m.groups) {
                grow(m);
                published = publishedGroups(m.file);
            }
            m = remap(published);
            address = tree.claim(m.file, m.groups, 0);
        }
        if ((address & BlockTree.LOST_RACE) != 0) {
            address &= ~BlockTree.LOST_RACE;
            homes[slot] = nextHome(home, m.groups);
            homes[slot + 1] = -1L; // not seen yet: the next store searches from there
        } else {
            homes[slot + 1] = address / BLOCKS_PER_GROUP == home
                    ? (long) BlockTree.WORD.getVolatile(m.file, tree.groupOffset(home))
                    : -1L; // home is full: search until it has room again
        }
        return address;
    }

    /** After a free: if {@code address} is in this thread's home group, what its claim word became. */
    private void remember(long address, long word) {
        int slot = homeSlot();
        if (homes[slot] == address >>> GROUP_SHIFT) {
            homes[slot + 1] = word;
        }
    }

    /**
     * This thread's slot in {@link #homes}: threads whose ids differ in the low bits get slots in
     * different cache lines. Two threads may share one; they then only share a home.
     */
    private static int homeSlot() {
        return (int) (Thread.currentThread().threadId() & (HOME_SLOTS - 1)) * HOME_STRIDE;
    }

    /**
     * Where a thread that lost a race for a claim word searches from next: a group picked by
     * hashing its previous home with its thread's id and this process's id, so that threads of
     * this process, and of others, scatter instead of all competing for the lowest free block
     * (Linux's {@code sbitmap} does the same with per-CPU hints). The thread's id matters: two
     * threads that meet in one group both move, and must not move to the same one. With one group
     * there is nowhere to go.
     */
    private long nextHome(long home, long groups) {
        long z = (home + processSalt + (Thread.currentThread().threadId() << 24)) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L;
        return ((z ^ (z >>> 29)) >>> 1) % groups;
    }

    /**
     * Doubles the number of groups, unless another thread or process has grown the file since
     * {@code m} was mapped. The file is extended (never shortened) under an exclusive {@code fcntl}
     * lock on the group count, then the new count is published with a compare-and-set, so a
     * process sees the groups only once the file holds them.
     */
    private void grow(Mapping m) throws IOException {
        synchronized (BlockFile.MONITOR) {
            checkOpen(); // no descriptor of the file is closed under this monitor
            FileChannel channel = map.channel();
            FileLock lock = channel.lock(AT_GROUPS, Long.BYTES, false);
            try {
                if (publishedGroups(m.file) != m.groups) {
                    return; // grown meanwhile
                }
                if (m.groups >= MAX_GROUPS) {
                    throw new StorageFullException(path, m.capacity());
                }
                long next = Math.min(MAX_GROUPS, m.groups * 2);
                long size = BlockFormat.fileSize(blockSize, next);
                if (channel.size() < size) {
                    // a zero at the new end extends the file, sparse; under the lock nobody else does,
                    // and a longer file left by a grower that died before publishing is kept as it is
                    channel.write(ByteBuffer.wrap(new byte[1]), size - 1);
                }
                BlockTree.WORD.compareAndSet(m.file, AT_GROUPS, m.groups, next);
            } finally {
                lock.release();
            }
        }
    }

    private Mapping remapUnchecked(long published) {
        try {
            return remap(published);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A mapping that covers {@code published} groups: the current one, or the file mapped anew. */
    private Mapping remap(long published) throws IOException {
        synchronized (this) {
            Mapping m = mapping;
            if (m.groups >= published) {
                return m;
            }
            checkOpen();
            MemorySegment file = map.segment();
            if (groupsIn(file, stride) < published) {
                file = map.refresh();
            }
            long groups = Math.min(published, groupsIn(file, stride));
            if (groups < published) {
                throw new CorruptBlockStorageException(path, 0, "file length", Long.toString(file.byteSize()),
                        "at least " + BlockFormat.fileSize(blockSize, published) + " bytes for " + published
                                + " groups (the file was shortened by something other than this library)");
            }
            m = new Mapping(file, groups);
            mapping = m;
            return m;
        }
    }

    /** The whole groups a mapping of {@code file} holds, for groups {@code stride} bytes apart. */
    private static long groupsIn(MemorySegment file, long stride) {
        return Math.min(MAX_GROUPS, Math.max(0, file.byteSize() - DATA_OFFSET) / stride);
    }

    private static long publishedGroups(MemorySegment file) {
        return (long) BlockTree.WORD.getAcquire(file, AT_GROUPS); // growth published it with a CAS after extending
    }

    // ---------------------------------------------------------------------------------------------
    // Results

    /**
     * An allocated block and its address.
     *
     * @param address the block's address
     * @param data    a copy of its bytes
     */
    public record Block(long address, byte[] data) {
        /**
         * Checks the components.
         *
         * @param address the block's address, 0 or more
         * @param data    its bytes, not null
         */
        public Block {
            if (address < 0) {
                throw new IllegalArgumentException("negative address " + address);
            }
            Objects.requireNonNull(data, "data");
        }
    }

    /**
     * One step of a chunked scan: emmap's {@code {List, NextStart | eof}}.
     *
     * @param blocks the blocks found, lowest address first
     * @param next   the address to pass to the next call, or -1 when the scan has reached the end
     */
    public record Chunk(List<Block> blocks, long next) {
        /**
         * Whether the scan has reached the end of the storage.
         *
         * @return true when {@link #next()} is -1
         */
        public boolean isLast() {
            return next < 0;
        }
    }

    /**
     * The figures of a storage at one moment: what {@code mmap4j stat} prints for a block storage.
     *
     * @param path      the file
     * @param blockSize the size of every block, in bytes
     * @param capacity  the blocks the file holds, allocated or not
     * @param allocated the blocks stored and not freed
     * @param reserved  the blocks claimed but not published: stores under way, or left by a crash
     * @param free      the blocks a store may take: {@code capacity - allocated - reserved}
     * @param fileBytes the file's length
     */
    public record Stats(Path path, int blockSize, long capacity, long allocated, long reserved, long free,
                        long fileBytes) {
    }

    /**
     * What {@link #repair()} did and found.
     *
     * @param hintWordsCorrected the hint words that disagreed with the words below them
     * @param reservedBlocks     the blocks claimed but not published, which only
     *                           {@link #releaseReserved()} frees
     */
    public record Repair(long hintWordsCorrected, long reservedBlocks) {
    }

    /**
     * One problem {@link #verify(Path)} found, or that made {@link #open} refuse a file.
     *
     * @param offset   the byte offset in the file of the damaged field or word
     * @param field    what is there, as {@code docs/blocks-format.md} names it
     * @param found    the value found, as text
     * @param expected what the format allows there, as text
     */
    public record Problem(long offset, String field, String found, String expected) {
        /** The problem as {@link CorruptBlockStorageException} words it. */
        @Override
        public String toString() {
            return "at byte offset " + offset + ": " + field + " is " + found + ", expected " + expected;
        }

        CorruptBlockStorageException exception(Path path) {
            return new CorruptBlockStorageException(path, offset, field, found, expected);
        }
    }
}
