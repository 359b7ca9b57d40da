package io.mmap4j.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.cache.CacheVolume.Options;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random operations against a reference map. With room for everything the volume must
 * answer exactly as the map; in a volume too small for it, a get returns the latest value or
 * nothing, never an older one. The directory's chains and free lists are checked after every operation.
 */
class CacheVolumeModelTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void withRoomForEverythingTheVolumeIsTheMap(long seed) throws IOException {
        run(seed, 64L << 20, 300, 3000, true);
    }

    @ParameterizedTest
    @ValueSource(longs = {4, 5, 6})
    void tooSmallTheVolumeReturnsTheLatestValueOrNothing(long seed) throws IOException {
        run(seed, 3L << 20, 400, 40_000, false);
    }

    private void run(long seed, long size, int keys, int maxLength, boolean exact) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        Path path = dir.resolve("model-" + seed);
        // A small average object: the directory fills too, and full buckets evict their oldest.
        Options options = Options.DEFAULT.withSyncInterval(Duration.ZERO).withAggregationBytes(64 << 10)
                .withAverageObjectBytes(exact ? 4096 : 16_384);
        Map<Integer, Long> model = new HashMap<>();
        Map<Integer, Integer> lengths = new HashMap<>();
        long version = 0;
        CacheVolume v = CacheVolume.open(path, size, options);
        try {
            for (int op = 0; op < 3000; op++) {
                int k = r.nextInt(keys);
                int choice = r.nextInt(100);
                if (choice < 45) {
                    int length = r.nextInt(maxLength);
                    v.set(Values.key(k), Values.value(k, ++version, length));
                    model.put(k, version);
                    lengths.put(k, Math.max(Values.PREFIX, length));
                } else if (choice < 85) {
                    byte[] got = v.get(Values.key(k));
                    Long expected = model.get(k);
                    if (exact || got != null) {
                        if (expected == null) {
                            assertNull(got, "key " + k);
                        } else {
                            assertArrayEquals(Values.value(k, expected, lengths.get(k)), got, "key " + k + " op " + op);
                        }
                    }
                } else if (choice < 93) {
                    boolean removed = v.remove(Values.key(k));
                    if (exact) {
                        assertEquals(model.containsKey(k), removed, "key " + k);
                    }
                    model.remove(k);
                } else if (choice < 97) {
                    boolean contains = v.contains(Values.key(k));
                    if (exact && model.containsKey(k)) {
                        assertTrue(contains, "key " + k);
                    } else if (exact && contains) {
                        // Another key in its bucket shares its 12-bit tag (the volume's hash key is
                        // random): contains may say true, as documented, and a get then misses.
                        assertNull(v.get(Values.key(k)), "key " + k + ", absent, but contains said true");
                    }
                } else if (choice < 99) {
                    v.flush();
                } else {
                    v.close();
                    v = CacheVolume.open(path, size, options);
                    assertTrue(v.recovery().clean());
                }
                List<String> problems = CacheVolumeTest.volumeOf(v).dir.inconsistencies();
                assertEquals(List.of(), problems, "after op " + op);
            }
            if (exact) {
                assertEquals(model.size(), v.stats().objects());
            }
            assertEquals(0, v.stats().corruptDropped());
        } finally {
            v.close();
        }
        assertEquals(size, Files.size(path), "no write ran past the data region");
        assertEquals(List.of(), CacheVolume.verify(path));
    }
}
