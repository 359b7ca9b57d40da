package io.mmap4j.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.mmap4j.cache.CacheVolume;
import java.io.IOException;
import java.nio.file.Path;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * The cache volume's peers, each opened on a disk directory of its own ({@link TrialFile#createDiskDirectory}):
 * {@code mmap4j} is a {@link CacheVolume}; {@code rocksdb} is RocksDB with its default options
 * (write-ahead log on, no sync), the embedded store Java users reach for; {@code caffeine} is
 * Caffeine bounded by the same bytes, in memory, the reference for hit ratio.
 */
final class CachePeers {
    private CachePeers() {
    }

    static byte[] key(int i) {
        return ("/object/" + i).getBytes(UTF_8);
    }

    /** A volume of {@code bytes} in a new disk directory, sized for objects of {@code averageBytes}. */
    static CacheVolume volume(Path dir, long bytes, int averageBytes) throws IOException {
        return CacheVolume.open(dir.resolve("bench.cache"), bytes,
                CacheVolume.Options.DEFAULT.withAverageObjectBytes(Math.max(512, averageBytes)));
    }

    static RocksDB rocksdb(Path dir) throws IOException {
        RocksDB.loadLibrary();
        try (Options options = new Options().setCreateIfMissing(true)) {
            return RocksDB.open(options, dir.resolve("rocksdb").toString());
        } catch (RocksDBException e) {
            throw new IOException(e);
        }
    }

    static Cache<String, byte[]> caffeine(long bytes) {
        return Caffeine.newBuilder().maximumWeight(bytes).weigher((String k, byte[] v) -> v.length + k.length()).build();
    }
}
