package io.mmap4j.content;

import java.nio.file.Path;

/** hb_cache's tests on a {@link FileSystemStore}. */
class FileSystemMessageCacheTest extends MessageCacheContract {
    @Override
    Store open(Path dir) throws Exception {
        return FileSystemStore.open(dir.resolve("cache"));
    }
}
