package io.mmap4j.bench;

import io.mmap4j.MMap;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * mmap4j's {@link MMap} over a fresh trial file, and the floor: the very {@link MemorySegment}
 * the map accesses, used with no wrapper. A fork measuring either has no access-widening flag.
 */
@State(Scope.Benchmark)
public class MMapPeer {
    MMap map;
    /** The map's own mapping: the floor measures the same memory, through the same arena. */
    MemorySegment segment;
    private Path file;

    @Setup(Level.Trial)
    public void open() throws IOException {
        PeerFlags.requireNone("mmap4j");
        file = TrialFile.create("mmap4j");
        map = MMap.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        segment = map.segment();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        map.close();
        TrialFile.delete(file);
    }
}
