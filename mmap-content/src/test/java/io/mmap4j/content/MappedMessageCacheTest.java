package io.mmap4j.content;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
