package io.mmap4j.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mmap4j.content.Store;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.lmdbjava.CursorIterable;
import org.lmdbjava.KeyRange;
import org.lmdbjava.Txn;

/**
 * The {@link Store} contract on LMDB through lmdbjava, as HyperBEAM's {@code hb_store_lmdb} keeps
 * it: one flat, ordered key space of paths (UTF-8), each value a tag byte ({@code V} a value,
 * {@code L} a link and its target, {@code G} a group) and its payload, the entries of the
 * {@code MappedStore} layout; a group's children are the keys under its path, listed with a cursor
 * over that range (the "list without a scan" of HyperBEAM's fix #357). Links are followed on every
 * prefix, at most {@link Store#MAX_LINK_HOPS} in all. Each write is a transaction of its own,
 * committed with {@code MDB_NOSYNC} (no {@code fsync}, as mmap4j's stores); each read runs in one
 * read transaction reused by {@code reset}/{@code renew} ({@code MDB_NOTLS}): the database of
 * {@link SharedMapPeers#lmdb} (values up to 64 KiB). One thread: the
 * benchmark peer of {@code MessageCacheBenchmark}, not a library class.
 */
final class LmdbStore implements Store {
    private static final byte VALUE = 'V';
    private static final byte LINK = 'L';
    private static final byte GROUP = 'G';
    private static final int MAX_KEY = 511;

    private final Path dir;
    private final SharedMapPeers.Lmdb lmdb;

    /** Opens (creating) the store in {@code dir}, with room for {@code mapBytes} of pages. */
    LmdbStore(Path dir, long mapBytes) {
        this.dir = dir;
        this.lmdb = SharedMapPeers.lmdb(dir, mapBytes);
    }

    // --- the entries at exact paths ----------------------------------------------------------------

    /** The entry at exactly {@code path} (tag and payload), copied out of the read transaction, or null. */
    private byte[] entry(String path) {
        return lmdb.get(key(path));
    }

    private void put(String path, byte tag, byte[] payload) {
        byte[] entry = new byte[payload.length + 1];
        entry[0] = tag;
        System.arraycopy(payload, 0, entry, 1, payload.length);
        lmdb.put(key(path), entry);
    }

    private static byte[] key(String path) {
        byte[] bytes = path.getBytes(UTF_8);
        if (bytes.length > MAX_KEY) {
            throw new IllegalArgumentException("path of " + bytes.length + " bytes, LMDB keys hold at most " + MAX_KEY);
        }
        return bytes;
    }

    // --- the contract --------------------------------------------------------------------------------

    @Override
    public Optional<byte[]> read(String path) {
        byte[] e = entry(resolve(path));
        return e == null || e[0] != VALUE ? Optional.empty() : Optional.of(Arrays.copyOfRange(e, 1, e.length));
    }

    @Override
    public void write(String path, byte[] bytes) {
        put(place(path), VALUE, bytes);
    }

    @Override
    public Type type(String path) {
        String p = resolve(path);
        if (p.isEmpty()) {
            return Type.COMPOSITE;
        }
        byte[] e = entry(p);
        return e == null || e[0] == LINK ? Type.ABSENT : e[0] == GROUP ? Type.COMPOSITE : Type.SIMPLE;
    }

    @Override
    public void makeGroup(String path) {
        String p = resolve(path);
        if (p.isEmpty()) {
            return;
        }
        byte[] e = entry(p);
        if (e == null) {
            groupsAbove(p);
            put(p, GROUP, new byte[0]);
        } else if (e[0] != GROUP) {
            throw new IllegalStateException(dir + ": cannot make a group at " + p + ": it is a value");
        }
    }

    @Override
    public void makeLink(String existing, String newPath) {
        String target = normalize(existing);
        String link = normalize(newPath);
        if (!target.equals(link)) {
            put(place(link), LINK, target.getBytes(UTF_8));
        }
    }

    @Override
    public String resolve(String path) {
        String p = normalize(path);
        if (p.isEmpty()) {
            return p;
        }
        byte[] whole = entry(p);
        if (whole != null && whole[0] != LINK) {
            return p; // a path that exists has no link on its prefix
        }
        return walk(p, new int[1]);
    }

    /** Resolves {@code path} segment by segment, each link replaced by its target resolved the same way. */
    private String walk(String path, int[] hops) {
        String[] segments = path.split("/");
        String current = "";
        for (int i = 0; i < segments.length; i++) {
            String candidate = current.isEmpty() ? segments[i] : current + "/" + segments[i];
            byte[] e = entry(candidate);
            while (e != null && e[0] == LINK) {
                if (++hops[0] > MAX_LINK_HOPS) {
                    throw new IllegalStateException(dir + ": resolving " + path + " followed " + MAX_LINK_HOPS + " links: a cycle");
                }
                candidate = walk(new String(e, 1, e.length - 1, UTF_8), hops);
                e = entry(candidate);
            }
            if ((e == null || e[0] == VALUE) && i < segments.length - 1) {
                return candidate + "/" + String.join("/", Arrays.asList(segments).subList(i + 1, segments.length));
            }
            current = candidate;
        }
        return current;
    }

    @Override
    public List<String> list(String path) {
        String p = resolve(path);
        if (!p.isEmpty()) {
            byte[] e = entry(p);
            if (e == null || e[0] != GROUP) {
                return List.of();
            }
        }
        String prefix = p.isEmpty() ? "" : p + "/";
        byte[] start = prefix.getBytes(UTF_8);
        Set<String> names = new LinkedHashSet<>();
        KeyRange<ByteBuffer> keys = start.length == 0 ? KeyRange.all()
                : KeyRange.atLeast(ByteBuffer.allocateDirect(start.length).put(start).flip());
        try (Txn<ByteBuffer> txn = lmdb.env.txnRead();
             CursorIterable<ByteBuffer> range = lmdb.db.iterate(txn, keys)) {
            for (CursorIterable.KeyVal<ByteBuffer> kv : range) {
                byte[] k = new byte[kv.key().remaining()];
                kv.key().get(k);
                if (k.length < start.length || !Arrays.equals(k, 0, start.length, start, 0, start.length)) {
                    break; // past the range of keys under the group
                }
                String rest = new String(k, start.length, k.length - start.length, UTF_8);
                int slash = rest.indexOf('/');
                names.add(slash < 0 ? rest : rest.substring(0, slash));
            }
        }
        return new ArrayList<>(names);
    }

    @Override
    public void reset() {
        try (Txn<ByteBuffer> txn = lmdb.env.txnWrite()) {
            lmdb.db.drop(txn);
            txn.commit();
        }
    }

    @Override
    public String location() {
        return dir.toString();
    }

    @Override
    public void close() {
        lmdb.close();
    }

    /** Where an entry for {@code path} goes: its parent resolved and made a group, with the groups above. */
    private String place(String path) {
        String p = normalize(path);
        if (p.isEmpty()) {
            throw new IllegalArgumentException("the root is no place for an entry");
        }
        int slash = p.lastIndexOf('/');
        String parent = slash < 0 ? "" : resolve(p.substring(0, slash));
        String place = parent.isEmpty() ? p.substring(slash + 1) : parent + "/" + p.substring(slash + 1);
        groupsAbove(place);
        byte[] e = entry(place);
        if (e != null && e[0] == GROUP) {
            throw new IllegalStateException(dir + ": " + place + " is a group");
        }
        return place;
    }

    /** Makes every missing group above {@code path} (resolved). */
    private void groupsAbove(String path) {
        List<String> missing = new ArrayList<>();
        for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
            String parent = path.substring(0, slash);
            byte[] e = entry(parent);
            if (e != null) {
                if (e[0] != GROUP) {
                    throw new IllegalStateException(dir + ": cannot make " + path + ": " + parent + " is not a group");
                }
                break;
            }
            missing.add(parent);
        }
        for (String group : missing.reversed()) {
            put(group, GROUP, new byte[0]);
        }
    }

    private static String normalize(String path) {
        StringBuilder normal = new StringBuilder(path.length());
        for (String segment : path.split("/")) {
            if (!segment.isEmpty()) {
                normal.append(normal.isEmpty() ? "" : "/").append(segment);
            }
        }
        return normal.toString();
    }
}
