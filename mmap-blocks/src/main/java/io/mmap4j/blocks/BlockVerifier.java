package io.mmap4j.blocks;

import static io.mmap4j.blocks.BlockFormat.AT_BLOCK_SIZE;
import static io.mmap4j.blocks.BlockFormat.AT_GROUPS;
import static io.mmap4j.blocks.BlockFormat.AT_PUBLISHED;
import static io.mmap4j.blocks.BlockFormat.BLOCKS_PER_GROUP;
import static io.mmap4j.blocks.BlockFormat.DATA_OFFSET;
import static io.mmap4j.blocks.BlockFormat.LEVEL_WORDS;
import static io.mmap4j.blocks.BlockFormat.TOP_LEVEL;
import static io.mmap4j.blocks.BlockFormat.levelWordOffset;

import io.mmap4j.blocks.BlockStorage.Problem;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The read-only check behind {@link BlockStorage#verify}. Processes may be storing and freeing
 * while it reads, so a pair of words that disagree (a published block not claimed, a hint that
 * contradicts the word below) is read again a few times, and reported only if both words stay
 * exactly as they were: a live operation changes one of them within microseconds (or, for a
 * thread preempted half-way, within its wait for a core), damage does not.
 */
final class BlockVerifier {
    static final int MAX_PROBLEMS = 1000;
    private static final int LOOKS = 4;
    /** The pause before a suspect state is looked at again; suspect hints wait 4 times longer at each look. */
    private static final long PAUSE_NANOS = 2_000_000;

    private final MemorySegment file;
    private final BlockTree tree;
    private final long groups;
    private final List<Problem> problems = new ArrayList<>();

    private BlockVerifier(MemorySegment file, int blockSize, long groups) {
        this.file = file;
        this.tree = new BlockTree(blockSize);
        this.groups = groups;
    }

    /** Checks the groups and hints of a file whose header {@link BlockFiles#checkHeader} found sound. */
    static List<Problem> verify(MemorySegment file) {
        int blockSize = file.get(BlockFormat.INT, AT_BLOCK_SIZE);
        long published = (long) BlockTree.WORD.getAcquire(file, AT_GROUPS);
        // groups published after the file was mapped lie past this mapping: checked next time
        long mapped = (file.byteSize() - DATA_OFFSET) / BlockFormat.groupStride(blockSize);
        BlockVerifier verifier = new BlockVerifier(file, blockSize, Math.min(published, mapped));
        verifier.checkGroups();
        verifier.checkHints();
        return List.copyOf(verifier.problems);
    }

    private void checkGroups() {
        for (long group = 0; group < groups && !full(); group++) {
            long at = tree.groupOffset(group);
            BlockFormat.checkZero(file, at + Long.BYTES, at + AT_PUBLISHED, "group " + group + " padding", problems);
            for (int block = 0; block < BLOCKS_PER_GROUP && !full(); block++) {
                long flagAt = at + AT_PUBLISHED + block;
                byte flag = file.get(ValueLayout.JAVA_BYTE, flagAt);
                long address = group * BLOCKS_PER_GROUP + block;
                if (flag != 0 && flag != 1) {
                    problems.add(new Problem(flagAt, "published byte of block " + address,
                            Integer.toString(flag & 0xFF), "0 or 1"));
                    continue;
                }
                long claim = word(at);
                if (flag == 1 && (claim & (1L << block)) == 0 && staysUnclaimed(at, flagAt, claim)) {
                    problems.add(new Problem(at, "claim word of group " + group, "0x" + Long.toHexString(claim),
                            "bit " + block + " set, since block " + address + " is published"));
                }
            }
        }
    }

    /**
     * Checks every hint word against the words below it. A wrong one is first only suspect: the
     * suspects are looked at again together, after pauses of 2, 8, 32 and 128 ms, and reported
     * if they stayed exactly as they were. A free sets a "full" bit right only after its atomic
     * AND on the claim word, and a thread preempted between the two (for several milliseconds, on
     * a loaded machine) leaves a "full" bit over a group with room meanwhile: the pauses grow so
     * that such a wait is not taken for damage, and are shared so that a file with many wrong
     * hints costs a sixth of a second once, not per hint.
     */
    private void checkHints() {
        List<SuspectHint> suspects = new ArrayList<>();
        long children = groups;
        for (int level = 1; level <= TOP_LEVEL && problems.size() + suspects.size() < MAX_PROBLEMS; level++) {
            for (long word = 0; word < LEVEL_WORDS[level] && problems.size() + suspects.size() < MAX_PROBLEMS; word++) {
                long found = word(levelWordOffset(level, word)) & ~grownInto(level, word, children);
                long expected = expectedHint(level, word, children);
                // A "full" bit over a word with room is damage (or a crash's leftover). A missing one is
                // not: a claim and a free racing on one group can leave it missing while processes
                // run, and the next search that meets the full word sets it.
                if ((found & ~expected) != 0) {
                    SuspectHint suspect = suspect(level, word, children, found, expected);
                    if (suspect != null) {
                        suspects.add(suspect);
                    }
                }
            }
            children = (children + 63) >>> 6;
        }
        for (int look = 0; look < LOOKS && !suspects.isEmpty(); look++) {
            LockSupport.parkNanos(PAUSE_NANOS << (2 * look));
            suspects.removeIf(suspect -> !suspect.staysWrong());
        }
        for (SuspectHint suspect : suspects) {
            problems.add(new Problem(levelWordOffset(suspect.level, suspect.word), "level-" + suspect.level
                    + " hint word " + suspect.word, "0x" + Long.toHexString(suspect.found), "0x"
                    + Long.toHexString(suspect.expected) + " (from the words below; repair() rebuilds hints)"));
        }
    }

    /**
     * The bits of hint word {@code word} of {@code level} that stand for children past the
     * {@code children} this check covers but within the groups the header counts <em>now</em>: a
     * process that grew the file meanwhile may rightly have set them, so they are not judged. Read
     * after the hint word, the count is at least what any process that set one of its bits had
     * read before claiming in that group (the seq-cst order of the word and the count).
     */
    private long grownInto(int level, long word, long children) {
        long first = word << 6;
        if (first + 64 <= children) {
            return 0;
        }
        int shift = 6 * (level - 1); // one bit of level L covers 64^(L-1) groups
        long now = (long) BlockTree.WORD.getAcquire(file, AT_GROUPS);
        long childrenNow = (now + (1L << shift) - 1) >>> shift;
        long from = Math.max(0, children - first);
        long to = Math.min(64, Math.max(0, childrenNow - first));
        return from >= to ? 0 : (to == 64 ? -1L : (1L << to) - 1) & (-1L << from);
    }

    /** What hint word {@code word} of {@code level} should be, from the words below it now. */
    private long expectedHint(int level, long word, long children) {
        long expected = 0;
        long first = word << 6;
        for (int bit = 0; bit < 64 && first + bit < children; bit++) {
            if (word(childAt(level, first + bit)) == -1L) {
                expected |= 1L << bit;
            }
        }
        return expected;
    }

    /** Whether a published block stays unclaimed, with its claim word unchanged, look after look. */
    private boolean staysUnclaimed(long claimAt, long flagAt, long claim) {
        for (int look = 0; look < LOOKS; look++) {
            LockSupport.parkNanos(PAUSE_NANOS);
            if (word(claimAt) != claim || file.get(ValueLayout.JAVA_BYTE, flagAt) != 1) {
                return false;
            }
        }
        return true;
    }

    /**
     * A hint word found wrong, with the words below it as they are now; null if they no longer
     * make it wrong (a live operation moved on). A word wholly past the groups is wrong whatever
     * happens below it: no words are kept, and it always stays wrong.
     */
    private SuspectHint suspect(int level, long word, long children, long found, long expected) {
        long first = word << 6;
        int count = (int) Math.max(0, Math.min(64, children - first));
        long[] below = new long[count];
        for (int bit = 0; bit < count; bit++) {
            below[bit] = word(childAt(level, first + bit));
        }
        if (count > 0 && expectedHint(level, word, children) != expected) {
            return null;
        }
        return new SuspectHint(level, word, children, found, expected, below);
    }

    /**
     * A hint word that disagreed with the words below it: reported only if it and every word below
     * stay exactly as they were, look after look. A group that processes store into and free from
     * changes its claim word within microseconds; damage and a crash's leftovers do not.
     */
    private final class SuspectHint {
        final int level;
        final long word;
        final long children;
        final long found;
        final long expected;
        final long[] below;

        SuspectHint(int level, long word, long children, long found, long expected, long[] below) {
            this.level = level;
            this.word = word;
            this.children = children;
            this.found = found;
            this.expected = expected;
            this.below = below;
        }

        boolean staysWrong() {
            if ((word(levelWordOffset(level, word)) & ~grownInto(level, word, children)) != found) {
                return false;
            }
            long first = word << 6;
            for (int bit = 0; bit < below.length; bit++) {
                if (word(childAt(level, first + bit)) != below[bit]) {
                    return false;
                }
            }
            return true;
        }
    }

    private long childAt(int level, long child) {
        return level == 1 ? tree.groupOffset(child) : levelWordOffset(level - 1, child);
    }

    private long word(long at) {
        return (long) BlockTree.WORD.getVolatile(file, at);
    }

    private boolean full() {
        return problems.size() >= MAX_PROBLEMS;
    }
}
