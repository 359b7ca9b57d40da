package io.mmap4j.bench;

import io.mmap4j.counters.Counter;
import io.mmap4j.counters.Counters;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.status.CountersReader;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Named counters: incrementing one held in a field, from one thread and from two threads on the
 * same counter, and finding a counter by its name among 10 or 1000.
 *
 * <p>Increments: mmap4j's {@link Counter#incrementAndGet()} against {@link AtomicLong#incrementAndGet()}
 * (the bar: within 20%) and Agrona's {@code AtomicCounter} from a {@code CountersManager} over a
 * mapped file. Agrona's comparable method is {@code increment()}: an atomic get-and-add, correct
 * with any number of writers in any number of processes, as ours is. Its
 * {@code incrementRelease()} (which {@code incrementOrdered()} calls) is a plain read and a release
 * store: cheaper, but it loses increments as soon as two threads or processes write the counter
 * (Aeron's single-writer rule). It is measured uncontended only, as peer {@code agronaRelease};
 * mmap4j has no single-writer increment.
 *
 * <p>Lookups cycle through every name, so no peer is measured on one lucky name. mmap4j's
 * {@link Counters#counter(String)} answers a known name from its per-process cache;
 * {@link Counters#find(String)} of a name no process created goes to the file's hash index every
 * time ({@code lookupAbsent}). {@code atomicLong} is what a user of plain {@code AtomicLong}s
 * keeps: a {@code ConcurrentHashMap} by name, on the heap and in one process only. Agrona's
 * {@code CountersReader} has no name index: a name is found by reading the records' labels in id
 * order, which is what this does, stopping at the first match (as good as Agrona allows:
 * {@code forEach} would decode every label); a name that is absent costs reading them all.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Baseline({"atomicLong", "agrona"})
public class CountersBenchmark {
    /** The index of the name the next lookup asks for. */
    private int next;

    private int nextName(int count) {
        int i = next < count ? next : 0;
        next = i + 1;
        return i;
    }

    /** The name of counter {@code i} in every peer's registry: realistic length, one shared prefix. */
    static String name(int i) {
        return String.format("http.server.requests.route-%04d", i);
    }

    /** A name no peer's registry holds, of the same length and prefix. */
    static String absentName(int i) {
        return String.format("http.server.requests.route-x%03d", i % 1000);
    }

    // --- increment, one thread ------------------------------------------------------------------

    @Benchmark
    public long increment_mmap4j(CountersPeer peer) {
        return peer.counter.incrementAndGet();
    }

    @Benchmark
    public long increment_atomicLong(AtomicLongPeer peer) {
        return peer.value.incrementAndGet();
    }

    @Benchmark
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public long increment_agrona(AgronaCountersPeer peer) {
        return peer.counter.increment();
    }

    /** Single writer only: not comparable with the atomic increments, here to show what atomicity costs. */
    @Benchmark
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public long increment_agronaRelease(AgronaCountersPeer peer) {
        return peer.counter.incrementRelease();
    }

    // --- increment, two threads on the same counter ---------------------------------------------

    @Benchmark
    @Threads(2)
    public long contendedIncrement_mmap4j(CountersPeer peer) {
        return peer.counter.incrementAndGet();
    }

    @Benchmark
    @Threads(2)
    public long contendedIncrement_atomicLong(AtomicLongPeer peer) {
        return peer.value.incrementAndGet();
    }

    @Benchmark
    @Threads(2)
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public long contendedIncrement_agrona(AgronaCountersPeer peer) {
        return peer.counter.increment();
    }

    // --- lookup by name -------------------------------------------------------------------------

    @Benchmark
    public Counter lookup_mmap4j(MMapRegistry registry) {
        return registry.counters.counter(registry.names[nextName(registry.count)]);
    }

    @Benchmark
    public AtomicLong lookup_atomicLong(MapRegistry registry) {
        return registry.byName.get(registry.names[nextName(registry.count)]);
    }

    @Benchmark
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public int lookup_agrona(AgronaRegistry registry) {
        return AgronaRegistry.find(registry.file.manager, registry.names[nextName(registry.count)]);
    }

    @Benchmark
    public Optional<Counter> lookupAbsent_mmap4j(MMapRegistry registry) {
        return registry.counters.find(registry.absent[nextName(registry.count)]);
    }

    @Benchmark
    public AtomicLong lookupAbsent_atomicLong(MapRegistry registry) {
        return registry.byName.get(registry.absent[nextName(registry.count)]);
    }

    @Benchmark
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public int lookupAbsent_agrona(AgronaRegistry registry) {
        return AgronaRegistry.find(registry.file.manager, registry.absent[nextName(registry.count)]);
    }

    // --- the registries: {@code count} counters named name(0) .. name(count - 1) -----------------

    /** The names every registry holds, and as many absent ones. */
    public abstract static class Registry {
        @Param({"10", "1000"})
        public int count;

        String[] names;
        String[] absent;

        void createNames() {
            names = new String[count];
            absent = new String[count];
            for (int i = 0; i < count; i++) {
                names[i] = name(i);
                absent[i] = absentName(i);
            }
        }
    }

    @State(Scope.Benchmark)
    public static class MMapRegistry extends Registry {
        Counters counters;
        private CountersFile file;

        @Setup(Level.Trial)
        public void open() throws IOException {
            PeerFlags.requireNone("mmap4j");
            createNames();
            file = CountersFile.create();
            counters = file.counters;
            for (String name : names) {
                counters.counter(name);
            }
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            file.close();
        }
    }

    @State(Scope.Benchmark)
    public static class MapRegistry extends Registry {
        final ConcurrentHashMap<String, AtomicLong> byName = new ConcurrentHashMap<>();

        @Setup(Level.Trial)
        public void fill() {
            createNames();
            for (String name : names) {
                byName.put(name, new AtomicLong());
            }
        }
    }

    @State(Scope.Benchmark)
    public static class AgronaRegistry extends Registry {
        AgronaCountersFile file;

        @Setup(Level.Trial)
        public void open() throws IOException {
            createNames();
            file = AgronaCountersFile.create(count);
            for (String name : names) {
                file.manager.allocate(name);
            }
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            file.close();
        }

        /**
         * The id of the counter labelled {@code label}, or {@link CountersReader#NULL_COUNTER_ID}:
         * records in id order, as {@code CountersReader.forEach} walks them (allocated ones are
         * read, the first never-used one ends the table), stopping at the first match.
         */
        static int find(CountersReader reader, String label) {
            for (int id = 0, max = reader.maxCounterId(); id <= max; id++) {
                int state = reader.getCounterState(id);
                if (state == CountersReader.RECORD_UNUSED) {
                    break;
                }
                if (state == CountersReader.RECORD_ALLOCATED && reader.getCounterLabel(id).equals(label)) {
                    return id;
                }
            }
            return CountersReader.NULL_COUNTER_ID;
        }
    }
}
