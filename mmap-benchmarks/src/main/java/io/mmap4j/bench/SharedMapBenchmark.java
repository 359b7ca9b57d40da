package io.mmap4j.bench;

import io.mmap4j.store.SharedMap;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import net.openhft.chronicle.map.ChronicleMap;
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

/**
 * Random gets and puts of 16-byte keys with 100-byte values in a map of {@code entries} entries,
 * one thread: the workload at 10 K and 1 M keys. Every peer holds the same entries (those
 * of {@link StaticStoreLookupBenchmark}, drawn by the same xorshift sequence), built once per trial.
 *
 * <ul>
 * <li>{@code get}: a key that is there, its value returned as a new {@code byte[]} (the
 *     {@code ConcurrentHashMap} returns its stored array, uncopied: the in-memory reference);
 *     mmap4j's other read paths beside, as peers of their own: {@code mmap4jView} (a zero-copy
 *     view) and {@code mmap4jInto} (a copy into a buffer the caller reuses).</li>
 * <li>{@code put}: a key that is there gets a new 100-byte value, visible to other processes when
 *     the call returns, not forced to disk: mmap4j's {@code put} (its overwrites fill the data
 *     region, so the cost of compaction is in the figure), Chronicle Map's {@code put}, LMDB's
 *     {@code Dbi.put} in a transaction of its own with {@code MDB_NOSYNC}.</li>
 * <li>{@code entries}: 10 K and 1 M; {@code scaleDown} divides it (1000 in the smoke test).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Baseline({"concurrentHashMap", "chronicleMap", "lmdb"})
public class SharedMapBenchmark {
    static final int KEY_BYTES = StaticStoreLookupBenchmark.KEY_BYTES;
    static final int VALUE_BYTES = StaticStoreLookupBenchmark.VALUE_BYTES;

    /**
     * A map of {@code entries / scaleDown} entries, the same for every peer: made empty in a
     * directory of its own by the peer, then filled through the peer's own put.
     */
    public abstract static class Entries {
        /** How many entries: 10 K, 1 M. */
        @Param({"10000", "1000000"})
        public int entries;

        /** Divides {@code entries}: 1 for the published numbers, 1000 in the smoke test. */
        @Param("1")
        public int scaleDown;

        int count;
        Path dir;
        /** The value every put writes (its content does not matter to any peer). */
        final byte[] newValue = StaticStoreLookupBenchmark.value(-1);
        private final String peer;

        Entries(String peer) {
            this.peer = peer;
        }

        @Setup(Level.Trial)
        public void open() throws IOException {
            count = Math.max(1, entries / scaleDown);
            dir = TrialFile.createDirectory("shared-map-" + peer);
            create(dir, count);
            byte[] key = new byte[KEY_BYTES];
            for (int i = 0; i < count; i++) {
                StaticStoreLookupBenchmark.key(i, key);
                put(key.clone(), StaticStoreLookupBenchmark.value(i));
            }
        }

        /** Opens the peer's empty map in {@code dir}, sized for {@code count} entries. */
        abstract void create(Path dir, int count) throws IOException;

        abstract void put(byte[] key, byte[] value);

        @TearDown(Level.Trial)
        public void delete() throws IOException {
            close();
            TrialFile.deleteDirectory(dir);
        }

        abstract void close() throws IOException;
    }

    @State(Scope.Benchmark)
    public static class Mmap4jMap extends Entries {
        SharedMap map;
        /** Where {@code mmap4jInto} copies values. */
        final MemorySegment buffer = Arena.ofAuto().allocate(VALUE_BYTES);

        public Mmap4jMap() {
            super("mmap4j");
        }

        @Override
        void create(Path dir, int count) throws IOException {
            PeerFlags.requireNone("SharedMap");
            map = SharedMapPeers.mmap4j(dir, count, VALUE_BYTES);
        }

        @Override
        void put(byte[] key, byte[] value) {
            map.put(key, value);
        }

        @Override
        void close() {
            map.close();
        }
    }

    @State(Scope.Benchmark)
    public static class HeapMap extends Entries {
        ConcurrentHashMap<StaticStoreLookupBenchmark.HeapMap.Key, byte[]> map;

        public HeapMap() {
            super("chm");
        }

        @Override
        void create(Path dir, int count) {
            map = SharedMapPeers.concurrentHashMap(count);
        }

        @Override
        void put(byte[] key, byte[] value) {
            map.put(StaticStoreLookupBenchmark.HeapMap.Key.of(key), value);
        }

        @Override
        void close() {
            map = null;
        }
    }

    @State(Scope.Benchmark)
    public static class Chronicle extends Entries {
        ChronicleMap<byte[], byte[]> map;

        public Chronicle() {
            super("chronicle-map");
        }

        @Override
        void create(Path dir, int count) throws IOException {
            map = SharedMapPeers.chronicleMap(dir, count, KEY_BYTES, VALUE_BYTES);
        }

        @Override
        void put(byte[] key, byte[] value) {
            map.put(key, value);
        }

        @Override
        void close() {
            map.close();
        }
    }

    @State(Scope.Benchmark)
    public static class Lmdb extends Entries {
        SharedMapPeers.Lmdb lmdb;

        public Lmdb() {
            super("lmdb");
        }

        @Override
        void create(Path dir, int count) {
            lmdb = SharedMapPeers.lmdb(dir, count, VALUE_BYTES);
        }

        @Override
        void put(byte[] key, byte[] value) {
            lmdb.put(key, value);
        }

        @Override
        void close() {
            lmdb.close();
        }
    }

    // --- get -------------------------------------------------------------------------------------

    @Benchmark
    public byte[] get_mmap4j(Mmap4jMap s, StaticStoreLookupBenchmark.Probe p) {
        return s.map.get(p.hit(s.count));
    }

    @Benchmark
    public MemorySegment get_mmap4jView(Mmap4jMap s, StaticStoreLookupBenchmark.Probe p) {
        return s.map.view(p.hit(s.count));
    }

    @Benchmark
    public long get_mmap4jInto(Mmap4jMap s, StaticStoreLookupBenchmark.Probe p) {
        return s.map.get(p.hit(s.count), s.buffer);
    }

    @Benchmark
    public byte[] get_concurrentHashMap(HeapMap s, StaticStoreLookupBenchmark.Probe p) {
        return s.map.get(StaticStoreLookupBenchmark.HeapMap.Key.of(p.hit(s.count)));
    }

    @Benchmark
    @Fork(jvmArgsAppend = {PeerFlags.CHRONICLE_REFLECT, PeerFlags.CHRONICLE_NIO,
            PeerFlags.CHRONICLE_MAP_LANG, PeerFlags.CHRONICLE_MAP_JAVAC})
    public byte[] get_chronicleMap(Chronicle s, StaticStoreLookupBenchmark.Probe p) {
        return s.map.get(p.hit(s.count));
    }

    @Benchmark
    @Fork(jvmArgsAppend = {PeerFlags.LMDB_NIO, PeerFlags.LMDB_DIRECT})
    public byte[] get_lmdb(Lmdb s, StaticStoreLookupBenchmark.Probe p) {
        return s.lmdb.get(p.hit(s.count));
    }

    // --- put -------------------------------------------------------------------------------------

    @Benchmark
    public void put_mmap4j(Mmap4jMap s, StaticStoreLookupBenchmark.Probe p) {
        s.map.put(p.hit(s.count), s.newValue);
    }

    @Benchmark
    public byte[] put_concurrentHashMap(HeapMap s, StaticStoreLookupBenchmark.Probe p) {
        return s.map.put(StaticStoreLookupBenchmark.HeapMap.Key.of(p.hit(s.count)), s.newValue);
    }

    @Benchmark
    @Fork(jvmArgsAppend = {PeerFlags.CHRONICLE_REFLECT, PeerFlags.CHRONICLE_NIO,
            PeerFlags.CHRONICLE_MAP_LANG, PeerFlags.CHRONICLE_MAP_JAVAC})
    public byte[] put_chronicleMap(Chronicle s, StaticStoreLookupBenchmark.Probe p) {
        return s.map.put(p.hit(s.count), s.newValue);
    }

    @Benchmark
    @Fork(jvmArgsAppend = {PeerFlags.LMDB_NIO, PeerFlags.LMDB_DIRECT})
    public void put_lmdb(Lmdb s, StaticStoreLookupBenchmark.Probe p) {
        s.lmdb.put(p.hit(s.count), s.newValue);
    }
}
