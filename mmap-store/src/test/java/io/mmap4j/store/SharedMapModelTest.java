package io.mmap4j.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Long random sequences of every write and read, compared with a {@link HashMap} after each step
 * and after each close and reopen. The seed is printed; set {@code -Dsharedmap.seed=N} to replay.
 */
class SharedMapModelTest {
    @TempDir
    Path dir;

    @Test
    void randomOperationsAgreeWithAHashMapAtEveryStepAndAcrossReopens() throws Exception {
        long seed = Long.getLong("sharedmap.seed", new Random().nextLong());
        System.out.println("SharedMapModelTest seed " + seed);
        Random random = new Random(seed);
        Map<String, byte[]> model = new HashMap<>();
        SharedMap map = SharedMap.open(dir, SharedMapTest.SMALL);
        try {
            for (int step = 0; step < 40_000; step++) {
                String where = "step " + step + " of seed " + seed;
                String key = "k" + random.nextInt(step < 20_000 ? 400 : 4_000);
                byte[] keyBytes = key.getBytes(UTF_8);
                int op = random.nextInt(100);
                if (op < 35) {
                    byte[] value = value(random);
                    map.put(keyBytes, value);
                    model.put(key, value);
                } else if (op < 50) {
                    assertEquals(model.remove(key) != null, map.remove(key), where);
                } else if (op < 55) {
                    byte[] value = value(random);
                    byte[] old = model.putIfAbsent(key, value);
                    assertArrayEquals(old, map.putIfAbsent(keyBytes, value), where);
                } else if (op < 60) {
                    byte[] expected = random.nextBoolean() && model.containsKey(key) ? model.get(key) : value(random);
                    byte[] value = value(random);
                    boolean matches = Arrays.equals(model.get(key), expected);
                    if (matches) {
                        model.put(key, value);
                    }
                    assertEquals(matches, map.replace(keyBytes, expected, value), where);
                } else if (op < 66) {
                    byte[] appended = value(random);
                    byte[] result = map.compute(keyBytes, (k, old) -> old == null ? appended : old.length > 300 ? null : concat(old, appended));
                    byte[] old = model.get(key);
                    byte[] expected = old == null ? appended : old.length > 300 ? null : concat(old, appended);
                    if (expected == null) {
                        model.remove(key);
                    } else {
                        model.put(key, expected);
                    }
                    assertArrayEquals(expected, result, where);
                } else if (op < 68) {
                    List<Map.Entry<byte[], byte[]>> batch = new ArrayList<>();
                    for (int i = random.nextInt(6); i >= 0; i--) {
                        String k = "k" + random.nextInt(400);
                        byte[] v = random.nextInt(4) == 0 ? null : value(random);
                        batch.add(new java.util.AbstractMap.SimpleEntry<>(k.getBytes(UTF_8), v));
                        if (v == null) {
                            model.remove(k);
                        } else {
                            model.put(k, v);
                        }
                    }
                    map.putAll(batch);
                } else if (op < 69) {
                    map.close();
                    assertEquals(List.of(), SharedMap.verify(dir), where);
                    map = SharedMap.open(dir);
                    compareAll(model, map, where);
                } else {
                    assertArrayEquals(model.get(key), map.get(key), where);
                    MemorySegment view = map.view(keyBytes);
                    assertEquals(model.containsKey(key), view != null, where);
                }
                assertArrayEquals(model.get(key), map.get(keyBytes), where);
                assertEquals(model.size(), map.size(), where);
                if (step % 2_000 == 0) {
                    compareAll(model, map, where);
                }
            }
            compareAll(model, map, "the end of seed " + seed);
            assertTrue(map.stats().generation() > 20, "the sequence made the map rewrite: " + map.stats());
        } finally {
            map.close();
        }
        assertEquals(List.of(), SharedMap.verify(dir));
    }

    private static byte[] value(Random random) {
        byte[] value = new byte[random.nextInt(10) == 0 ? random.nextInt(5_000) : random.nextInt(60)];
        random.nextBytes(value);
        return value;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static void compareAll(Map<String, byte[]> model, SharedMap map, String where) {
        Map<String, byte[]> all = map.getAll(Codec.utf8(), Codec.bytes());
        assertEquals(model.keySet(), all.keySet(), where);
        for (Map.Entry<String, byte[]> entry : model.entrySet()) {
            assertArrayEquals(entry.getValue(), all.get(entry.getKey()), where + ", key " + entry.getKey());
        }
        long iterated = 0;
        for (SharedMap.Entry entry : map) {
            assertArrayEquals(model.get(entry.keyString()), entry.value().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), where);
            iterated++;
        }
        assertEquals(model.size(), iterated, where);
    }
}
