package io.mmap4j.bench;

import com.linkedin.paldb.api.PalDB;
import com.linkedin.paldb.api.StoreReader;
import com.linkedin.paldb.api.StoreWriter;
import java.io.File;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * PalDB 1.2.0 as every static store benchmark uses it: its default configuration (data mapped,
 * no cache, no compression), keys and values put as objects, and its per-store INFO lines
 * (java.util.logging) silenced so they do not drown the benchmarks' output.
 */
final class PalDbPeer {
    /** Held, so that the level set on it is not lost with a collected logger. */
    private static final Logger LOG = Logger.getLogger("com.linkedin.paldb");

    static {
        LOG.setLevel(Level.WARNING);
    }

    private PalDbPeer() {
    }

    static StoreWriter writer(File file) {
        return PalDB.createWriter(file, PalDB.newConfiguration());
    }

    static StoreReader reader(File file) {
        return PalDB.createReader(file, PalDB.newConfiguration());
    }

    /**
     * Puts a key and a value as objects: PalDB serializes them, as {@link StoreReader#get} expects.
     * ({@code put(byte[], byte[])} would take them as already serialized forms that no get finds.)
     */
    static void put(StoreWriter writer, byte[] key, byte[] value) {
        writer.put((Object) key, (Object) value);
    }
}
