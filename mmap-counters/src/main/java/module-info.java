/**
 * Persistent named counters in a header-indexed file, shared by processes.
 *
 * <p>The entry point is {@link io.mmap4j.counters.Counters}. The file format is specified in
 * {@code docs/counters-format.md}; {@code io.mmap4j.counters.tool.CountersTool} is the
 * command-line {@code stat} tool.
 */
module io.mmap4j.counters {
    requires transitive io.mmap4j;

    exports io.mmap4j.counters;
}
