package io.mmap4j.bench;

import io.mmap4j.counters.Counter;
import java.io.IOException;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One mmap4j {@link Counter} in a new counters file, looked up once and then held in a field, as
 * the {@code Counters} Javadoc tells users to hold a hot counter. A fork measuring it has no
 * access-widening flag.
 */
@State(Scope.Benchmark)
public class CountersPeer {
    Counter counter;
    private CountersFile file;

    @Setup(Level.Trial)
    public void open() throws IOException {
        PeerFlags.requireNone("mmap4j");
        file = CountersFile.create();
        counter = file.counters.counter("bench.hits");
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        file.close();
    }
}
