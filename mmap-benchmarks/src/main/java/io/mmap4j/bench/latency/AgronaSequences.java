package io.mmap4j.bench.latency;

import java.nio.MappedByteBuffer;
import java.nio.file.Path;
import java.util.function.Function;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

/** The ping-pong sequences in an Agrona {@link UnsafeBuffer} over the mapped region. */
final class AgronaSequences implements SequenceMemory {
    private final UnsafeBuffer buffer;

    private AgronaSequences(UnsafeBuffer buffer) {
        this.buffer = buffer;
    }

    /** Maps {@code file} the Agrona way, runs {@code use} on it, and unmaps it. */
    static <T> T withMapped(Path file, Function<SequenceMemory, T> use) {
        MappedByteBuffer mapped = IoUtil.mapExistingFile(file.toFile(), "ping-pong region");
        try {
            return use.apply(new AgronaSequences(new UnsafeBuffer(mapped)));
        } finally {
            IoUtil.unmap(mapped);
        }
    }

    @Override
    public long getAcquire(long offset) {
        return buffer.getLongAcquire((int) offset);
    }

    @Override
    public void putRelease(long offset, long value) {
        buffer.putLongRelease((int) offset, value);
    }
}
