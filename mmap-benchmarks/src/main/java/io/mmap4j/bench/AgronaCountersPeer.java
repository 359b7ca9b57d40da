package io.mmap4j.bench;

import java.io.IOException;
import org.agrona.concurrent.status.AtomicCounter;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** One Agrona {@link AtomicCounter} from a {@code CountersManager} over a new mapped file, held in a field. */
@State(Scope.Benchmark)
public class AgronaCountersPeer {
    AtomicCounter counter;
    private AgronaCountersFile file;

    @Setup(Level.Trial)
    public void open() throws IOException {
        file = AgronaCountersFile.create(1);
        counter = file.manager.newCounter("bench.hits");
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        counter.close();
        file.close();
    }
}
