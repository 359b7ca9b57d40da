/**
 * A persistent, bounded, multi-producer multi-consumer queue of byte records in one mapped file,
 * shared by every thread and process that opens it: {@link io.mmap4j.queue.MappedQueue}. Its file
 * format is specified byte by byte in {@code docs/queue-format.md}.
 */
module io.mmap4j.queue {
    requires transitive io.mmap4j;

    exports io.mmap4j.queue;
}
