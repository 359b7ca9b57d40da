package io.mmap4j.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mmap4j.store.Codec;
import io.mmap4j.store.SharedMap;
import io.mmap4j.store.TypedSharedMap;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import net.openhft.chronicle.map.ChronicleMap;
import org.lmdbjava.CursorIterable;
import org.lmdbjava.KeyRange;
import org.lmdbjava.Txn;
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
 * ModuleStore's own benchmark: a {@code String → String} map of 100 keys ({@code "key-0"} to
 * {@code "key-99"}, values {@code "value-0"} ...), one thread: a get of a key that is there
 * ({@code probe=hit}), a get of one that is not ({@code probe=miss}, {@code "absent-<i>"}), and
 * {@code getAll} (every entry into a new {@code HashMap}). Keys cycle through the 100 in a fixed
 * order. Every peer returns a {@code String} (ModuleStore's reads return the term itself, so the
 * heap map returns its stored string), or null for a miss, except mmap4j's other read paths,
 * measured beside as peers of their own: {@code mmap4jCopy} (the untyped {@code get(String)}, a
 * copy decoded into a new {@code String}: the typed read without its cache), {@code mmap4jView}
 * (a zero-copy view of the value) and {@code mmap4jInto} (the value copied into a buffer the
 * caller reuses; returns its length, -1 for a miss).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Baseline({"concurrentHashMap", "chronicleMap", "lmdb"})
public class SharedMapModuleStoreBenchmark {
    static final int KEYS = 100;
    static final String[] HITS = new String[KEYS];
    static final String[] MISSES = new String[KEYS];

    static {
        for (int i = 0; i < KEYS; i++) {
            HITS[i] = "key-" + i;
            MISSES[i] = "absent-" + i;
        }
    }

    static String value(int i) {
        return "value-" + i;
    }

    /** The keys a get looks up, in turn: the 100 keys of the map, or 100 it does not have. */
    @State(Scope.Thread)
    public static class Probe {
        /** {@code hit}: keys of the map; {@code miss}: keys it does not have. */
        @Param({"hit", "miss"})
        public String probe;

        private String[] keys;
        private int next;

        @Setup(Level.Trial)
        public void choose() {
            keys = switch (probe) {
                case "hit" -> HITS;
                case "miss" -> MISSES;
                default -> throw new IllegalArgumentException("probe " + probe + " is neither hit nor miss");
            };
        }

        /** The next key of the cycle. */
        String next() {
            int i = next;
            next = i + 1 == KEYS ? 0 : i + 1;
            return keys[i];
        }
    }

    @State(Scope.Benchmark)
    public static class Mmap4jMap {
        Path dir;
        SharedMap shared;
        TypedSharedMap<String, String> map;
        /** Where {@code mmap4jInto} copies values. */
        final MemorySegment buffer = Arena.ofAuto().allocate(64);

        @Setup(Level.Trial)
        public void open() throws IOException {
            PeerFlags.requireNone("SharedMap");
            dir = TrialFile.createDirectory("module-store-mmap4j");
            shared = SharedMap.open(dir);
            map = shared.typed(Codec.utf8(), Codec.utf8());
            for (int i = 0; i < KEYS; i++) {
                map.put(HITS[i], value(i));
            }
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            shared.close();
            TrialFile.deleteDirectory(dir);
        }
    }

    @State(Scope.Benchmark)
    public static class HeapMap {
        final ConcurrentHashMap<String, String> map = SharedMapPeers.concurrentHashMap(KEYS);

        @Setup(Level.Trial)
        public void open() {
            for (int i = 0; i < KEYS; i++) {
                map.put(HITS[i], value(i));
            }
        }
    }

    @State(Scope.Benchmark)
    public static class Chronicle {
        Path dir;
        ChronicleMap<String, String> map;

        @Setup(Level.Trial)
        public void open() throws IOException {
            dir = TrialFile.createDirectory("module-store-chronicle-map");
            map = ChronicleMap.of(String.class, String.class).name("module-store").entries(KEYS)
                    .averageKey("key-99").averageValue("value-99")
                    .createPersistedTo(dir.resolve("chronicle.map").toFile());
            for (int i = 0; i < KEYS; i++) {
                map.put(HITS[i], value(i));
            }
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            map.close();
            TrialFile.deleteDirectory(dir);
        }
    }

    @State(Scope.Benchmark)
    public static class Lmdb {
        Path dir;
        SharedMapPeers.Lmdb lmdb;

        @Setup(Level.Trial)
        public void open() throws IOException {
            dir = TrialFile.createDirectory("module-store-lmdb");
            lmdb = SharedMapPeers.lmdb(dir, KEYS, 16);
            for (int i = 0; i < KEYS; i++) {
                lmdb.put(HITS[i].getBytes(UTF_8), value(i).getBytes(UTF_8));
            }
        }

        /** A LMDB lookup returning a {@code String}: the key is encoded (LMDB takes bytes), the value decoded. */
        String get(String key) {
            byte[] value = lmdb.get(key.getBytes(UTF_8));
            return value == null ? null : new String(value, UTF_8);
        }

        Map<String, String> getAll() {
            Map<String, String> all = new HashMap<>();
            try (Txn<ByteBuffer> txn = lmdb.env.txnRead();
                 CursorIterable<ByteBuffer> entries = lmdb.db.iterate(txn, KeyRange.all())) {
                for (CursorIterable.KeyVal<ByteBuffer> entry : entries) {
                    all.put(UTF_8.decode(entry.key()).toString(), UTF_8.decode(entry.val()).toString());
                }
            }
            return all;
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            lmdb.close();
            TrialFile.deleteDirectory(dir);
        }
    }

    // --- get: a hit or a miss, by the probe ---------------------------------------------------

    @Benchmark
    public String get_mmap4j(Mmap4jMap s, Probe p) {
        return s.map.get(p.next());
    }

    @Benchmark
    public String get_mmap4jCopy(Mmap4jMap s, Probe p) {
        byte[] value = s.shared.get(p.next());
        return value == null ? null : new String(value, UTF_8);
    }

    @Benchmark
    public MemorySegment get_mmap4jView(Mmap4jMap s, Probe p) {
        return s.shared.view(p.next());
    }

    @Benchmark
    public long get_mmap4jInto(Mmap4jMap s, Probe p) {
        return s.shared.get(p.next(), s.buffer);
    }

    @Benchmark
    public String get_concurrentHashMap(HeapMap s, Probe p) {
        return s.map.get(p.next());
    }

    @Benchmark
    @Fork(jvmArgsAppend = {PeerFlags.CHRONICLE_REFLECT, PeerFlags.CHRONICLE_NIO,
            PeerFlags.CHRONICLE_MAP_LANG, PeerFlags.CHRONICLE_MAP_JAVAC})
    public String get_chronicleMap(Chronicle s, Probe p) {
        return s.map.get(p.next());
    }

    @Benchmark
    @Fork(jvmArgsAppend = {PeerFlags.LMDB_NIO, PeerFlags.LMDB_DIRECT})
    public String get_lmdb(Lmdb s, Probe p) {
        return s.get(p.next());
    }

    // --- getAll ----------------------------------------------------------------------------------

    @Benchmark
    public Map<String, String> getAll_mmap4j(Mmap4jMap s) {
        return s.map.getAll();
    }

    @Benchmark
    public Map<String, String> getAll_concurrentHashMap(HeapMap s) {
        return new HashMap<>(s.map);
    }

    @Benchmark
    @Fork(jvmArgsAppend = {PeerFlags.CHRONICLE_REFLECT, PeerFlags.CHRONICLE_NIO,
            PeerFlags.CHRONICLE_MAP_LANG, PeerFlags.CHRONICLE_MAP_JAVAC})
    public Map<String, String> getAll_chronicleMap(Chronicle s) {
        return new HashMap<>(s.map);
    }

    @Benchmark
    @Fork(jvmArgsAppend = {PeerFlags.LMDB_NIO, PeerFlags.LMDB_DIRECT})
    public Map<String, String> getAll_lmdb(Lmdb s) {
        return s.getAll();
    }
}
