package io.mmap4j.blocks;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The layout of a block storage file, version 1, as {@code docs/blocks-format.md} specifies it:
 * offsets, sizes and the header's checks. Every multi-byte field is little-endian.
 *
 * <pre>
 * 0        header page: magic, version, block size, group count, zeros
 * 4096     hint level 3: 16 words, bit i of word w: level-2 word 64w+i is full
 * 8192     hint level 2: 1024 words, bit i of word w: level-1 word 64w+i is full
 * 16384    hint level 1: 65536 words, bit i of word w: group 64w+i is full
 * 540672   groups, one after another: a 128-byte group header, then 64 blocks
 * </pre>
 *
 * A group header holds the <em>claim word</em> (bit i: block i is claimed, the allocation's
 * truth) at +0, zeros up to +64, then 64 <em>published bytes</em> (1: block i holds a stored
 * block that reads may return; 0: it does not). The hint levels are derived from the claim words
 * and can always be rebuilt from them.
 */
final class BlockFormat {
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static final byte[] MAGIC = "MMAP4JBK".getBytes(US_ASCII);
    static final int VERSION = 1;

    static final long AT_MAGIC = 0;
    static final long AT_VERSION = 8;
    static final long AT_BLOCK_SIZE = 12;
    static final long AT_GROUPS = 16;
    /** The first byte after the header's fields; the rest of the header page is zero. */
    static final long HEADER_FIELDS_END = 24;
    static final long PAGE = 4096;

    static final int MIN_BLOCK_SIZE = 1;
    /** A group of 64 such blocks is 64 MiB, the largest step by which a new file grows. */
    static final int MAX_BLOCK_SIZE = 1 << 20;

    static final int BLOCKS_PER_GROUP = 64;
    /**
     * An address's group is {@code address >>> GROUP_SHIFT}, its index there
     * {@code address & BLOCK_INDEX}: addresses are never negative, so these do what a division and
     * a remainder by 64 do without the sign fix-up the JIT adds to those, on the store and free
     * paths that compute them several times.
     */
    static final int GROUP_SHIFT = 6;
    static final long BLOCK_INDEX = BLOCKS_PER_GROUP - 1;
    static final long GROUP_HEADER_BYTES = 128;
    static final long AT_PUBLISHED = 64;

    /** Hint levels 1 to 3: where each starts, and how many words it has. */
    static final long[] LEVEL_OFFSET = {0, 16384, 8192, 4096};
    static final long[] LEVEL_WORDS = {0, 65536, 1024, 16};
    static final int TOP_LEVEL = 3;
    /** The end of level 3's words; the rest of its page is zero. */
    static final long LEVEL_3_END = 4096 + 16 * 8;

    static final long MAX_GROUPS = 64 * 65536;
    /** 2^28 = 268,435,456: 1024 times emmap's 262,144. */
    static final long MAX_BLOCKS = MAX_GROUPS * BLOCKS_PER_GROUP;
    static final long DATA_OFFSET = 16384 + 65536 * 8;

    private BlockFormat() {
    }

    /** Bytes from one group to the next for blocks of {@code blockSize} bytes: a multiple of 64. */
    static long groupStride(int blockSize) {
        return GROUP_HEADER_BYTES + (long) BLOCKS_PER_GROUP * blockSize;
    }

    /** The file's length for {@code groups} groups. */
    static long fileSize(int blockSize, long groups) {
        return DATA_OFFSET + groups * groupStride(blockSize);
    }

    /** The byte offset of word {@code word} of hint level {@code level}. */
    static long levelWordOffset(int level, long word) {
        return LEVEL_OFFSET[level] + word * Long.BYTES;
    }

    /** Writes a new file's header for {@code groups} groups; everything else is zero already. */
    static void writeHeader(MemorySegment file, int blockSize, long groups) {
        MemorySegment.copy(MAGIC, 0, file, ValueLayout.JAVA_BYTE, AT_MAGIC, MAGIC.length);
        file.set(INT, AT_VERSION, VERSION);
        file.set(INT, AT_BLOCK_SIZE, blockSize);
        file.set(LONG, AT_GROUPS, groups);
    }

    /**
     * Checks the header page and the file's length against it: every problem found, in the order
     * of the fields; none for a sound header. Reads only the header and the level-3 page.
     */
    static List<BlockStorage.Problem> checkHeader(MemorySegment file) {
        List<BlockStorage.Problem> problems = new ArrayList<>();
        long length = file.byteSize();
        if (length < HEADER_FIELDS_END) {
            problems.add(new BlockStorage.Problem(0, "file length", Long.toString(length),
                    "at least " + DATA_OFFSET + " bytes (a header, the hints and one group)"));
            return problems;
        }
        byte[] magic = file.asSlice(AT_MAGIC, MAGIC.length).toArray(ValueLayout.JAVA_BYTE);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            problems.add(new BlockStorage.Problem(AT_MAGIC, "magic", quoted(magic), "\"MMAP4JBK\" (a block storage file)"));
            return problems; // not our file: its other bytes mean nothing
        }
        int version = file.get(INT, AT_VERSION);
        if (version != VERSION) {
            problems.add(new BlockStorage.Problem(AT_VERSION, "version", Integer.toUnsignedString(version),
                    VERSION + " (the only version this library reads)"));
            return problems;
        }
        int blockSize = file.get(INT, AT_BLOCK_SIZE);
        boolean sizeSound = blockSize >= MIN_BLOCK_SIZE && blockSize <= MAX_BLOCK_SIZE;
        if (!sizeSound) {
            problems.add(new BlockStorage.Problem(AT_BLOCK_SIZE, "block size", Integer.toUnsignedString(blockSize),
                    MIN_BLOCK_SIZE + " to " + MAX_BLOCK_SIZE));
        }
        long groups = file.get(LONG, AT_GROUPS);
        if (groups < 1 || groups > MAX_GROUPS) {
            problems.add(new BlockStorage.Problem(AT_GROUPS, "group count", Long.toUnsignedString(groups),
                    "1 to " + MAX_GROUPS));
        } else if (sizeSound && length < fileSize(blockSize, groups)) {
            problems.add(new BlockStorage.Problem(0, "file length", Long.toString(length),
                    "at least " + fileSize(blockSize, groups) + " bytes for " + groups + " groups of "
                            + BLOCKS_PER_GROUP + " blocks of " + blockSize + " bytes"));
        }
        checkZero(file, HEADER_FIELDS_END, PAGE, "header padding", problems);
        checkZero(file, LEVEL_3_END, LEVEL_OFFSET[2], "level-3 padding", problems);
        return problems;
    }

    /** Adds a problem for the first non-zero byte in {@code [from, to)}, if any lies in the file. */
    static void checkZero(MemorySegment file, long from, long to, String field, List<BlockStorage.Problem> problems) {
        long end = Math.min(to, file.byteSize());
        for (long at = from; at < end; at++) {
            byte b = file.get(ValueLayout.JAVA_BYTE, at);
            if (b != 0) {
                problems.add(new BlockStorage.Problem(at, field, "byte 0x" + Integer.toHexString(b & 0xFF), "0"));
                return;
            }
        }
    }

    private static String quoted(byte[] bytes) {
        StringBuilder s = new StringBuilder("\"");
        for (byte b : bytes) {
            s.append(b >= 0x20 && b < 0x7F ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xFF));
        }
        return s.append('"').toString();
    }
}
