package io.mmap4j.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** The oldest positional I/O: {@code seek} then {@code read}/{@code write}, two system calls. */
@State(Scope.Benchmark)
public class RandomAccessFilePeer {
    RandomAccessFile file;
    private Path path;

    @Setup(Level.Trial)
    public void open() throws IOException {
        path = TrialFile.create("raf");
        file = new RandomAccessFile(path.toFile(), "rw");
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        file.close();
        TrialFile.delete(path);
    }
}
