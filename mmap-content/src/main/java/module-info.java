/**
 * A content-addressed message store after HyperBEAM's {@code hb_cache}, over the small key-value
 * contract of {@code hb_store}.
 *
 * <p>{@link io.mmap4j.content.Store} is the contract (values, groups and links at
 * {@code /}-separated paths) with memory and file-system backends and a chain of stores with access
 * policies; {@link io.mmap4j.content.MessageCache} stores messages (maps of binaries, strings,
 * numbers, nested messages and lists) in any store, each binary once, every message under the
 * SHA-256 of its canonical encoding, specified byte by byte in {@code docs/message-format.md}.
 */
module io.mmap4j.content {
    requires transitive io.mmap4j.store;

    exports io.mmap4j.content;
}
