package io.mmap4j.bench;

import io.mmap4j.cache.CacheVolume;
import java.io.IOException;
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
 * Sets of 64 KiB and 1 MiB values into a 256 MiB cache volume on a disk (the ring wraps every few
 * hundred operations), next to the physical limit: {@code raw}, a {@code FileChannel} writing the
 * same bytes from native memory one after another into a file of the same size in the same
 * directory, wrapping as the ring does. Nobody forces: bytes reach the page cache, as a cache's
 * sets do between syncs. {@code rocksdb} puts the same values under keys cycling through as many
 * as the volume holds.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Baseline({"raw", "rocksdb"})
public class CacheVolumeSetBenchmark {
    static final long VOLUME_BYTES = 256L << 20;

    /** The value's size: 64 KiB or 1 MiB. */
    @Param({"65536", "1048576"})
    public int valueBytes;

    /** Divides the volume's size (down to 8 MiB): 1 for the published numbers, 1000 in the smoke test. */
    @Param("1")
    public int scaleDown;

    byte[] value;
    ByteBuffer direct;
    long volumeBytes;
    int keys;
    int next;
    Path dir;
    CacheVolume volume;
    FileChannel raw;
    long rawPosition;
    RocksDB rocksdb;

    @Setup(Level.Trial)
    public void open() throws IOException {
        value = new byte[valueBytes];
        new SplittableRandom(5).nextBytes(value);
        direct = ByteBuffer.allocateDirect(valueBytes).put(value).flip();
        volumeBytes = Math.max(8L << 20, VOLUME_BYTES / scaleDown);
        keys = (int) Math.max(1, volumeBytes / valueBytes);
        dir = TrialFile.createDiskDirectory("cache-set");
        volume = CachePeers.volume(dir, volumeBytes, valueBytes);
        raw = FileChannel.open(dir.resolve("raw.dat"), StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        rocksdb = CachePeers.rocksdb(dir);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        volume.close();
        raw.close();
        rocksdb.close();
        TrialFile.deleteDirectory(dir.resolve("rocksdb"));
        TrialFile.deleteDirectory(dir);
    }

    private int nextKey() {
        int k = next;
        next = k + 1 == keys ? 0 : k + 1;
        return k;
    }

    @Benchmark
    public void set_mmap4j() throws IOException {
        volume.set(CachePeers.key(nextKey()), value);
    }

    @Benchmark
    public int set_raw() throws IOException {
        if (rawPosition + valueBytes > volumeBytes) {
            rawPosition = 0;
        }
        direct.clear();
        int n = 0;
        while (direct.hasRemaining()) {
            n += raw.write(direct, rawPosition + n);
        }
        rawPosition += n;
        return n;
    }

    @Benchmark
    public void set_rocksdb() throws RocksDBException {
        rocksdb.put(CachePeers.key(nextKey()), value);
    }
}
