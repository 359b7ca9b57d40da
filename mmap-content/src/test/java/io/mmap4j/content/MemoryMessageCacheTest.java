package io.mmap4j.content;

import java.nio.file.Path;

/** hb_cache's tests on a {@link MemoryStore}. */
class MemoryMessageCacheTest extends MessageCacheContract {
    @Override
    Store open(Path dir) {
        return new MemoryStore();
    }
}
