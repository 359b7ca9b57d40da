package io.mmap4j.bench.latency;

import io.mmap4j.MMap;

/**
 * What ping-pong needs from memory shared between processes: a long read with acquire and a long
 * write with release semantics. A release write publishes everything the writer did before it to
 * any process whose acquire read sees the value; on x86-64 both are plain moves the JIT may not
 * reorder, so a round trip costs two cache-line transfers and nothing more.
 */
public interface SequenceMemory {
    /** Reads the long at {@code offset} with acquire semantics. */
    long getAcquire(long offset);

    /** Writes the long at {@code offset} with release semantics. */
    void putRelease(long offset, long value);

    /** The sequences in an mmap4j map. */
    static SequenceMemory of(MMap map) {
        return new SequenceMemory() {
            @Override
            public long getAcquire(long offset) {
                return map.getLongAcquire(offset);
            }

            @Override
            public void putRelease(long offset, long value) {
                map.putLongRelease(offset, value);
            }
        };
    }
}
