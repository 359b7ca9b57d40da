/** Persistent named counters in a header-indexed file, shared by processes. */
module io.mmap4j.counters {
    requires transitive io.mmap4j;
}
