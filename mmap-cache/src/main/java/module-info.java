/**
 * A disk cache volume after Apache Traffic Server: {@link io.mmap4j.cache.CacheVolume}, one
 * pre-sized file written as a ring, with a compact directory in memory, copies A and B of it on
 * disk, and a recovery that never returns a torn or overwritten object. Its file format is
 * specified byte by byte in {@code docs/cache-volume-format.md}.
 */
module io.mmap4j.cache {
    requires transitive io.mmap4j;

    exports io.mmap4j.cache;
}
