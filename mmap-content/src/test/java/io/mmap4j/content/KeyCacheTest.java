package io.mmap4j.content;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The loader's cache of decoded keys: found only by exactly their bytes, wherever those lie. */
class KeyCacheTest {
    private final KeyCache keys = new KeyCache();

    /** {@code key}'s UTF-8 at byte 3 of a larger segment, as a key lies in a packed value. */
    private static MemorySegment at3(String key) {
        byte[] utf8 = key.getBytes(UTF_8);
        byte[] b = new byte[utf8.length + 6];
        System.arraycopy(utf8, 0, b, 3, utf8.length);
        return MemorySegment.ofArray(b);
    }

    private String find(String key) {
        return keys.find(at3(key), 3, key.getBytes(UTF_8).length);
    }

    private void put(String key) {
        keys.put(at3(key), 3, key.getBytes(UTF_8).length, key);
    }

    @Test
    void aKeyPutIsFoundByItsBytesAnywhereAsTheSameString() {
        assertNull(find("config"));
        String config = new String("config".toCharArray());
        put(config);
        assertSame(config, find("config"));
        put("clé");
        assertEquals("clé", find("clé"));
    }

    @Test
    void otherBytesAreAMissEvenOfTheSameLengthAndEnds() {
        put("index");
        assertNull(find("inbex"), "same length, first, middle and last bytes: compared whole");
        assertNull(find("indexx"));
        assertNull(find("inde"));
        assertNull(find(""));
    }

    @Test
    void aKeyLongerThanTheLimitIsNotKept() {
        String longKey = "k".repeat(KeyCache.MAX_BYTES + 1);
        put(longKey);
        assertNull(find(longKey));
        String atLimit = "k".repeat(KeyCache.MAX_BYTES);
        put(atLimit);
        assertEquals(atLimit, find(atLimit));
    }

    @Test
    void messagesSharingKeysReadBackExactlyThroughTheCache() {
        try (MessageCache cache = MessageCache.over(new MemoryStore())) {
            for (int i = 0; i < 300; i++) { // more keys than the cache has lines: lines replaced
                Map<String, Object> message = Map.of("k" + i, i, "name", "m" + i, "é" + (i % 7), List.of("x"),
                        "nested", Map.of("k" + (i + 1), "v"));
                String id = cache.write(message);
                MessageCacheContract.assertSameValue(message, cache.ensureAllLoaded(cache.read(id).orElseThrow()));
            }
        }
    }
}
