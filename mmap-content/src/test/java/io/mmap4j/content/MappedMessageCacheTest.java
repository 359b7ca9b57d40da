package io.mmap4j.content;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmap4j.store.SharedMap;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** hb_cache's tests on the mapped backend, and {@link MessageCache#open(Path)}. */
class MappedMessageCacheTest extends MessageCacheContract {
    @Override
    Store open(Path dir) throws Exception {
        return MappedStore.open(dir.resolve("mapped"));
    }

    @Test
    void aMessagesGroupIsWrittenOnceListingItsKeysAndWritingLeavesNoDeadBytes() {
        SharedMap map = ((MappedStore) cache.store()).map();
        String id = cache.write(Map.of("a", "1", "bb", 2, "nested", Map.of("x", true)));
        assertArrayEquals(new byte[] {'G', 1, 'a', 2, 'b', 'b', 6, 'n', 'e', 's', 't', 'e', 'd'}, map.get(id),
                "the tag, then each key: its length and its UTF-8, written at once");
        for (int i = 0; i < 40; i++) { // past the names the shared groups (the root, data, packed, index/...) hold in their entries
            cache.write(message(i));
        }
        SharedMap.Stats before = map.stats();
        for (int i = 40; i < 80; i++) {
            cache.write(message(i));
        }
        SharedMap.Stats after = map.stats();
        assertEquals(before.generation() == after.generation() ? before.deadBytes() : 0, after.deadBytes(),
                "new groups list their children when made, full ones list more in new keys: nothing rewritten; "
                        + before + " then " + after);
    }

    private static Map<String, Object> message(int i) {
        return Map.of("n", i, "name", "m" + i, "tags", List.of("t" + i, "shared"), "config", Map.of("i", (long) i));
    }

    @Test
    void openIsTheMappedBackendAndVerifyOfItsDirectoryFindsIt() throws Exception {
        cache.close();
        Path path = dir.resolve("opened");
        String id;
        try (MessageCache opened = MessageCache.open(path)) {
            id = opened.write(Map.of("k", "v", "nested", Map.of("x", 1)));
            assertEquals(MappedStore.class, opened.store().getClass());
        }
        try (MessageCache again = MessageCache.open(path)) {
            assertEquals(Map.of("k", "v", "nested", Map.of("x", 1)), again.ensureAllLoaded(again.read(id).orElseThrow()));
        }
        assertEquals(List.of(), MessageCache.verify(path));
        cache = MessageCache.over(new MemoryStore());
    }
}
