package io.mmap4j.bench;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The plain JDK before FFM: a {@link MappedByteBuffer} from {@code FileChannel.map}, atomics through
 * {@link MethodHandles#byteBufferViewVarHandle}. The JDK offers no way to unmap it; the garbage
 * collector does, some time after the trial.
 */
@State(Scope.Benchmark)
public class MappedBufferPeer {
    /** Coordinates (ByteBuffer, int byte index); little-endian like mmap4j. */
    static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** A {@code MappedByteBuffer}, typed as the VarHandle's coordinate so its calls are exact. */
    ByteBuffer buffer;
    private Path file;

    @Setup(Level.Trial)
    public void open() throws IOException {
        file = TrialFile.create("bytebuffer");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            buffer = channel.map(FileChannel.MapMode.READ_WRITE, 0, TrialFile.SIZE);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        buffer = null;
        TrialFile.delete(file);
    }
}
