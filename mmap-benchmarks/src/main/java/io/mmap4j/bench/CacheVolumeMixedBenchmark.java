package io.mmap4j.bench;

import com.github.benmanes.caffeine.cache.Cache;
import io.mmap4j.cache.CacheVolume;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import java.nio.file.Path;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * A cache's mixed workload: one writer storing 16 KiB values under Zipf-distributed keys (s = 0.99)
 * over four times as many keys as a 64 MiB store holds, and one reader getting Zipf keys at the same
 * time; the get latency is sampled (p50, p99 in the JSON's percentiles), and each trial prints its
 * hit ratio ({@code hit ratio <peer>: ...}). {@code caffeine}, bounded by the same bytes in memory,
 * is the reference for hit ratio; {@code rocksdb} keeps every key (it does not evict), so its
 * "hits" are those of a store, not of a cache of that size.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Baseline({"rocksdb", "caffeine"})
public class CacheVolumeMixedBenchmark {
    static final long STORE_BYTES = 64L << 20;
    static final int VALUE_BYTES = 16 << 10;

    /** Zipf-distributed keys, one stream per thread. */
    @State(Scope.Thread)
    public static class Keys {
        final SplittableRandom random = new SplittableRandom(Thread.currentThread().threadId());

        int next(Workload w) {
            int i = Arrays.binarySearch(w.cdf, random.nextDouble());
            return Math.min(w.keyBytes.length - 1, i < 0 ? -i - 1 : i);
        }
    }

    /** What every peer shares: the keys, their Zipf distribution, a value, and the hit counts. */
    @State(Scope.Group)
    public abstract static class Workload {
        /** Divides the store's size (down to 8 MiB): 1 for the published numbers, 1000 in the smoke test. */
        @Param("1")
        public int scaleDown;

        long storeBytes;
        byte[][] keyBytes;
        String[] keyStrings;
        double[] cdf;
        final byte[] value = new byte[VALUE_BYTES];
        final LongAdder hits = new LongAdder();
        final LongAdder misses = new LongAdder();
        Path dir;

        void generate(String peer) throws IOException {
            storeBytes = Math.max(8L << 20, STORE_BYTES / scaleDown);
            int keys = (int) (4 * storeBytes / VALUE_BYTES);
            keyBytes = new byte[keys][];
            keyStrings = new String[keys];
            cdf = new double[keys];
            double sum = 0;
            for (int i = 0; i < keys; i++) {
                keyBytes[i] = CachePeers.key(i);
                keyStrings[i] = "/object/" + i;
                sum += 1 / Math.pow(i + 1, 0.99);
                cdf[i] = sum;
            }
            for (int i = 0; i < keys; i++) {
                cdf[i] /= sum;
            }
            new SplittableRandom(1).nextBytes(value);
            dir = TrialFile.createDiskDirectory("cache-mixed-" + peer);
        }

        void count(Object got) {
            (got == null ? misses : hits).increment();
        }

        void report(String peer) {
            long h = hits.sum();
            long m = misses.sum();
            System.out.printf("%nhit ratio %s: %.3f (%,d hits, %,d misses)%n", peer, h / (double) Math.max(1, h + m), h, m);
        }
    }

    @State(Scope.Group)
    public static class Volume extends Workload {
        CacheVolume volume;

        @Setup(Level.Trial)
        public void open() throws IOException {
            generate("mmap4j");
            volume = CachePeers.volume(dir, storeBytes, VALUE_BYTES);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            report("mmap4j");
            volume.close();
            TrialFile.deleteDirectory(dir);
        }
    }

    @State(Scope.Group)
    public static class Rocks extends Workload {
        RocksDB db;

        @Setup(Level.Trial)
        public void open() throws IOException {
            generate("rocksdb");
            db = CachePeers.rocksdb(dir);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            report("rocksdb");
            db.close();
            TrialFile.deleteDirectory(dir.resolve("rocksdb"));
            TrialFile.deleteDirectory(dir);
        }
    }

    @State(Scope.Group)
    public static class InMemory extends Workload {
        Cache<String, byte[]> cache;

        @Setup(Level.Trial)
        public void open() throws IOException {
            generate("caffeine");
            cache = CachePeers.caffeine(storeBytes);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            report("caffeine");
            TrialFile.deleteDirectory(dir);
        }
    }

    @Benchmark
    @Group("mixed_mmap4j")
    @GroupThreads(1)
    public void mixed_mmap4j_set(Volume s, Keys k) throws IOException {
        s.volume.set(s.keyBytes[k.next(s)], s.value);
    }

    @Benchmark
    @Group("mixed_mmap4j")
    @GroupThreads(1)
    public byte[] mixed_mmap4j_get(Volume s, Keys k) {
        byte[] got = s.volume.get(s.keyBytes[k.next(s)]);
        s.count(got);
        return got;
    }

    @Benchmark
    @Group("mixed_rocksdb")
    @GroupThreads(1)
    public void mixed_rocksdb_set(Rocks s, Keys k) throws RocksDBException {
        s.db.put(s.keyBytes[k.next(s)], s.value);
    }

    @Benchmark
    @Group("mixed_rocksdb")
    @GroupThreads(1)
    public byte[] mixed_rocksdb_get(Rocks s, Keys k) throws RocksDBException {
        byte[] got = s.db.get(s.keyBytes[k.next(s)]);
        s.count(got);
        return got;
    }

    @Benchmark
    @Group("mixed_caffeine")
    @GroupThreads(1)
    public void mixed_caffeine_set(InMemory s, Keys k) {
        s.cache.put(s.keyStrings[k.next(s)], s.value.clone()); // a new value, as a disk store's set copies it
    }

    @Benchmark
    @Group("mixed_caffeine")
    @GroupThreads(1)
    public byte[] mixed_caffeine_get(InMemory s, Keys k) {
        byte[] got = s.cache.getIfPresent(s.keyStrings[k.next(s)]);
        s.count(got);
        return got;
    }
}
