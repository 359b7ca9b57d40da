package io.mmap4j.cache;

import static io.mmap4j.cache.CacheFormat.BUCKET_DEPTH;
import static io.mmap4j.cache.CacheFormat.ENTRY_BYTES;
import static io.mmap4j.cache.CacheFormat.LONG;
import static io.mmap4j.cache.CacheFormat.SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The directory in memory: Traffic Server's ten-byte entries, four to a bucket, buckets grouped in
 * segments of at most 65,536 entries so that 16-bit indexes link them. A bucket's first entry is its
 * head, at a fixed place; a chain continues through entries taken from the segment's free list. In
 * native memory, in the on-disk layout, so that saving a copy is one memory copy.
 *
 * <p>One writer at a time (the volume's lock) changes it; readers never lock. Each segment has a
 * version, odd while the writer changes the segment: a reader that finds the version changed
 * after reading discards what it read and reads again (a seqlock, as {@code StampedLock}'s
 * optimistic read).
 */
final class Directory implements AutoCloseable {
    private static final VarHandle VERSION = MethodHandles.arrayElementVarHandle(long[].class);

    /** Decides, for the writer, which entries of a chain to delete. */
    interface Filter {
        boolean drop(long lo, short hi);
    }

    /** Hears about each entry that loading had to drop. */
    interface Reporter {
        void dropped(long entry, String why);
    }

    private final Arena arena = Arena.ofShared();
    final MemorySegment entries;
    final int segments;
    final int bucketsPerSegment;
    final int perSegment;
    private final int[] freeHead;
    private final long[] versions;
    /** Non-empty entries; changed by the writer only. */
    private volatile long used;

    Directory(VolumeGeometry g) {
        this.segments = g.segments();
        this.bucketsPerSegment = g.bucketsPerSegment();
        this.perSegment = g.entriesPerSegment();
        this.entries = arena.allocate(g.entries() * ENTRY_BYTES, 8);
        this.freeHead = new int[segments];
        this.versions = new long[segments];
        for (int s = 0; s < segments; s++) {
            for (int e = perSegment - 1; e > 0; e--) {
                if (e % BUCKET_DEPTH != 0) {
                    free(s, e);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Entries

    long lo(int segment, int entry) {
        return entries.get(LONG, at(segment, entry));
    }

    short hi(int segment, int entry) {
        return entries.get(SHORT, at(segment, entry) + 8);
    }

    private void set(int segment, int entry, long lo, short hi) {
        long at = at(segment, entry);
        entries.set(LONG, at, lo);
        entries.set(SHORT, at + 8, hi);
    }

    private long at(int segment, int entry) {
        return ((long) segment * perSegment + entry) * ENTRY_BYTES;
    }

    static boolean isEmpty(long lo, short hi) {
        return DirEntry.offset(lo, hi) == 0;
    }

    long used() {
        return used;
    }

    // ---------------------------------------------------------------------------------------------
    // The seqlock

    /** Begins an optimistic read of {@code segment}: its version, waiting out a writer. */
    long readBegin(int segment) {
        long v;
        while (((v = (long) VERSION.getAcquire(versions, segment)) & 1) != 0) {
            Thread.onSpinWait();
        }
        return v;
    }

    /** Whether everything read from {@code segment} since {@link #readBegin} is consistent. */
    boolean readValid(int segment, long version) {
        // The reads of the entries must not move after the version check.
        VarHandle.loadLoadFence();
        return (long) VERSION.getOpaque(versions, segment) == version;
    }

    void writeBegin(int segment) {
        VERSION.setOpaque(versions, segment, versions[segment] + 1);
        // Readers that see a changed entry must also see the odd version: no entry store moves up.
        VarHandle.storeStoreFence();
    }

    void writeEnd(int segment) {
        VERSION.setRelease(versions, segment, versions[segment] + 1);
    }

    // ---------------------------------------------------------------------------------------------
    // The writer's operations: the caller holds the volume's lock and has called writeBegin.

    /**
     * Adds an entry to a bucket: into its head if empty, else into an entry from the free list,
     * linked right after the head.
     *
     * @return the entry's index in the segment, or -1 if the segment has no free entry
     */
    int insert(int segment, int bucket, long lo, short hi) {
        int head = bucket * BUCKET_DEPTH;
        long headLo = lo(segment, head);
        if (isEmpty(headLo, hi(segment, head))) {
            set(segment, head, DirEntry.withNext(lo, 0), hi);
            used++;
            return head;
        }
        int e = pop(segment);
        if (e == 0) {
            return -1;
        }
        set(segment, e, DirEntry.withNext(lo, DirEntry.next(headLo)), hi);
        set(segment, head, DirEntry.withNext(headLo, e), hi(segment, head));
        used++;
        return e;
    }

    /** Deletes every entry of the bucket's chain that {@code filter} drops; returns how many. */
    int removeIf(int segment, int bucket, Filter filter) {
        int head = bucket * BUCKET_DEPTH;
        int removed = 0;
        while (true) {
            long lo = lo(segment, head);
            short hi = hi(segment, head);
            if (isEmpty(lo, hi)) {
                return removed;
            }
            if (!filter.drop(lo, hi)) {
                break;
            }
            int next = DirEntry.next(lo);
            if (next == 0) {
                set(segment, head, 0, (short) 0);
            } else {
                set(segment, head, lo(segment, next), hi(segment, next));
                free(segment, next);
            }
            used--;
            removed++;
        }
        int prev = head;
        int e = DirEntry.next(lo(segment, head));
        for (int steps = 0; e != 0 && steps < perSegment; steps++) {
            long lo = lo(segment, e);
            int next = DirEntry.next(lo);
            if (filter.drop(lo, hi(segment, e))) {
                set(segment, prev, DirEntry.withNext(lo(segment, prev), next), hi(segment, prev));
                free(segment, e);
                used--;
                removed++;
            } else {
                prev = e;
            }
            e = next;
        }
        return removed;
    }

    private int pop(int segment) {
        int e = freeHead[segment];
        if (e != 0) {
            freeHead[segment] = DirEntry.next(lo(segment, e));
            set(segment, e, 0, (short) 0);
        }
        return e;
    }

    private void free(int segment, int entry) {
        set(segment, entry, DirEntry.withNext(0, freeHead[segment]), (short) 0);
        freeHead[segment] = entry;
    }

    boolean hasFree(int segment) {
        return freeHead[segment] != 0;
    }

    // ---------------------------------------------------------------------------------------------
    // Loading a saved copy

    /**
     * Makes the entries just copied into {@link #entries} a sound directory: follows every chain
     * (cutting it where it loops, meets another chain or reaches a head), drops entries that
     * {@code bad} rejects, and rebuilds the free lists from the entries no chain reaches.
     *
     * @return the number of non-empty entries dropped
     */
    long rebuild(Filter bad, Reporter reporter) {
        long dropped = 0;
        long count = 0;
        boolean[] reached = new boolean[perSegment];
        for (int s = 0; s < segments; s++) {
            java.util.Arrays.fill(reached, false);
            for (int b = 0; b < bucketsPerSegment; b++) {
                int head = b * BUCKET_DEPTH;
                reached[head] = true;
                long lo = lo(s, head);
                if (isEmpty(lo, hi(s, head))) {
                    if (DirEntry.next(lo) != 0 || lo != 0 || hi(s, head) != 0) {
                        reporter.dropped((long) s * perSegment + head, "an empty bucket head with other fields set");
                        set(s, head, 0, (short) 0);
                    }
                    continue;
                }
                int prev = head;
                int e = DirEntry.next(lo);
                while (e != 0) {
                    String why = e >= perSegment ? "a next index past the segment's " + perSegment + " entries"
                            : e % BUCKET_DEPTH == 0 ? "a next index naming a bucket head"
                            : reached[e] ? "a next index naming an entry already in a chain"
                            : isEmpty(lo(s, e), hi(s, e)) ? "a next index naming an empty entry" : null;
                    if (why != null) {
                        reporter.dropped((long) s * perSegment + prev, why + " (" + e + "): the chain is cut there");
                        set(s, prev, DirEntry.withNext(lo(s, prev), 0), hi(s, prev));
                        break;
                    }
                    reached[e] = true;
                    prev = e;
                    e = DirEntry.next(lo(s, e));
                }
            }
            freeHead[s] = 0;
            for (int e = perSegment - 1; e > 0; e--) {
                if (!reached[e]) {
                    if (!isEmpty(lo(s, e), hi(s, e))) {
                        reporter.dropped((long) s * perSegment + e, "an entry that no chain reaches");
                        dropped++;
                    }
                    free(s, e);
                }
            }
        }
        used = 0;
        for (int s = 0; s < segments; s++) {
            for (int b = 0; b < bucketsPerSegment; b++) {
                int segment = s;
                dropped += removeIf(s, b, (lo, hi) -> {
                    boolean drop = bad.drop(lo, hi);
                    if (drop) {
                        reporter.dropped((long) segment * perSegment, "an entry whose fields the format does not allow");
                    }
                    return drop;
                });
            }
        }
        for (int s = 0; s < segments; s++) {
            for (int e = 0; e < perSegment; e++) {
                if (!isEmpty(lo(s, e), hi(s, e))) {
                    count++;
                }
            }
        }
        used = count;
        return dropped;
    }

    // ---------------------------------------------------------------------------------------------
    // Checks for tests and verify

    /**
     * Every inconsistency of the chains and free lists: an entry in two places or in none, a free
     * entry that is not empty, a count that does not match. Empty when sound.
     */
    List<String> inconsistencies() {
        List<String> found = new ArrayList<>();
        long count = 0;
        for (int s = 0; s < segments; s++) {
            byte[] seen = new byte[perSegment];
            for (int b = 0; b < bucketsPerSegment; b++) {
                int head = b * BUCKET_DEPTH;
                seen[head]++;
                long lo = lo(s, head);
                if (isEmpty(lo, hi(s, head))) {
                    if (lo != 0) {
                        found.add("segment " + s + " bucket " + b + ": an empty head with fields set");
                    }
                    continue;
                }
                count++;
                int steps = 0;
                for (int e = DirEntry.next(lo); e != 0; e = DirEntry.next(lo(s, e))) {
                    if (e % BUCKET_DEPTH == 0 || seen[e] != 0 || ++steps > perSegment) {
                        found.add("segment " + s + " bucket " + b + ": chain reaches entry " + e + " twice or a head");
                        break;
                    }
                    if (isEmpty(lo(s, e), hi(s, e))) {
                        found.add("segment " + s + " bucket " + b + ": chain holds empty entry " + e);
                    }
                    seen[e]++;
                    count++;
                }
            }
            int steps = 0;
            for (int e = freeHead[s]; e != 0; e = DirEntry.next(lo(s, e))) {
                if (e % BUCKET_DEPTH == 0 || seen[e] != 0 || ++steps > perSegment) {
                    found.add("segment " + s + ": free list reaches entry " + e + " twice, in a chain, or a head");
                    break;
                }
                if (!isEmpty(lo(s, e), hi(s, e)) || hi(s, e) != 0 || (lo(s, e) & 0x0000_FFFF_FFFF_FFFFL) != 0) {
                    found.add("segment " + s + ": free entry " + e + " is not empty");
                }
                seen[e]++;
            }
            for (int e = 0; e < perSegment; e++) {
                if (seen[e] != 1) {
                    found.add("segment " + s + ": entry " + e + " is in " + seen[e] + " places (a chain or the free list)");
                }
            }
        }
        if (count != used) {
            found.add("used count " + used + " but " + count + " entries are in chains");
        }
        return found;
    }

    @Override
    public void close() {
        arena.close();
    }
}
