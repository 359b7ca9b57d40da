/**
 * Fixed-size blocks in a mapped file, allocated and freed lock-free by many threads and processes.
 *
 * <p>The entry point is {@link io.mmap4j.blocks.BlockStorage}. The file format is specified byte
 * by byte in {@code docs/blocks-format.md}.
 */
module io.mmap4j.blocks {
    requires transitive io.mmap4j;

    exports io.mmap4j.blocks;
}
