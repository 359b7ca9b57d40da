package io.mmap4j.blocks;

import static io.mmap4j.blocks.BlockFormat.BLOCKS_PER_GROUP;
import static io.mmap4j.blocks.BlockFormat.DATA_OFFSET;
import static io.mmap4j.blocks.BlockFormat.GROUP_SHIFT;
import static io.mmap4j.blocks.BlockFormat.LEVEL_WORDS;
import static io.mmap4j.blocks.BlockFormat.TOP_LEVEL;
import static io.mmap4j.blocks.BlockFormat.levelWordOffset;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The allocation tree of one file, lock-free: claim words (one per group, the truth) under three
 * levels of hints (a set bit: the word below is believed full).
 *
 * <p>Every read of a claim or hint word is volatile and every change is an atomic
 * read-modify-write ({@code compareAndExchange}, {@code getAndBitwiseOr/And}), all sequentially
 * consistent, across threads and processes alike. That order is what keeps the hints right
 * without a lock: whoever sets a "full" bit reads the word below again afterwards and clears the
 * bit if that word is no longer full, and whoever frees into a full word clears the bit after
 * freeing. Whichever of the two comes last in the single order of these operations sees the
 * other's effect, so a "full" bit over a word with room lasts only while an operation is under
 * way, or when a process died between the two steps; {@link #rebuildHints} fixes that. A missing
 * "full" bit can outlast a race (a setter's AND after its second look landing after another claim
 * filled the word again); it is harmless, and the next search that meets the full word sets it. A wrong hint never hands a block
 * out twice: only the compare-and-set on the claim word does that. It can only make a search look
 * further (a "not full" bit over a full word) or skip free blocks until repaired (a "full" bit over
 * a word with room, which makes the file grow sooner).
 */
final class BlockTree {
    /** Claim and hint words: aligned, so every atomic access mode works. */
    static final VarHandle WORD = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    private final long stride;

    BlockTree(int blockSize) {
        this.stride = BlockFormat.groupStride(blockSize);
    }

    long groupOffset(long group) {
        return DATA_OFFSET + group * stride;
    }

    /** Set in {@link #claim}'s result when a compare-and-set lost to another thread or process. */
    static final long LOST_RACE = 1L << 62;

    /**
     * Claims the lowest free block of the groups from {@code start} to {@code groups - 1}, or, if
     * they have none, of the groups below {@code start}; following the hints.
     *
     * @return its address, with {@link #LOST_RACE} added if a compare-and-set failed on the way;
     *         or -1 if no group has a free block (as far as the hints tell)
     */
    long claim(MemorySegment file, long groups, long start) {
        // The common case, kept small so that the JIT inlines it into store: the first group the
        // hints name has room, and its compare-and-set succeeds.
        long group = findGroup(file, groups, start);
        if (group >= 0) {
            long at = groupOffset(group);
            long word = (long) WORD.getVolatile(file, at);
            if (word != -1L) {
                int bit = Long.numberOfTrailingZeros(~word);
                long claimed = word | (1L << bit);
                if (WORD.compareAndSet(file, at, word, claimed)) {
                    if (claimed == -1L) {
                        setFull(file, 1, group);
                    }
                    return group * BLOCKS_PER_GROUP + bit;
                }
                return claimAfterRace(file, groups, start, LOST_RACE);
            }
        }
        return claimAfterRace(file, groups, start, 0);
    }

    /** {@link #claim}'s loop, for when its first attempt met a full group or lost a race. */
    private long claimAfterRace(MemorySegment file, long groups, long start, long lost) {
        while (true) {
            long group = findGroup(file, groups, start);
            if (group < 0 && start > 0) {
                group = findGroup(file, groups, 0);
            }
            if (group < 0) {
                return -1;
            }
            long at = groupOffset(group);
            long word = (long) WORD.getVolatile(file, at);
            while (word != -1L) {
                int bit = Long.numberOfTrailingZeros(~word);
                long claimed = word | (1L << bit);
                long witness = (long) WORD.compareAndExchange(file, at, word, claimed);
                if (witness == word) {
                    if (claimed == -1L) {
                        setFull(file, 1, group);
                    }
                    return group * BLOCKS_PER_GROUP + bit | lost;
                }
                word = witness; // another claim or free got there first: try again on what it left
                lost = LOST_RACE;
            }
            setFull(file, 1, group); // the hint said there was room, but the group is full
        }
    }

    /**
     * Clears the claim bit of {@code address}.
     *
     * @return the claim word before the change
     */
    long unclaim(MemorySegment file, long address) {
        long group = address >>> GROUP_SHIFT;
        long bit = 1L << address; // the shift takes the low six bits: the block's index in its group
        long before = (long) WORD.getAndBitwiseAnd(file, groupOffset(group), ~bit);
        if (before == -1L) {
            clearFull(file, 1, group);
        }
        return before;
    }

    /**
     * The lowest group from {@code start} to {@code groups - 1} that no hint calls full, or -1.
     * The search starts at the lowest level whose words cover every group (level 1 up to 64
     * groups, level 2 up to 4,096), since a bit above can be set only when a whole word below is
     * full: each level skipped saves a load on every store.
     */
    private long findGroup(MemorySegment file, long groups, long start) {
        if (groups <= 64) { // one level-1 word covers the file: one load
            long raw = word(file, 1, 0);
            long bits = raw | outside(1, 0, groups, start);
            if (bits != -1L) {
                return Long.numberOfTrailingZeros(~bits);
            }
            if (raw == -1L) {
                setFull(file, 2, 0);
            }
            return -1;
        }
        int top = groups <= 64 * 64 ? 2 : TOP_LEVEL;
        int shift = 6 * top; // one word of level L covers 64^L groups
        long words = Math.min(LEVEL_WORDS[top], (groups + (1L << shift) - 1) >>> shift);
        for (long word = start >>> shift; word < words; word++) {
            long group = find(file, top, word, groups, start);
            if (group >= 0) {
                return group;
            }
        }
        return -1;
    }

    /**
     * The lowest group from {@code start} to {@code groups - 1} under word {@code word} of
     * {@code level} that no hint calls full, or -1. A word found full under a bit that says
     * otherwise gets that bit set on the way.
     */
    private long find(MemorySegment file, int level, long word, long groups, long start) {
        long raw = word(file, level, word);
        long bits = raw | outside(level, word, groups, start);
        while (bits != -1L) {
            int bit = Long.numberOfTrailingZeros(~bits);
            long child = (word << 6) | bit;
            if (level == 1) {
                return child;
            }
            long group = find(file, level - 1, child, groups, start);
            if (group >= 0) {
                return group;
            }
            bits |= 1L << bit;
        }
        if (raw == -1L && level < TOP_LEVEL) {
            setFull(file, level + 1, word); // a stale "not full" bit above: correct it for the next search
        }
        return -1;
    }

    private static long word(MemorySegment file, int level, long word) {
        return (long) WORD.getVolatile(file, levelWordOffset(level, word));
    }

    /**
     * The bits of word {@code word} of {@code level} that stand only for groups outside
     * {@code [start, groups)}: one bit of level L covers 64^(L-1) groups.
     */
    private static long outside(int level, long word, long groups, long start) {
        int shift = 6 * (level - 1);
        long first = word << 6;
        long inside = ((groups + (1L << shift) - 1) >>> shift) - first; // bits that reach below groups
        long below = (start >>> shift) - first; // bits wholly below start
        long mask = inside >= 64 ? 0L : -1L << inside;
        if (below > 0) {
            mask |= below >= 64 ? -1L : (1L << below) - 1;
        }
        return mask;
    }

    /**
     * Sets the bit of {@code level} that says child {@code child} (a group at level 1, a word of
     * the level below otherwise) is full, then reads the child again and clears the bit if it has
     * room after all; a word the bit completes is reported full one level up.
     */
    void setFull(MemorySegment file, int level, long child) {
        long at = levelWordOffset(level, child >>> 6);
        long bit = 1L << child;
        long before = (long) WORD.getAndBitwiseOr(file, at, bit);
        if (!childFull(file, level, child)) {
            clearFull(file, level, child);
        } else if (before != -1L && (before | bit) == -1L && level < TOP_LEVEL) {
            setFull(file, level + 1, child >>> 6);
        }
    }

    /** Clears the "full" bit of {@code child} at {@code level}, and above it if its word was full. */
    void clearFull(MemorySegment file, int level, long child) {
        long bit = 1L << child;
        long before = (long) WORD.getAndBitwiseAnd(file, levelWordOffset(level, child >>> 6), ~bit);
        if (before == -1L && level < TOP_LEVEL) {
            clearFull(file, level + 1, child >>> 6);
        }
    }

    private boolean childFull(MemorySegment file, int level, long child) {
        long at = level == 1 ? groupOffset(child) : levelWordOffset(level - 1, child);
        return (long) WORD.getVolatile(file, at) == -1L;
    }

    /**
     * Makes every hint word agree with the words below it, bottom up, for a file of
     * {@code groups} groups; bits for groups the file does not have are cleared. Safe while other
     * threads and processes allocate and free: a missing "full" bit is set through
     * {@link #setFull}, whose second look undoes it if a free came in between, and a wrong one is
     * cleared, which at worst makes a later search look once more.
     *
     * @return the number of hint words that were wrong
     */
    long rebuildHints(MemorySegment file, long groups) {
        long changed = 0;
        long children = groups; // how many children the level being rebuilt has
        for (int level = 1; level <= TOP_LEVEL; level++) {
            for (long word = 0; word < LEVEL_WORDS[level]; word++) {
                long at = levelWordOffset(level, word);
                long found = (long) WORD.getVolatile(file, at);
                long first = word << 6;
                long expected = 0;
                for (int bit = 0; bit < 64 && first + bit < children; bit++) {
                    if (childFull(file, level, first + bit)) {
                        expected |= 1L << bit;
                    }
                }
                if (found == expected) {
                    continue;
                }
                changed++;
                WORD.getAndBitwiseAnd(file, at, ~(found & ~expected));
                for (long missing = expected & ~found; missing != 0; missing &= missing - 1) {
                    setFull(file, level, first + Long.numberOfTrailingZeros(missing));
                }
            }
            children = (children + 63) >>> 6;
        }
        return changed;
    }
}
