package io.mmap4j.bench.latency;

import io.mmap4j.bench.PeerFlags;
import java.util.List;
import java.util.Locale;

/** Who maps the shared region in a ping-pong run, and the JVM flags its processes need. */
public enum Transport {
    /** mmap4j's {@code getLongAcquire}/{@code putLongRelease} on an {@code MMap}; no flags. */
    MMAP4J(List.of()),
    /** Agrona's {@code UnsafeBuffer.getLongAcquire}/{@code putLongRelease} on a mapped buffer. */
    AGRONA(List.of(PeerFlags.AGRONA)),
    /** mmap4j's {@code MappedQueue}: each slot a queue, a round trip two hand-offs; no flags. */
    QUEUE(List.of()),
    /**
     * The same queues, each end opened as its queue's {@code SINGLE_PRODUCER} or
     * {@code SINGLE_CONSUMER}: one-to-one rings; no flags.
     */
    QUEUE_ONE_TO_ONE(List.of());

    final List<String> flags;

    Transport(List<String> flags) {
        this.flags = flags;
    }

    /** Lower-case name, as on the command line and in results. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
