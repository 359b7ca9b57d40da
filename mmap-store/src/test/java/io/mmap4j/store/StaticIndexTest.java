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
                StaticIndexBuilder.Result result = builder.build(index, slots, (a, b) -> false);
                assertEquals(KEYS, result.entries());

                long displacements = 0;
                long maxDisplacement = 0;
                for (long slot = 0; slot < slots; slot++) {
                    long record = index.get(SLOT_LONG, slot * SLOT_BYTES + 8);
                    if (record != 0) {
                        long d = StaticFormat.displacement(slot, index.get(SLOT_LONG, slot * SLOT_BYTES), slots);
                        displacements += d;
                        maxDisplacement = Math.max(maxDisplacement, d);
                        long next = slot + 1 == slots ? 0 : slot + 1;
                        if (index.get(SLOT_LONG, next * SLOT_BYTES + 8) != 0) {
                            long nextHome = StaticFormat.home(index.get(SLOT_LONG, next * SLOT_BYTES), slots);
                            long home = StaticFormat.home(index.get(SLOT_LONG, slot * SLOT_BYTES), slots);
                            assertTrue(StaticFormat.displacement(next, index.get(SLOT_LONG, next * SLOT_BYTES), slots) <= d + 1,
                                    "a run is sorted by home: slot " + slot + " home " + home + ", next home " + nextHome);
                        }
                    }
                }
                assertEquals(maxDisplacement, result.maxDisplacement());
                for (int i = 0; i < KEYS; i += 997) {
                    assertEquals(4096 + 8L * i, find(index, slots, maxDisplacement, hashes[i]), "hash " + i);
                }

                long robinHoodReads = 0;
                long linearReads = 0;
                int misses = 200_000;
                for (int i = 0; i < misses; i++) {
                    long hash = random.nextLong();
                    robinHoodReads += missReads(index, slots, maxDisplacement, hash, true);
                    linearReads += missReads(index, slots, maxDisplacement, hash, false);
                }
                System.out.printf("load %.2f (%,d slots, %.1f bytes a key): displacement mean %.2f, max %d;"
                        + " slots read by a miss: %.2f with the Robin Hood stop, %.2f to the first empty slot%n",
                        (double) KEYS / slots, slots, (double) slots * SLOT_BYTES / KEYS, (double) displacements / KEYS,
                        maxDisplacement, (double) robinHoodReads / misses, (double) linearReads / misses);
                if (load == 0.75) {
                    assertTrue(maxDisplacement < 40, "longest walk at 0.75: " + maxDisplacement);
                    assertTrue(robinHoodReads < 3.5 * misses, "a miss reads few slots: " + (double) robinHoodReads / misses);
                }
            }
        }
    }

    /** The lookup's walk, on hashes only: the record offset of {@code hash}, or -1. */
    private static long find(MemorySegment index, long slots, long maxDisplacement, long hash) {
        long slot = StaticFormat.home(hash, slots);
        for (long d = 0; d <= maxDisplacement; d++) {
            long record = index.get(SLOT_LONG, slot * SLOT_BYTES + 8);
            long slotHash = index.get(SLOT_LONG, slot * SLOT_BYTES);
            if (record == 0 || (slotHash != hash && StaticFormat.displacement(slot, slotHash, slots) < d)) {
                return -1;
            }
            if (slotHash == hash) {
                return record;
            }
            slot = slot + 1 == slots ? 0 : slot + 1;
        }
        return -1;
    }

    /** Slots a lookup of an absent hash reads: to the Robin Hood stop, or to the first empty slot. */
    private static long missReads(MemorySegment index, long slots, long maxDisplacement, long hash, boolean robinHood) {
        long slot = StaticFormat.home(hash, slots);
        for (long d = 0; ; d++) {
            long record = index.get(SLOT_LONG, slot * SLOT_BYTES + 8);
            if (record == 0) {
                return d + 1;
            }
            if (robinHood && (d == maxDisplacement
                    || StaticFormat.displacement(slot, index.get(SLOT_LONG, slot * SLOT_BYTES), slots) < d)) {
                return d + 1;
            }
            slot = slot + 1 == slots ? 0 : slot + 1;
        }
    }
}
