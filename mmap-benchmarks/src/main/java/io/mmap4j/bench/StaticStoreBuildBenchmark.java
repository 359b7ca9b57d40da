package io.mmap4j.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.linkedin.paldb.api.StoreWriter;
import com.spotify.sparkey.Sparkey;
import com.spotify.sparkey.SparkeyWriter;
import io.mmap4j.store.StaticStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 * haki's two published workloads, built from the heap into a new store on a disk: one operation
 * writes every key and value, publishes the store and, in {@code build}, forces it to the disk.
 * {@code raw} is the floor: the same value bytes written by one {@code FileChannel} in order to a
 * file in the same directory, then forced.
 *
 * <ul>
 * <li>{@code workload=haki3}: 177,319,806 bytes in 3 values (haki: 1.39 s with its fastest
 *     compiler); {@code haki4554}: 1,781,000,000 bytes in 4,554 values of about 391 KB (haki:
 *     1 min 55 s). Keys are {@code key-0001} and on. {@code scaleDown} divides the bytes (the
 *     smoke test makes them 1000 times smaller).</li>
 * <li>{@code build}: durable, as a store's publish is by default: every peer's files are forced
 *     ({@code fsync}) before the operation ends. {@code buildCached}: nobody forces, so the bytes
 *     only reach the page cache, as haki's modules only reach memory.</li>
 * <li>Peers: {@code mmap4j} is {@code StaticStore.writer}; {@code sparkey} is
 *     {@code Sparkey.createNew} (uncompressed), {@code put}, {@code writeHash}, {@code close};
 *     {@code paldb} is {@code PalDB.createWriter}, {@code put}, {@code close}. Each peer's output
 *     is deleted after each operation, outside the time.</li>
 * </ul>
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Baseline({"raw", "sparkey", "paldb"})
public class StaticStoreBuildBenchmark {
    /** haki's workloads: {@code haki3} and {@code haki4554}. */
    @Param({"haki3", "haki4554"})
    public String workload;

    /** Divides the workload's bytes: 1 for the published numbers, 1000 in the smoke test. */
    @Param("1")
    public int scaleDown;

    byte[][] keys;
    byte[][] values;
    long totalBytes;
    Path dir;

    @Setup(Level.Trial)
    public void generate() throws IOException {
        long total = switch (workload) {
            case "haki3" -> 177_319_806L;
            case "haki4554" -> 1_781_000_000L;
            default -> throw new IllegalArgumentException("unknown workload " + workload);
        } / scaleDown;
        int count = workload.equals("haki3") ? 3 : 4554;
        byte[] pool = new byte[16 << 20];
        new SplittableRandom(12).nextBytes(pool); // incompressible, as no peer compresses
        keys = new byte[count][];
        values = new byte[count][];
        for (int i = 0; i < count; i++) {
            keys[i] = String.format("key-%04d", i).getBytes(UTF_8);
            int length = (int) (total / count + (i == count - 1 ? total % count : 0));
            values[i] = new byte[length];
            for (int at = 0; at < length; at += pool.length / 2) {
                int n = Math.min(pool.length / 2, length - at);
                System.arraycopy(pool, (i * 4099) % (pool.length / 2), values[i], at, n);
            }
        }
        totalBytes = total;
        dir = TrialFile.createDiskDirectory("static-build");
    }

    /** Deletes what the operation wrote, outside its time. */
    @TearDown(Level.Invocation)
    public void deleteOutput() throws IOException {
        if (!Files.isDirectory(dir)) {
            return; // the trial's teardown came first (PeerCheck runs them in any order)
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(file);
            }
        }
    }

    @TearDown(Level.Trial)
    public void deleteDirectory() throws IOException {
        TrialFile.deleteDirectory(dir);
    }

    // --- durable: forced to the disk -----------------------------------------------------------

    @Benchmark
    public Path build_mmap4j() throws IOException {
        return mmap4j(true);
    }

    @Benchmark
    public Path build_raw() throws IOException {
        return raw(true);
    }

    @Benchmark
    public Path build_sparkey() throws IOException {
        return sparkey(true);
    }

    @Benchmark
    public Path build_paldb() throws IOException {
        return paldb(true);
    }

    // --- to the page cache only ----------------------------------------------------------------

    @Benchmark
    public Path buildCached_mmap4j() throws IOException {
        return mmap4j(false);
    }

    @Benchmark
    public Path buildCached_raw() throws IOException {
        return raw(false);
    }

    @Benchmark
    public Path buildCached_sparkey() throws IOException {
        return sparkey(false);
    }

    @Benchmark
    public Path buildCached_paldb() throws IOException {
        return paldb(false);
    }

    // --- the peers -----------------------------------------------------------------------------

    Path mmap4j(boolean force) throws IOException {
        PeerFlags.requireNone("mmap4j");
        Path file = dir.resolve("store.static");
        try (StaticStore.Writer w = StaticStore.writer(file, StaticStore.WriterOptions.DEFAULT.withForce(force))) {
            for (int i = 0; i < keys.length; i++) {
                w.put(keys[i], values[i]);
            }
        }
        return file;
    }

    Path raw(boolean force) throws IOException {
        Path file = dir.resolve("raw.bin");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (byte[] value : values) {
                ByteBuffer buffer = ByteBuffer.wrap(value);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
            if (force) {
                channel.force(true);
            }
        }
        return file;
    }

    Path sparkey(boolean force) throws IOException {
        Path file = dir.resolve("store.spi");
        try (SparkeyWriter w = Sparkey.createNew(file.toFile())) {
            w.setFsync(force);
            for (int i = 0; i < keys.length; i++) {
                w.put(keys[i], values[i]);
            }
            w.writeHash();
        }
        if (force) { // both of its files, whatever setFsync covers
            forceFile(Sparkey.getLogFile(file.toFile()).toPath());
            forceFile(Sparkey.getIndexFile(file.toFile()).toPath());
        }
        return file;
    }

    Path paldb(boolean force) throws IOException {
        Path file = dir.resolve("store.paldb");
        StoreWriter w = PalDbPeer.writer(file.toFile());
        for (int i = 0; i < keys.length; i++) {
            PalDbPeer.put(w, keys[i], values[i]);
        }
        w.close();
        if (force) { // PalDB has no option to
            forceFile(file);
        }
        return file;
    }

    private static void forceFile(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }
}
