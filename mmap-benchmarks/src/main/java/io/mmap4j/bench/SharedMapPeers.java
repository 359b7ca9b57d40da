package io.mmap4j.bench;

import io.mmap4j.store.SharedMap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import net.openhft.chronicle.map.ChronicleMap;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.Txn;

/**
 * The maps the SharedMap benchmarks compare, each holding byte-string keys and values, opened the
 * way the peer's documentation recommends for speed without durability per write (no {@code fsync}
 * per put, as {@link SharedMap} without {@code force}). Each is built in its own directory of
 * {@link TrialFile} (memory-backed where available), so no peer waits for a disk.
 */
final class SharedMapPeers {
    private SharedMapPeers() {
    }

    /**
     * mmap4j: {@link SharedMap} sized for {@code entries} of 16-byte keys, so that filling it takes
     * no rewrite, with a data region of two and a half times their records (16 bytes of header,
     * key and value, rounded up to 8), the size its rewrites settle at, as Chronicle Map and LMDB
     * are sized for their entries with room to spare.
     */
    static SharedMap mmap4j(Path dir, int entries, int valueBytes) throws IOException {
        long record = (16 + 16 + valueBytes + 7) & ~7L;
        return SharedMap.open(dir, SharedMap.Options.DEFAULT.withExpectedKeys(entries)
                .withExpectedBytes(entries * record * 5 / 2));
    }

    /** The in-memory reference, on the heap. */
    static <K, V> ConcurrentHashMap<K, V> concurrentHashMap(int entries) {
        return new ConcurrentHashMap<>(entries * 2);
    }

    /**
     * Chronicle Map persisted to a file, sized for {@code entries} (it cannot grow far past what it
     * was sized for), with the average key and value sizes given, as its tutorial says.
     */
    static ChronicleMap<byte[], byte[]> chronicleMap(Path dir, int entries, int keyBytes, int valueBytes)
            throws IOException {
        return ChronicleMap.of(byte[].class, byte[].class)
                .name("shared-map-peer")
                .entries(Math.max(entries, 100))
                .averageKeySize(keyBytes)
                .averageValueSize(valueBytes)
                .createPersistedTo(dir.resolve("chronicle.map").toFile());
    }

    /**
     * LMDB: one environment with one database, {@code MDB_NOSYNC} (a commit does not {@code fsync})
     * and {@code MDB_NOTLS} (read transactions are reused by {@code reset}/{@code renew}, the fast
     * read idiom), and a map size of room for {@code entries} with slack.
     */
    static Lmdb lmdb(Path dir, int entries, int valueBytes) {
        return lmdb(dir, Math.max(64L << 20, (long) entries * (valueBytes + 128) * 4));
    }

    /** The same, with a map size of {@code mapBytes} (sparse: pages are taken as they are written). */
    static Lmdb lmdb(Path dir, long mapBytes) {
        Env<ByteBuffer> env = Env.create()
                .setMapSize(mapBytes)
                .setMaxDbs(1)
                .open(dir.toFile(), EnvFlags.MDB_NOSYNC, EnvFlags.MDB_NOTLS);
        Dbi<ByteBuffer> db = env.openDbi("peer", DbiFlags.MDB_CREATE);
        return new Lmdb(env, db);
    }

    /** An LMDB database with a reusable read transaction and direct buffers for keys and values. */
    static final class Lmdb implements AutoCloseable {
        final Env<ByteBuffer> env;
        final Dbi<ByteBuffer> db;
        final ByteBuffer key = ByteBuffer.allocateDirect(511);
        final ByteBuffer value = ByteBuffer.allocateDirect(1 << 16);
        private Txn<ByteBuffer> read;

        Lmdb(Env<ByteBuffer> env, Dbi<ByteBuffer> db) {
            this.env = env;
            this.db = db;
        }

        /** The value of {@code k} copied into a new array, or null: in the reused read transaction. */
        byte[] get(byte[] k) {
            key.clear();
            key.put(k).flip();
            if (read == null) {
                read = env.txnRead();
            } else {
                read.renew();
            }
            try {
                ByteBuffer found = db.get(read, key);
                if (found == null) {
                    return null;
                }
                byte[] copy = new byte[found.remaining()];
                found.get(copy);
                return copy;
            } finally {
                read.reset();
            }
        }

        /** Puts {@code k} and {@code v} in a write transaction of their own, committed. */
        void put(byte[] k, byte[] v) {
            key.clear();
            key.put(k).flip();
            value.clear();
            value.put(v).flip();
            db.put(key, value);
        }

        @Override
        public void close() {
            if (read != null) {
                read.close();
            }
            db.close();
            env.close();
        }
    }
}
