package io.mmap4j.bench;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** Positional I/O through system calls: {@code FileChannel.read(buffer, position)} is one {@code pread}. */
@State(Scope.Benchmark)
public class FileChannelPeer {
    FileChannel channel;
    private Path file;

    @Setup(Level.Trial)
    public void open() throws IOException {
        file = TrialFile.create("filechannel");
        channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        channel.close();
        TrialFile.delete(file);
    }
}
