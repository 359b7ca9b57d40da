package io.mmap4j.content;

import java.nio.file.Path;

/** hb_cache's tests on a chain: a memory tier before a file-system store. */
class ChainMessageCacheTest extends MessageCacheContract {
    @Override
    Store open(Path dir) throws Exception {
        return StoreChain.of(new MemoryStore(), FileSystemStore.open(dir.resolve("cache")));
    }
}
