package io.mmap4j.store;

import static io.mmap4j.store.StaticFormat.SLOT_BYTES;
import static io.mmap4j.store.StaticFormat.SLOT_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The Robin Hood index on a million random hashes: every entry is found, runs stay sorted by home,
 * and walks stay short. Prints the figures that {@code docs/static-store-format.md} quotes (mean
 * and longest displacement, slots read by a miss with the Robin Hood stop and without it).
 */
class StaticIndexTest {
    private static final int KEYS = 1_000_000;

    @Test
    void aMillionHashesAtEachLoadFactor() throws Exception {
        long dataEnd = 4096 + 8L * KEYS; // records 8 bytes apart: the offsets take 20 bits of a slot
        long mask = StaticFormat.fingerprintMask(dataEnd);
        assertEquals(-1L << 20, mask);
        for (double load : new double[] {0.5, 0.75, 0.9}) {
            long slots = StaticFormat.slotsFor(KEYS, load);
            try (Arena arena = Arena.ofConfined(); StaticIndexBuilder builder = new StaticIndexBuilder()) {
                MemorySegment index = arena.allocate(slots * SLOT_BYTES, 8);
                SplittableRandom random = new SplittableRandom(load == 0.5 ? 1 : load == 0.75 ? 2 : 3);
                long[] hashes = new long[KEYS];
                for (int i = 0; i < KEYS; i++) {
                    hashes[i] = random.nextLong();
                    builder.add(hashes[i], 4096 + 8L * i);
                }
                StaticIndexBuilder.Result result = builder.build(index, slots, mask, (a, b) -> false);
                assertEquals(KEYS, result.entries());

                long displacements = 0;
                long maxDisplacement = 0;
                for (long slot = 0; slot < slots; slot++) {
                    long word = index.get(SLOT_LONG, slot * SLOT_BYTES);
                    if (word != 0) {
                        long d = StaticFormat.displacement(slot, word & mask, slots);
                        displacements += d;
                        maxDisplacement = Math.max(maxDisplacement, d);
                        long next = slot + 1 == slots ? 0 : slot + 1;
                        long nextWord = index.get(SLOT_LONG, next * SLOT_BYTES);
                        if (nextWord != 0) {
                            assertTrue(StaticFormat.displacement(next, nextWord & mask, slots) <= d + 1,
                                    "a run is sorted by home: slot " + slot + " home " + StaticFormat.home(word & mask, slots)
                                            + ", next home " + StaticFormat.home(nextWord & mask, slots));
                        }
                    }
                }
                assertEquals(maxDisplacement, result.maxDisplacement());
                for (int i = 0; i < KEYS; i += 997) {
                    assertEquals(4096 + 8L * i, find(index, slots, mask, maxDisplacement, hashes[i]), "hash " + i);
                }

                long robinHoodReads = 0;
                long robinHoodLines = 0;
                long linearReads = 0;
                int misses = 200_000;
                for (int i = 0; i < misses; i++) {
                    long hash = random.nextLong();
                    long reads = missReads(index, slots, mask, maxDisplacement, hash, true);
                    robinHoodReads += reads;
                    long first = StaticFormat.home(hash & mask, slots) * SLOT_BYTES;
                    robinHoodLines += (first + reads * SLOT_BYTES - 1) / 64 - first / 64 + 1;
                    linearReads += missReads(index, slots, mask, maxDisplacement, hash, false);
                    assertEquals(-1, find(index, slots, mask, maxDisplacement, hash),
                            "a hash never added (the random sequence is seeded, so this is the same every run)");
                }
                System.out.printf("load %.2f (%,d slots, %.1f bytes a key): displacement mean %.2f, max %d;"
                        + " a miss reads %.2f slots (%.2f cache lines) with the Robin Hood stop, %.2f to the first empty slot%n",
                        (double) KEYS / slots, slots, (double) slots * SLOT_BYTES / KEYS, (double) displacements / KEYS,
                        maxDisplacement, (double) robinHoodReads / misses, (double) robinHoodLines / misses,
                        (double) linearReads / misses);
                if (load == 0.75) {
                    assertTrue(maxDisplacement < 40, "longest walk at 0.75: " + maxDisplacement);
                    assertTrue(robinHoodReads < 3.5 * misses, "a miss reads few slots: " + (double) robinHoodReads / misses);
                    assertTrue(robinHoodLines < 1.5 * misses, "a miss reads one cache line or two: "
                            + (double) robinHoodLines / misses);
                }
            }
        }
    }

    /** The lookup's walk, on fingerprints only: the record offset of {@code hash}, or -1. */
    private static long find(MemorySegment index, long slots, long mask, long maxDisplacement, long hash) {
        long fingerprint = hash & mask;
        long slot = StaticFormat.home(fingerprint, slots);
        for (long d = 0; d <= maxDisplacement; d++) {
            long word = index.get(SLOT_LONG, slot * SLOT_BYTES);
            if (word == 0 || ((word & mask) != fingerprint && StaticFormat.displacement(slot, word & mask, slots) < d)) {
                return -1;
            }
            if ((word & mask) == fingerprint) {
                return StaticFormat.record(word, mask);
            }
            slot = slot + 1 == slots ? 0 : slot + 1;
        }
        return -1;
    }

    /** Slots a lookup of an absent hash reads: to the Robin Hood stop, or to the first empty slot. */
    private static long missReads(MemorySegment index, long slots, long mask, long maxDisplacement, long hash,
                                  boolean robinHood) {
        long slot = StaticFormat.home(hash & mask, slots);
        for (long d = 0; ; d++) {
            long word = index.get(SLOT_LONG, slot * SLOT_BYTES);
            if (word == 0) {
                return d + 1;
            }
            if (robinHood && (d == maxDisplacement || StaticFormat.displacement(slot, word & mask, slots) < d)) {
                return d + 1;
            }
            slot = slot + 1 == slots ? 0 : slot + 1;
        }
    }
}
