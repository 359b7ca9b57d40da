package io.mmap4j.store;

import static io.mmap4j.store.StaticFormat.SLOT_BYTES;
import static io.mmap4j.store.StaticFormat.SLOT_LONG;
import static io.mmap4j.store.StaticFormat.displacement;
import static io.mmap4j.store.StaticFormat.home;
import static io.mmap4j.store.StaticFormat.record;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The writer's side of the index: the (hash, record offset) of every record put, kept in native
 * memory (16 bytes a record, never on the Java heap), then laid out at close as a Robin Hood hash
 * table of one-word slots (the hash's fingerprint over the record's offset, see
 * {@link StaticFormat#slot}) in the file's index region.
 *
 * <p>Robin Hood insertion: an entry walks forward from its home slot and takes the place of the
 * first entry that is closer to its own home, which then walks on. The result keeps the entries
 * of a run ordered by home slot, so a lookup stops at the first entry closer to home than itself,
 * and the longest walk (the max displacement, in the header) bounds every lookup.
 */
final class StaticIndexBuilder implements AutoCloseable {
    /** Pairs per chunk of native memory: 1 MiB. */
    private static final int CHUNK_PAIRS = 1 << 16;
    /** A pair of the writer's list: a hash and a record offset. */
    private static final int PAIR_BYTES = 16;

    /** Whether two records hold the same key. */
    interface KeyEquality {
        boolean sameKey(long record, long otherRecord) throws IOException;
    }

    /**
     * What building found.
     *
     * @param maxDisplacement the longest distance of an entry from its home slot
     * @param entries         the keys placed
     * @param replaced        records whose key a later record has again: no slot names them
     */
    record Result(long maxDisplacement, long entries, long[] replaced) {
    }

    private final Arena arena = Arena.ofShared();
    private final List<MemorySegment> chunks = new ArrayList<>();
    private long count;

    /** Adds a record's hash and offset. */
    void add(long hash, long record) {
        int inChunk = (int) (count % CHUNK_PAIRS);
        if (inChunk == 0) {
            chunks.add(arena.allocate((long) CHUNK_PAIRS * PAIR_BYTES, Long.BYTES));
        }
        MemorySegment chunk = chunks.getLast();
        chunk.set(SLOT_LONG, inChunk * (long) PAIR_BYTES, hash);
        chunk.set(SLOT_LONG, inChunk * (long) PAIR_BYTES + 8, record);
        count++;
    }

    /** The records added. */
    long count() {
        return count;
    }

    /**
     * Places every record added into {@code index}, {@code slots} slots of zeros, in the order
     * they were added, each slot the fingerprint ({@code fingerprintMask}'s bits of the hash) over
     * the record's offset in 8s. Two records with equal fingerprints are compared with
     * {@code keys}; if they hold the same key, the later one (the larger offset) takes the slot:
     * the last put wins.
     */
    Result build(MemorySegment index, long slots, long fingerprintMask, KeyEquality keys) throws IOException {
        long maxDisplacement = 0;
        long entries = 0;
        long[] replaced = new long[0];
        int replacedCount = 0;
        for (long i = 0; i < count; i++) {
            MemorySegment chunk = chunks.get((int) (i / CHUNK_PAIRS));
            long at = (i % CHUNK_PAIRS) * PAIR_BYTES;
            long walking = StaticFormat.slot(chunk.get(SLOT_LONG, at), chunk.get(SLOT_LONG, at + 8), fingerprintMask);
            long slot = home(walking & fingerprintMask, slots);
            long distance = 0;
            boolean fresh = true; // the entry walking is the one added, not one it displaced
            while (true) {
                long slotAt = slot * SLOT_BYTES;
                long occupant = index.get(SLOT_LONG, slotAt);
                if (occupant == 0) {
                    index.set(SLOT_LONG, slotAt, walking);
                    maxDisplacement = Math.max(maxDisplacement, distance);
                    entries++;
                    break;
                }
                long occupantFingerprint = occupant & fingerprintMask;
                // Equal keys have equal homes, so a fresh entry meets its twin before it displaces anything.
                if (fresh && occupantFingerprint == (walking & fingerprintMask)
                        && keys.sameKey(record(occupant, fingerprintMask), record(walking, fingerprintMask))) {
                    index.set(SLOT_LONG, slotAt, walking);
                    if (replacedCount == replaced.length) {
                        replaced = Arrays.copyOf(replaced, Math.max(8, 2 * replacedCount));
                    }
                    replaced[replacedCount++] = record(occupant, fingerprintMask);
                    break;
                }
                long occupantDistance = displacement(slot, occupantFingerprint, slots);
                if (occupantDistance < distance) {
                    index.set(SLOT_LONG, slotAt, walking);
                    maxDisplacement = Math.max(maxDisplacement, distance);
                    walking = occupant;
                    distance = occupantDistance;
                    fresh = false;
                }
                slot = slot + 1 == slots ? 0 : slot + 1;
                distance++;
            }
        }
        return new Result(maxDisplacement, entries, Arrays.copyOf(replaced, replacedCount));
    }

    /** Frees the native memory. */
    @Override
    public void close() {
        arena.close();
    }
}
