package io.mmap4j.content;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mmap4j.store.SharedMap;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link Store} in a {@link SharedMap}: the entries of many processes at once, in mapped files,
 * read without a lock or a system call.
 *
 * <p>Each entry is one key of the map, its path's UTF-8 bytes, whose value starts with a tag:
 * {@code V} and the bytes of a value, {@code L} and the UTF-8 of a link's target, or {@code G} and
 * a group's child count (a {@code u64}, little-endian). A group keeps its own list of children: the
 * name of its {@code i}-th child at the key {@code path NUL u64(i)} (NUL never occurs in a path), so
 * {@link #list} costs the number of children, never a scan. The layout is specified in
 * {@code docs/message-format.md}, "The mapped backend"; the map's files in
 * {@code docs/shared-map-format.md}.
 *
 * <h2>Processes and crashes</h2>
 * Every change is a {@link SharedMap} write, atomic across processes; an entry that is new is
 * listed in its group first (a compare-and-set of the count reserves a slot, then the slot gets the
 * name) and written second, so a process killed at any instruction leaves every entry it finished
 * written and listed, and at worst a listed name with nothing behind it (not returned by
 * {@link #list}) or a reserved slot with no name (skipped). Two processes adding the same new
 * entry at once may list its name twice; {@link #list} returns it once. An entry's value is replaced
 * whole, by one write: a reader sees the old or the new one.
 *
 * <p>Costs: a lookup is a {@link SharedMap} lookup of the path (a hash of its UTF-8, a probe, a key
 * compare), with no copy but of a value read; a new entry costs three map writes, a replaced one one.
 */
public final class MappedStore extends EntryStore {
    private static final byte VALUE = 'V';
    private static final byte LINK = 'L';
    private static final byte GROUP = 'G';
    private static final byte[] ROOT = new byte[0];
    private static final ValueLayout.OfLong COUNT = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private final SharedMap map;

    private MappedStore(SharedMap map) {
        this.map = map;
    }

    /**
     * Opens the store in {@code directory}, a {@link SharedMap}'s directory, creating it if there
     * is none.
     *
     * @param directory the store's directory
     * @param options   as {@link SharedMap#open(Path, OpenOption...)}: none to create or open for
     *                  writing, {@code READ} alone to open read-only
     * @return the store
     * @throws IOException if the map cannot be opened, or is damaged
     *                     ({@link io.mmap4j.store.CorruptStoreException})
     */
    public static MappedStore open(Path directory, OpenOption... options) throws IOException {
        Objects.requireNonNull(directory, "directory");
        SharedMap map = SharedMap.open(directory, options);
        try {
            if (map.isWritable()) {
                map.putIfAbsent(ROOT, group(0));
            }
            return new MappedStore(map);
        } catch (RuntimeException | Error e) {
            map.close();
            throw e;
        }
    }

    /**
     * The map that holds the entries.
     *
     * @return the shared map
     */
    public SharedMap map() {
        return map;
    }

    /** Whether the map's root entry is a group, as every map a {@code MappedStore} opened for writing has. */
    boolean hasRootGroup() {
        MemorySegment root = map.view(ROOT);
        return root != null && root.byteSize() == 9 && root.get(ValueLayout.JAVA_BYTE, 0) == GROUP;
    }

    @Override
    public String location() {
        return map.path().toString();
    }

    @Override
    Entry entry(String path) {
        MemorySegment v = map.view(path);
        if (v == null) {
            return null;
        }
        if (v.byteSize() == 0) {
            throw corrupt(path, "an empty entry, expected a tag byte");
        }
        byte tag = v.get(ValueLayout.JAVA_BYTE, 0);
        return switch (tag) {
            case VALUE -> Entry.UNLOADED_VALUE;
            case GROUP -> Entry.GROUP;
            case LINK -> Entry.link(new String(v.asSlice(1).toArray(ValueLayout.JAVA_BYTE), UTF_8));
            default -> throw corrupt(path, "tag " + MessageFormat.describe(tag) + ", expected 'V', 'L' or 'G'");
        };
    }

    @Override
    byte[] value(String path) {
        MemorySegment v = map.view(path);
        if (v == null || v.byteSize() == 0 || v.get(ValueLayout.JAVA_BYTE, 0) != VALUE) {
            return null;
        }
        return v.asSlice(1).toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    void putValue(String path, byte[] value) {
        byte[] entry = new byte[value.length + 1];
        entry[0] = VALUE;
        System.arraycopy(value, 0, entry, 1, value.length);
        put(path, entry);
    }

    @Override
    void putLink(String path, String target) {
        byte[] t = target.getBytes(UTF_8);
        byte[] entry = new byte[t.length + 1];
        entry[0] = LINK;
        System.arraycopy(t, 0, entry, 1, t.length);
        put(path, entry);
    }

    /** Writes a value or link at {@code path}: listed in its group first if new, then written, never over a group. */
    private void put(String path, byte[] entry) {
        byte[] key = path.getBytes(UTF_8);
        if (!map.containsKey(key)) {
            addChild(StorePaths.parent(path), StorePaths.name(path));
        }
        map.compute(key, (k, old) -> {
            if (old != null && old.length > 0 && old[0] == GROUP) {
                throw new IllegalStateException(location() + ": " + path + " is a group");
            }
            return entry;
        });
    }

    @Override
    void putGroup(String path) {
        byte[] key = path.getBytes(UTF_8);
        MemorySegment existing = map.view(key);
        if (existing == null) {
            addChild(StorePaths.parent(path), StorePaths.name(path));
            existing = map.view(key);
            byte[] old = existing == null ? map.putIfAbsent(key, group(0)) : existing.toArray(ValueLayout.JAVA_BYTE);
            if (old == null) {
                return;
            }
            existing = MemorySegment.ofArray(old);
        }
        if (existing.byteSize() == 0 || existing.get(ValueLayout.JAVA_BYTE, 0) != GROUP) {
            throw new IllegalStateException(location() + ": cannot make a group at " + path + ": a value or link is there");
        }
    }

    /** Lists {@code name} in the group {@code parent}: reserves the next slot with an atomic count, then names it. */
    private void addChild(String parent, String name) {
        byte[] groupKey = parent.getBytes(UTF_8);
        long[] slot = new long[1];
        map.compute(groupKey, (k, old) -> {
            if (old == null || old.length != 9 || old[0] != GROUP) {
                throw new IllegalStateException(location() + ": cannot add " + name + " to " + (parent.isEmpty() ? "the root" : parent)
                        + ": it is not a group");
            }
            slot[0] = MemorySegment.ofArray(old).get(COUNT, 1);
            return group(slot[0] + 1);
        });
        map.put(slotKey(groupKey, slot[0]), name.getBytes(UTF_8));
    }

    @Override
    List<String> children(String path) {
        byte[] groupKey = path.getBytes(UTF_8);
        MemorySegment g = map.view(groupKey);
        if (g == null || g.byteSize() != 9 || g.get(ValueLayout.JAVA_BYTE, 0) != GROUP) {
            return List.of();
        }
        long count = g.get(COUNT, 1);
        Set<String> names = new LinkedHashSet<>();
        for (long i = 0; i < count; i++) {
            MemorySegment name = map.view(slotKey(groupKey, i));
            if (name != null) { // a slot whose writer died before naming it
                names.add(new String(name.toArray(ValueLayout.JAVA_BYTE), UTF_8));
            }
        }
        List<String> listed = new ArrayList<>(names.size());
        for (String name : names) {
            if (map.containsKey(StorePaths.child(path, name))) { // a name whose writer died before writing it
                listed.add(name);
            }
        }
        return listed;
    }

    @Override
    void clear() {
        List<byte[]> keys = new ArrayList<>();
        map.forEach((k, v) -> keys.add(k.toArray(ValueLayout.JAVA_BYTE)));
        for (byte[] key : keys) {
            map.remove(key);
        }
        map.putIfAbsent(ROOT, group(0));
    }

    @Override
    void release() {
        map.close();
    }

    /** Names the directory. */
    @Override
    public String toString() {
        return "MappedStore[" + map.path() + "]";
    }

    private static byte[] group(long count) {
        return ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN).put(GROUP).putLong(count).array();
    }

    private static byte[] slotKey(byte[] groupKey, long index) {
        return ByteBuffer.allocate(groupKey.length + 9).order(ByteOrder.LITTLE_ENDIAN)
                .put(groupKey).put((byte) 0).putLong(index).array();
    }

    private CorruptContentException corrupt(String path, String problem) {
        return new CorruptContentException(location(), path, problem);
    }
}
