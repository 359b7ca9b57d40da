package io.mmap4j.bench;

import com.linkedin.paldb.api.StoreReader;
import com.linkedin.paldb.api.StoreWriter;
import com.spotify.sparkey.Sparkey;
import com.spotify.sparkey.SparkeyReader;
import com.spotify.sparkey.SparkeyWriter;
import io.mmap4j.store.StaticStore;
import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Random lookups of 16-byte keys with 100-byte values in a store of {@code entries} entries, one
 * thread. Every peer's store holds the same entries, built once per trial in {@code /dev/shm}
 * (see {@link TrialFile}), so its pages are in memory and no peer waits for a disk: what is
 * measured is the lookup and its cache misses. Each operation draws the next entry from a
 * xorshift sequence, the same for every peer, and writes its key into one reused 16-byte array.
 *
 * <ul>
 * <li>{@code get}: a key that is there, returning its value as a new {@code byte[]}:
 *     {@code StaticStore.get}, Sparkey's {@code getAsByteArray}, PalDB's {@code getByteArray},
 *     and {@code HashMap.get} on the heap (the in-memory reference, whose value is not copied).</li>
 * <li>{@code getMiss}: a key that is not there; every peer returns null.</li>
 * <li>{@code view}: mmap4j's zero-copy lookup, {@code StaticStore.view}, reading the value's
 *     first 8 bytes and its length: what a caller does who needs no copy.</li>
 * <li>{@code floor} (for {@code get} and {@code view}): two dependent reads at random in a mapped
 *     file of the same size, the least any store on mapped memory does ({@link Floor}).</li>
 * <li>{@code hashedFloor} (for {@code view}): the floor's two reads, the first at a slot chosen by
 *     the XXH3 of the key, as a hashed store must: the least any hashed store does, with the cheapest
 *     hash of a 16-byte key we know ({@link Floor#xxh3}).</li>
 * <li>{@code oneMissFloor} (for {@code view}): one read at random in the floor's records, chosen by
 *     the key's XXH3, with no index: the least a lookup costs that needs one cache miss, whatever
 *     its layout (what a bucketed layout with a cache-resident directory would aim at).</li>
 * <li>{@code entries}: 1 K, 1 M, 10 M; {@code scaleDown} divides it (1000 in the smoke test).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Baseline({"sparkey", "paldb", "hashMap", "floor"})
public class StaticStoreLookupBenchmark {
    static final int KEY_BYTES = 16;
    static final int VALUE_BYTES = 100;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** The key of entry {@code i} into {@code key}: 16 bytes from two rounds of SplitMix64. */
    static void key(long i, byte[] key) {
        LONGS.set(key, 0, mix(i));
        LONGS.set(key, 8, mix(i + 0x632BE59BD9B4E019L));
    }

    /** The value of entry {@code i}. */
    static byte[] value(long i) {
        byte[] value = new byte[VALUE_BYTES];
        new SplittableRandom(i).nextBytes(value);
        return value;
    }

    private static long mix(long z) {
        z = (z + 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A store of {@code entries / scaleDown} entries, the same for every peer. */
    public abstract static class Entries {
        /** How many entries: 1 K, 1 M, 10 M. */
        @Param({"1000", "1000000", "10000000"})
        public int entries;

        /** Divides {@code entries}: 1 for the published numbers, 1000 in the smoke test. */
        @Param("1")
        public int scaleDown;

        int count;
        Path dir;

        void build(String peer) throws IOException {
            count = Math.max(1, entries / scaleDown);
            dir = TrialFile.createDirectory("static-lookup-" + peer);
        }

        @TearDown(Level.Trial)
        public void delete() throws IOException {
            close();
            TrialFile.deleteDirectory(dir);
        }

        abstract void close() throws IOException;
    }

    @State(Scope.Benchmark)
    public static class Mmap4jStore extends Entries {
        StaticStore store;

        @Setup(Level.Trial)
        public void open() throws IOException {
            build("mmap4j");
            Path file = dir.resolve("store.static");
            byte[] key = new byte[KEY_BYTES];
            try (StaticStore.Writer w = StaticStore.writer(file, StaticStore.WriterOptions.DEFAULT.withForce(false))) {
                for (int i = 0; i < count; i++) {
                    key(i, key);
                    w.put(key, value(i));
                }
            }
            store = StaticStore.open(file);
        }

        @Override
        void close() {
            store.close();
        }
    }

    @State(Scope.Benchmark)
    public static class SparkeyStore extends Entries {
        SparkeyReader reader;

        @Setup(Level.Trial)
        public void open() throws IOException {
            build("sparkey");
            File file = dir.resolve("store.spi").toFile();
            byte[] key = new byte[KEY_BYTES];
            try (SparkeyWriter w = Sparkey.createNew(file)) {
                for (int i = 0; i < count; i++) {
                    key(i, key);
                    w.put(key, value(i));
                }
                w.writeHash();
            }
            reader = Sparkey.openSingleThreadedReader(file); // its fastest reader for one thread
        }

        @Override
        void close() {
            reader.close();
        }
    }

    @State(Scope.Benchmark)
    public static class PalDbStore extends Entries {
        StoreReader reader;

        @Setup(Level.Trial)
        public void open() throws IOException {
            build("paldb");
            File file = dir.resolve("store.paldb").toFile();
            byte[] key = new byte[KEY_BYTES];
            StoreWriter w = PalDbPeer.writer(file);
            for (int i = 0; i < count; i++) {
                key(i, key);
                PalDbPeer.put(w, key.clone(), value(i));
            }
            w.close();
            reader = PalDbPeer.reader(file);
        }

        @Override
        void close() {
            reader.close();
        }
    }

    /** The in-memory reference: a {@code HashMap} on the heap, keyed by the key's two longs. */
    @State(Scope.Benchmark)
    public static class HeapMap extends Entries {
        HashMap<Key, byte[]> map;

        /** A 16-byte key as two longs, the way one keys a heap map by fixed-size binary keys. */
        record Key(long first, long second) {
            static Key of(byte[] key) {
                return new Key((long) LONGS.get(key, 0), (long) LONGS.get(key, 8));
            }
        }

        @Setup(Level.Trial)
        public void open() throws IOException {
            build("hashmap");
            map = HashMap.newHashMap(count);
            byte[] key = new byte[KEY_BYTES];
            for (int i = 0; i < count; i++) {
                key(i, key);
                map.put(Key.of(key), value(i));
            }
        }

        @Override
        void close() {
            map = null;
        }
    }

    /**
     * The hardware floor of a lookup in a store this size: what any hashed store on mapped memory
     * must do at least. One mapped file holds an index of {@code count} 8-byte slots, each the
     * offset of a random 128-byte record in a data region of {@code count} records (written with
     * random bytes, so no read meets tmpfs's shared zero page). A floor lookup reads the entry's
     * slot, then the record it names: two dependent reads at random, with no hashing, no key
     * compare and no bounds checks beyond the segment's. A lookup that does less would not find
     * its value.
     */
    @State(Scope.Benchmark)
    public static class Floor extends Entries {
        static final int RECORD_BYTES = 128;
        Arena arena;
        MemorySegment file;
        long dataAt;

        @Setup(Level.Trial)
        public void open() throws IOException {
            build("floor");
            Path path = dir.resolve("floor.dat");
            dataAt = (long) count * Long.BYTES;
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
                SplittableRandom random = new SplittableRandom(7);
                for (long i = 0; i < count; i++) {
                    if (!chunk.hasRemaining()) {
                        channel.write(chunk.flip());
                        chunk.clear();
                    }
                    chunk.putLong(dataAt + random.nextLong(count) * RECORD_BYTES);
                }
                for (long left = (long) count * RECORD_BYTES; left > 0; left -= Long.BYTES) {
                    if (!chunk.hasRemaining()) {
                        channel.write(chunk.flip());
                        chunk.clear();
                    }
                    chunk.putLong(random.nextLong());
                }
                channel.write(chunk.flip());
                arena = Arena.ofShared();
                file = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            }
        }

        /**
         * XXH3-64 of a 16-byte key with seed 0 (the specification's 9-to-16-byte path: one 128-bit
         * multiply and an avalanche), what {@code StaticStore} computes for such a key.
         */
        static long xxh3(byte[] key) {
            long low = 0x6782737bea4239b9L ^ (long) LONGS.get(key, 0); // the default secret's words 24..39, XORed
            long high = 0xaf56bc3b0996523aL ^ (long) LONGS.get(key, 8); // and 40..55
            long acc = KEY_BYTES + Long.reverseBytes(low) + high + (low * high ^ Math.unsignedMultiplyHigh(low, high));
            acc ^= acc >>> 37;
            acc *= 0x165667919E3779F9L;
            return acc ^ (acc >>> 32);
        }

        /** The offset of the record entry {@code entry}'s slot names: the first of the two reads. */
        long record(long entry) {
            return file.get(ValueLayout.JAVA_LONG_UNALIGNED, entry * Long.BYTES);
        }

        @Override
        void close() {
            arena.close();
        }
    }

    /** The sequence of entries looked up, and the array the key is written into. */
    @State(Scope.Thread)
    public static class Probe {
        final byte[] key = new byte[KEY_BYTES];
        long state = 0x2545F4914F6CDD1DL;
        /** The entry of the last key made: what a correct lookup returns the value of. */
        long last;

        /** The key of a random entry of a store of {@code count}. */
        byte[] hit(int count) {
            state ^= state << 13;
            state ^= state >>> 7;
            state ^= state << 17;
            last = ((state >>> 32) * count) >>> 32;
            key(last, key);
            return key;
        }

        /** A key that no store of {@code count} entries holds. */
        byte[] miss(int count) {
            hit(count);
            last += count;
            key(last, key);
            return key;
        }
    }

    // --- hits ------------------------------------------------------------------------------------

    @Benchmark
    public byte[] get_mmap4j(Mmap4jStore s, Probe p) {
        return s.store.get(p.hit(s.count));
    }

    @Benchmark
    public long view_mmap4j(Mmap4jStore s, Probe p) {
        MemorySegment value = s.store.view(p.hit(s.count));
        return value.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) + value.byteSize();
    }

    /** The floor of {@code get}: the two dependent reads, the second a copy of a 100-byte value into a new array. */
    @Benchmark
    public byte[] get_floor(Floor s, Probe p) {
        p.hit(s.count);
        return s.file.asSlice(s.record(p.last), VALUE_BYTES).toArray(ValueLayout.JAVA_BYTE);
    }

    /** The floor of {@code view}: the two dependent reads, the second of the value's first 8 bytes. */
    @Benchmark
    public long view_floor(Floor s, Probe p) {
        p.hit(s.count);
        return s.file.get(ValueLayout.JAVA_LONG_UNALIGNED, s.record(p.last)) + VALUE_BYTES;
    }

    /** The floor of a hashed {@code view}: the slot of the first read chosen by the key's XXH3. */
    @Benchmark
    public long view_hashedFloor(Floor s, Probe p) {
        long slot = Math.unsignedMultiplyHigh(Floor.xxh3(p.hit(s.count)), s.count);
        return s.file.get(ValueLayout.JAVA_LONG_UNALIGNED, s.record(slot)) + VALUE_BYTES;
    }

    /** The floor of a one-miss {@code view}: the record read straight at the place the key's XXH3 chooses. */
    @Benchmark
    public long view_oneMissFloor(Floor s, Probe p) {
        long record = Math.unsignedMultiplyHigh(Floor.xxh3(p.hit(s.count)), s.count);
        return s.file.get(ValueLayout.JAVA_LONG_UNALIGNED, s.dataAt + record * Floor.RECORD_BYTES) + VALUE_BYTES;
    }

    @Benchmark
    public byte[] get_sparkey(SparkeyStore s, Probe p) throws IOException {
        return s.reader.getAsByteArray(p.hit(s.count));
    }

    @Benchmark
    public byte[] get_paldb(PalDbStore s, Probe p) {
        return s.reader.getByteArray(p.hit(s.count), null);
    }

    @Benchmark
    public byte[] get_hashMap(HeapMap s, Probe p) {
        return s.map.get(HeapMap.Key.of(p.hit(s.count)));
    }

    // --- misses ----------------------------------------------------------------------------------

    @Benchmark
    public byte[] getMiss_mmap4j(Mmap4jStore s, Probe p) {
        return s.store.get(p.miss(s.count));
    }

    @Benchmark
    public byte[] getMiss_sparkey(SparkeyStore s, Probe p) throws IOException {
        return s.reader.getAsByteArray(p.miss(s.count));
    }

    @Benchmark
    public byte[] getMiss_paldb(PalDbStore s, Probe p) {
        return s.reader.getByteArray(p.miss(s.count), null);
    }

    @Benchmark
    public byte[] getMiss_hashMap(HeapMap s, Probe p) {
        return s.map.get(HeapMap.Key.of(p.miss(s.count)));
    }
}
