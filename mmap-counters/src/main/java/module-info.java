/**
 * Persistent named counters in a header-indexed file, shared by processes.
 *
 * <p>The entry point is {@link io.mmap4j.counters.Counters}. The file format is specified in
 * {@code docs/counters-format.md}; the command-line tool {@code mmap4j} (module {@code mmap-cli})
 * shows and checks counters files.
 */
module io.mmap4j.counters {
    requires transitive io.mmap4j;

    exports io.mmap4j.counters;
}
