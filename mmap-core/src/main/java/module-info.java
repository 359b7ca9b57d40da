/**
 * Memory-mapped files and named shared memory on the Foreign Function and Memory API.
 *
 * <p>The entry point is {@link io.mmap4j.MMap}.
 */
// The store modules are compiled after this one, so javac cannot see them here ("module not found").
@SuppressWarnings("module")
module io.mmap4j {
    exports io.mmap4j;
    // Helpers the store modules share; not API.
    exports io.mmap4j.internal to io.mmap4j.counters, io.mmap4j.store, io.mmap4j.queue, io.mmap4j.cache;
}
