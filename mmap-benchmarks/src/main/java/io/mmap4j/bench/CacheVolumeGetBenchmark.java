package io.mmap4j.bench;

import com.github.benmanes.caffeine.cache.Cache;
import io.mmap4j.cache.CacheVolume;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * Get hits of 4 KiB and 1 MiB values at random among those a 64 MiB volume holds, in the page
 * cache, next to {@code raw}: a positional {@code FileChannel} read of the same size at the same
 * random objects' places in a file of the same bytes. {@code get} returns a new array
 * ({@code raw} reads into a new array too); {@code getInto} copies into a reused native buffer
 * ({@code raw} reads into a reused direct buffer). {@code rocksdb} and {@code caffeine} hold the
 * same keys and values.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Baseline({"raw", "rocksdb", "caffeine"})
public class CacheVolumeGetBenchmark {
    static final long VOLUME_BYTES = 64L << 20;

    /** The value's size: 4 KiB or 1 MiB. */
    @Param({"4096", "1048576"})
    public int valueBytes;

    /** Divides the volume's size (down to 8 MiB): 1 for the published numbers, 1000 in the smoke test. */
    @Param("1")
    public int scaleDown;

    int keys;
    byte[][] keyBytes;
    String[] keyStrings;
    Path dir;
    CacheVolume volume;
    FileChannel raw;
    RocksDB rocksdb;
    Cache<String, byte[]> caffeine;
    Arena arena;
    MemorySegment into;
    ByteBuffer rawInto;
    final SplittableRandom random = new SplittableRandom(8);

    @Setup(Level.Trial)
    public void fill() throws IOException, RocksDBException {
        long volumeBytes = Math.max(8L << 20, VOLUME_BYTES / scaleDown);
        dir = TrialFile.createDiskDirectory("cache-get");
        volume = CachePeers.volume(dir, volumeBytes, valueBytes);
        // Half the volume: every key a hit, whatever the record headers and the directory take.
        keys = (int) Math.max(1, volumeBytes / 2 / valueBytes);
        rocksdb = CachePeers.rocksdb(dir);
        caffeine = CachePeers.caffeine(volumeBytes);
        raw = FileChannel.open(dir.resolve("raw.dat"), StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        keyBytes = new byte[keys][];
        keyStrings = new String[keys];
        byte[] value = new byte[valueBytes];
        SplittableRandom content = new SplittableRandom(3);
        for (int i = 0; i < keys; i++) {
            content.nextBytes(value);
            keyBytes[i] = CachePeers.key(i);
            keyStrings[i] = "/object/" + i;
            volume.set(keyBytes[i], value);
            rocksdb.put(keyBytes[i], value);
            caffeine.put(keyStrings[i], value.clone());
            raw.write(ByteBuffer.wrap(value), (long) i * valueBytes);
        }
        volume.flush();
        for (int i = 0; i < keys; i++) {
            if (volume.get(keyBytes[i]) == null || rocksdb.get(keyBytes[i]) == null) {
                throw new IllegalStateException("key " + i + " is not a hit in every peer");
            }
        }
        arena = Arena.ofConfined();
        into = arena.allocate(valueBytes);
        rawInto = ByteBuffer.allocateDirect(valueBytes);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        volume.close();
        raw.close();
        rocksdb.close();
        arena.close();
        TrialFile.deleteDirectory(dir.resolve("rocksdb"));
        TrialFile.deleteDirectory(dir);
    }

    @Benchmark
    public byte[] get_mmap4j() {
        return volume.get(keyBytes[random.nextInt(keys)]);
    }

    @Benchmark
    public long getInto_mmap4j() {
        return volume.get(keyBytes[random.nextInt(keys)], into);
    }

    @Benchmark
    public byte[] get_raw() throws IOException {
        byte[] value = new byte[valueBytes];
        readFully(ByteBuffer.wrap(value), (long) random.nextInt(keys) * valueBytes);
        return value;
    }

    @Benchmark
    public int getInto_raw() throws IOException {
        rawInto.clear();
        readFully(rawInto, (long) random.nextInt(keys) * valueBytes);
        return rawInto.position();
    }

    private void readFully(ByteBuffer dst, long position) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
            at += raw.read(dst, at);
        }
    }

    @Benchmark
    public byte[] get_rocksdb() throws RocksDBException {
        return rocksdb.get(keyBytes[random.nextInt(keys)]);
    }

    @Benchmark
    public byte[] get_caffeine() {
        return caffeine.getIfPresent(keyStrings[random.nextInt(keys)]);
    }
}
