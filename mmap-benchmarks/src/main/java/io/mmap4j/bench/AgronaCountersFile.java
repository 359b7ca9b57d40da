package io.mmap4j.bench;

import static org.agrona.concurrent.status.CountersReader.COUNTER_LENGTH;
import static org.agrona.concurrent.status.CountersReader.METADATA_LENGTH;

import java.io.Closeable;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * Agrona's counters over a mapped file, laid out as Aeron's CnC file lays them out: the metadata
 * records (type, key, label; {@value CountersReader#METADATA_LENGTH} bytes each), then the values
 * ({@value CountersReader#COUNTER_LENGTH} bytes each, so no two share a cache line). The file is
 * zeroed, which is what {@link CountersManager} takes for "no counter here".
 */
final class AgronaCountersFile implements Closeable {
    final CountersManager manager;
    private final MappedByteBuffer mapped;
    private final Path file;

    private AgronaCountersFile(CountersManager manager, MappedByteBuffer mapped, Path file) {
        this.manager = manager;
        this.mapped = mapped;
        this.file = file;
    }

    /** A new file with room for {@code capacity} counters, mapped the Agrona way. */
    static AgronaCountersFile create(int capacity) throws IOException {
        int metadata = capacity * METADATA_LENGTH;
        int values = capacity * COUNTER_LENGTH;
        Path file = TrialFile.createZeroed("agrona-counters", metadata + values);
        MappedByteBuffer mapped = IoUtil.mapExistingFile(file.toFile(), "agrona counters benchmark");
        CountersManager manager = new CountersManager(new UnsafeBuffer(mapped, 0, metadata),
                new UnsafeBuffer(mapped, metadata, values), StandardCharsets.UTF_8);
        return new AgronaCountersFile(manager, mapped, file);
    }

    @Override
    public void close() throws IOException {
        IoUtil.unmap(mapped);
        TrialFile.delete(file);
    }
}
