/**
 * Memory-mapped files and named shared memory on the Foreign Function and Memory API.
 *
 * <p>The entry point is {@link io.mmap4j.MMap}.
 */
module io.mmap4j {
    exports io.mmap4j;
}
