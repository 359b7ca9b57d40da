package io.mmap4j.bench;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** Agrona's {@link UnsafeBuffer} over the file mapped the Agrona way ({@link IoUtil#mapExistingFile}). */
@State(Scope.Benchmark)
public class AgronaPeer {
    UnsafeBuffer buffer;
    private MappedByteBuffer mapped;
    private Path file;

    @Setup(Level.Trial)
    public void open() throws IOException {
        file = TrialFile.create("agrona");
        mapped = IoUtil.mapExistingFile(file.toFile(), "agrona benchmark");
        buffer = new UnsafeBuffer(mapped);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        IoUtil.unmap(mapped);
        TrialFile.delete(file);
    }
}
