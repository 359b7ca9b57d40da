package io.mmap4j.bench;

import com.linkedin.paldb.api.StoreReader;
import com.linkedin.paldb.api.StoreWriter;
import com.spotify.sparkey.Sparkey;
import com.spotify.sparkey.SparkeyReader;
import com.spotify.sparkey.SparkeyWriter;
import io.mmap4j.store.StaticStore;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
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
 * Opening a store of 1 MiB and of 1 GiB ({@code storeMib}), closing it again, and opening it to
 * read one value: the cost should not depend on the size. The stores hold 1 KiB values (1 K and
 * 1 M entries), built once per trial in {@code /dev/shm}, so opening waits for no disk.
 * {@code scaleDown} divides the size (1000 in the smoke test).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Baseline({"sparkey", "paldb"})
public class StaticStoreOpenBenchmark {
    static final int VALUE_BYTES = 1024;

    /** The store's data: 1 MiB or 1 GiB. */
    @Param({"1", "1024"})
    public int storeMib;

    /** Divides the size: 1 for the published numbers, 1000 in the smoke test. */
    @Param("1")
    public int scaleDown;

    int count;
    Path dir;
    Path mmap4j;
    File sparkey;
    File paldb;
    private final byte[] key = new byte[StaticStoreLookupBenchmark.KEY_BYTES];

    @Setup(Level.Trial)
    public void build() throws IOException {
        count = (int) Math.max(1, ((long) storeMib << 20) / VALUE_BYTES / scaleDown);
        dir = TrialFile.createDirectory("static-open");
        byte[] value = new byte[VALUE_BYTES];
        mmap4j = dir.resolve("store.static");
        sparkey = dir.resolve("store.spi").toFile();
        paldb = dir.resolve("store.paldb").toFile();
        StoreWriter pal = PalDbPeer.writer(paldb);
        try (StaticStore.Writer ours = StaticStore.writer(mmap4j, StaticStore.WriterOptions.DEFAULT.withForce(false));
             SparkeyWriter spark = Sparkey.createNew(sparkey)) {
            for (int i = 0; i < count; i++) {
                StaticStoreLookupBenchmark.key(i, key);
                value[0] = (byte) i;
                ours.put(key, value);
                spark.put(key, value);
                PalDbPeer.put(pal, key.clone(), value.clone());
            }
            spark.writeHash();
        }
        pal.close();
        StaticStoreLookupBenchmark.key(0, key);
    }

    @TearDown(Level.Trial)
    public void delete() throws IOException {
        TrialFile.deleteDirectory(dir);
    }

    @Benchmark
    public long open_mmap4j() throws IOException {
        try (StaticStore store = StaticStore.open(mmap4j)) {
            return store.size();
        }
    }

    @Benchmark
    public long open_sparkey() throws IOException {
        try (SparkeyReader reader = Sparkey.openSingleThreadedReader(sparkey)) {
            return reader.getIndexHeader().getNumEntries();
        }
    }

    @Benchmark
    public long open_paldb() {
        StoreReader reader = PalDbPeer.reader(paldb);
        try {
            return reader.size();
        } finally {
            reader.close();
        }
    }

    @Benchmark
    public int openAndGet_mmap4j() throws IOException {
        try (StaticStore store = StaticStore.open(mmap4j)) {
            return store.get(key).length;
        }
    }

    @Benchmark
    public int openAndGet_sparkey() throws IOException {
        try (SparkeyReader reader = Sparkey.openSingleThreadedReader(sparkey)) {
            return reader.getAsByteArray(key).length;
        }
    }

    @Benchmark
    public int openAndGet_paldb() {
        StoreReader reader = PalDbPeer.reader(paldb);
        try {
            return reader.getByteArray(key, null).length;
        } finally {
            reader.close();
        }
    }
}
