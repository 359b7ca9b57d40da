package io.mmap4j.content;

import java.nio.file.Path;

/** The store contract on {@link MemoryStore}. */
class MemoryStoreTest extends StoreContract {
    @Override
    Store open(Path dir) {
        return new MemoryStore();
    }
}
