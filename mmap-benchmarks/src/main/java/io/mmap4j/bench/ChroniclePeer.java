package io.mmap4j.bench;

import java.io.IOException;
import java.nio.file.Path;
import net.openhft.chronicle.bytes.MappedBytes;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Chronicle Bytes' {@link MappedBytes} over the file, in its fastest form: one mapping of the whole
 * file ({@code singleMappedBytes}) rather than chunks.
 */
@State(Scope.Benchmark)
public class ChroniclePeer {
    MappedBytes bytes;
    private Path file;

    @Setup(Level.Trial)
    public void open() throws IOException {
        file = TrialFile.create("chronicle");
        bytes = MappedBytes.singleMappedBytes(file.toFile(), TrialFile.SIZE);
        // The contended benchmarks share it between two threads, which Chronicle refuses by default.
        bytes.singleThreadedCheckDisabled(true);
        // Absolute reads stop at the read limit (the write position), which starts at 0.
        bytes.writePosition(TrialFile.SIZE);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        bytes.releaseLast();
        TrialFile.delete(file);
    }
}
