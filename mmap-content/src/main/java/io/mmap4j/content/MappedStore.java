package io.mmap4j.content;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mmap4j.store.Codec;
import io.mmap4j.store.SharedMap;
import io.mmap4j.store.TypedSharedMap;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link Store} in a {@link SharedMap}: the entries of many processes at once, in mapped files,
 * read without a lock or a system call.
 *
 * <p>Each entry is one key of the map, its path's UTF-8 bytes, whose value starts with a tag:
 * {@code V} and the bytes of a value, {@code L} and the UTF-8 of a link's target, or {@code G} and
 * the names of a group's children. A group keeps its own list of children: its first
 * {@value #INLINE_NAMES} names in its own entry, so that {@link #list} of such a group is one
 * lookup; the names after those in overflow slots at the keys {@code path NUL u64(i)} (NUL never
 * occurs in a path), so that listing a larger group costs a lookup per overflow name, never a scan.
 * The map's key {@code NUL "format"} holds the layout's version ({@value #FORMAT}); a map of
 * another version is refused when opened. The layout is specified in {@code docs/message-format.md},
 * "The mapped backend"; the map's files in {@code docs/shared-map-format.md}.
 *
 * <h2>Processes and crashes</h2>
 * Every change is a {@link SharedMap} write, atomic across processes. An entry that is new is listed
 * in its group first and written second: a name is added to the group's entry by an atomic
 * read-modify-write of it ({@link SharedMap#compute}), or claims the first free overflow slot with
 * {@link SharedMap#putIfAbsent}, so writers in any number of processes lose no name. A process killed
 * at any instruction leaves every entry it finished written and listed, and at worst a listed name
 * with nothing behind it yet, which {@link #list} returns as it returns the name of an entry another
 * process is writing: reading it finds nothing until it is written. Two processes adding the same
 * new entry at once may both list it in overflow slots; {@link #list} returns it once. An entry's
 * value is replaced whole, by one write: a reader sees the old or the new one.
 *
 * <p>Costs: a lookup is a {@link SharedMap} lookup of the path (a hash of its UTF-8, a probe, a key
 * compare), with no copy but of a value read; a new entry costs two map writes (its listing and
 * itself), a replaced one one. A name listed in a group's entry rewrites that entry, at most
 * {@value #INLINE_NAMES} names long (the dead bytes the map later reclaims); an overflow name is a
 * new key and rewrites nothing.
 */
public final class MappedStore extends EntryStore {
    /** The version of this layout, in the map's key {@code NUL "format"}. */
    static final int FORMAT = 3;
    /** How many names a group holds in its own entry before its overflow slots. */
    static final int INLINE_NAMES = 32;

    private static final byte VALUE = 'V';
    private static final byte LINK = 'L';
    private static final byte GROUP = 'G';
    private static final byte[] ROOT = new byte[0];
    private static final byte[] FORMAT_KEY = {0, 'f', 'o', 'r', 'm', 'a', 't'};
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Abandons a {@link SharedMap#compute} without writing: the group's entry is full, or names the child already. */
    private static final RuntimeException UNCHANGED = new RuntimeException("unchanged", null, false, false) {
    };
    /** Past this many groups the overflow hints are dropped and found again. */
    private static final int MAX_HINTS = 4096;

    private final SharedMap map;
    /**
     * The map as text, for {@link #smallViewAt}: its read cache answers a key read before, whose
     * slot no writer changed since, with the string decoded then.
     */
    private final TypedSharedMap<String, String> smallEntries;
    /** The small value {@link #smallViewAt} read last; replaced whole, read racily (its fields final). */
    private SmallValue lastSmall;
    /** Per overflowing group, an overflow slot known to be free or past the last taken: where an add starts looking. */
    private final ConcurrentHashMap<String, Long> overflowHints = new ConcurrentHashMap<>();

    private MappedStore(SharedMap map) {
        this.map = map;
        this.smallEntries = map.typed(Codec.utf8(), Codec.utf8());
    }

    /**
     * Opens the store in {@code directory}, a {@link SharedMap}'s directory, creating it if there
     * is none.
     *
     * @param directory the store's directory
     * @param options   as {@link SharedMap#open(Path, OpenOption...)}: none to create or open for
     *                  writing, {@code READ} alone to open read-only
     * @return the store
     * @throws IOException if the map cannot be opened, is damaged
     *                     ({@link io.mmap4j.store.CorruptStoreException}), or holds a store of
     *                     another layout version (such as version 1, of mmap4j before it)
     */
    public static MappedStore open(Path directory, OpenOption... options) throws IOException {
        Objects.requireNonNull(directory, "directory");
        SharedMap map = SharedMap.open(directory, options);
        try {
            checkFormat(map);
            if (map.isWritable()) {
                map.putIfAbsent(FORMAT_KEY, u32(FORMAT)); // the version first: a root without it is version 1's
                checkFormat(map);
                map.putIfAbsent(ROOT, new byte[] {GROUP});
            }
            return new MappedStore(map);
        } catch (IOException | RuntimeException | Error e) {
            map.close();
            throw e;
        }
    }

    /** Refuses a map that holds a store of another layout: version 1 had a root but no version key. */
    private static void checkFormat(SharedMap map) throws IOException {
        byte[] format = map.get(FORMAT_KEY);
        if (format == null) {
            if (map.containsKey(ROOT)) {
                throw new IOException(map.path() + ": holds a message store of layout version 1 (groups listed in"
                        + " per-child slots); this mmap4j reads version " + FORMAT + " only: write its messages into a new store");
            }
            return; // a new store, or a plain shared map
        }
        int found = format.length == 4 ? MemorySegment.ofArray(format).get(U32, 0) : -1;
        if (found != FORMAT) {
            throw new IOException(map.path() + ": holds a message store of layout version "
                    + (found < 0 ? "unknown (a " + format.length + "-byte version field)" : Integer.toUnsignedString(found))
                    + "; this mmap4j reads version " + FORMAT + " only");
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
        return isGroup(map.view(ROOT));
    }

    @Override
    public String location() {
        return map.path().toString();
    }

    @Override
    Entry entry(String path) {
        MemorySegment v = map.view(path.getBytes(UTF_8));
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
            case LINK -> Entry.link(new String(MessageFormat.copy(v, 1, v.byteSize() - 1), UTF_8));
            default -> throw corrupt(path, "tag " + MessageFormat.describe(tag) + ", expected 'V', 'L' or 'G'");
        };
    }

    @Override
    byte[] value(String path) {
        return valueAt(path);
    }

    @Override
    boolean hasValueAt() {
        return true;
    }

    @Override
    byte[] valueAt(String path) {
        MemorySegment v = viewAt(path);
        return v == null ? null : v.toArray(ValueLayout.JAVA_BYTE);
    }

    /**
     * The small value at {@code path} from the entry read last, if the map says its slot did not
     * change since (its typed view's read cache: one load of the slot), else read again. The entry
     * comes as text: only one whose every byte is ASCII (as the commitments stamps written now
     * are) is exact as text, so another is read again as bytes each time.
     */
    @Override
    MemorySegment smallViewAt(String path) {
        String entry = smallEntries.get(path);
        if (entry == null) {
            return null;
        }
        SmallValue last = lastSmall;
        if (last != null && last.entry() == entry) { // the very string the cache gave before: unchanged
            return last.value();
        }
        byte[] bytes = new byte[entry.length()];
        for (int i = 0; i < bytes.length; i++) {
            char ch = entry.charAt(i);
            if (ch >= 0x80) {
                return viewAt(path); // not ASCII: the text may not be exact (U+FFFD for a byte that is not UTF-8)
            }
            bytes[i] = (byte) ch;
        }
        if (bytes.length == 0 || bytes[0] != VALUE) {
            return null;
        }
        MemorySegment value = MemorySegment.ofArray(bytes).asSlice(1).asReadOnly();
        lastSmall = new SmallValue(entry, value);
        return value;
    }

    /** A small value read through the map's typed view: the entry's text, the value's bytes. */
    private record SmallValue(String entry, MemorySegment value) {
    }

    /** A view of the value at exactly {@code path} in the map, without its tag: no copy (a record never changes). */
    @Override
    MemorySegment viewAt(String path) {
        MemorySegment v = map.view(path.getBytes(UTF_8)); // hashed as bytes, a word at a time
        return v == null || v.byteSize() == 0 || v.get(ValueLayout.JAVA_BYTE, 0) != VALUE ? null : v.asSlice(1);
    }

    @Override
    void putValue(String path, byte[] value, boolean isNew) {
        byte[] entry = new byte[value.length + 1];
        entry[0] = VALUE;
        System.arraycopy(value, 0, entry, 1, value.length);
        put(path, entry, isNew);
    }

    @Override
    void putLink(String path, String target, boolean isNew) {
        byte[] t = target.getBytes(UTF_8);
        byte[] entry = new byte[t.length + 1];
        entry[0] = LINK;
        System.arraycopy(t, 0, entry, 1, t.length);
        put(path, entry, isNew);
    }

    /**
     * Writes a value or link at {@code path}: listed in its group first if new, then written, never
     * over a group. A new entry is written with {@link SharedMap#putIfAbsent}; if another writer
     * made one meanwhile, or there was one, it is replaced unless it is a group.
     */
    private void put(String path, byte[] entry, boolean isNew) {
        byte[] key = path.getBytes(UTF_8);
        if (isNew || !map.containsKey(key)) {
            addChild(StorePaths.parent(path), StorePaths.name(path));
            if (map.putIfAbsent(key, entry) == null) {
                return;
            }
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
        putGroup(path, List.of());
    }

    @Override
    void putGroupFor(String path, String child) {
        putGroup(path, List.of(child));
    }

    /**
     * A new group is written listing its first {@value #INLINE_NAMES} names at once, instead of
     * being rewritten for each: listed before its links are written, as every name is.
     */
    @Override
    void makeGroupOfLinks(String group, List<String> names, List<String> targets) {
        checkOpen();
        if (!group.isEmpty() && map.view(group) == null && isGroup(map.view(StorePaths.parent(group)))) {
            putGroup(group, names.subList(0, Math.min(names.size(), INLINE_NAMES))); // no link above: its place is its path
        }
        super.makeGroupOfLinks(group, names, targets);
    }

    /**
     * Makes the group at {@code path}, listed in its parent first; a new one's entry names
     * {@code names} at once (at most {@value #INLINE_NAMES}), so that adding them rewrites nothing.
     * A group another writer made meanwhile is kept as it is.
     */
    private void putGroup(String path, List<String> names) {
        byte[] key = path.getBytes(UTF_8);
        MemorySegment existing = map.view(key);
        if (existing == null) {
            addChild(StorePaths.parent(path), StorePaths.name(path));
            ByteArrayOutputStream entry = new ByteArrayOutputStream();
            entry.write(GROUP);
            for (String name : names) {
                byte[] utf8 = name.getBytes(UTF_8);
                entry.write(utf8.length);
                entry.writeBytes(utf8);
            }
            byte[] old = map.putIfAbsent(key, entry.toByteArray());
            if (old == null) {
                return;
            }
            existing = MemorySegment.ofArray(old);
        }
        if (!isGroup(existing)) {
            throw new IllegalStateException(location() + ": cannot make a group at " + path + ": a value or link is there");
        }
    }

    private static boolean isGroup(MemorySegment entry) {
        return entry != null && entry.byteSize() > 0 && entry.get(ValueLayout.JAVA_BYTE, 0) == GROUP;
    }

    /**
     * Lists {@code name} in the group {@code parent}: appended to the group's entry by an atomic
     * read-modify-write while it holds fewer than {@value #INLINE_NAMES} names, else in the first
     * free overflow slot. A name the entry holds already is not added again.
     */
    private void addChild(String parent, String name) {
        byte[] groupKey = parent.getBytes(UTF_8);
        byte[] utf8 = name.getBytes(UTF_8);
        MemorySegment group = map.view(groupKey); // no copy: a full group is read on every add
        checkGroup(parent, name, group);
        int at = inlineIndexOf(parent, group, utf8);
        if (at >= 0 || (at == -1 && appendInline(parent, name, groupKey, utf8))) {
            return; // listed already, or now
        }
        addOverflow(parent, groupKey, utf8); // the entry is full, and never rewritten again
    }

    /**
     * Appends {@code utf8} to the group's entry, atomically across processes.
     *
     * @return true if the entry names it now; false if it filled up meanwhile, so that the name
     *         goes to an overflow slot
     */
    private boolean appendInline(String parent, String name, byte[] groupKey, byte[] utf8) {
        int[] found = new int[1];
        try {
            map.compute(groupKey, (k, old) -> {
                checkGroup(parent, name, old);
                found[0] = inlineIndexOf(parent, old, utf8);
                if (found[0] != -1) {
                    throw UNCHANGED; // listed or filled up meanwhile: no rewrite
                }
                byte[] more = Arrays.copyOf(old, old.length + 1 + utf8.length);
                more[old.length] = (byte) utf8.length;
                System.arraycopy(utf8, 0, more, old.length + 1, utf8.length);
                return more;
            });
            return true;
        } catch (RuntimeException e) {
            if (e != UNCHANGED) {
                throw e;
            }
            return found[0] >= 0;
        }
    }

    /**
     * Where {@code name} is among the names in the group entry {@code group}: its index, -2 if the
     * entry holds {@value #INLINE_NAMES} names and none is it (the name goes to an overflow slot),
     * -1 if the entry has room and does not hold it.
     */
    private int inlineIndexOf(String path, byte[] group, byte[] name) {
        return inlineIndexOf(path, MemorySegment.ofArray(group), name);
    }

    private int inlineIndexOf(String path, MemorySegment group, byte[] name) {
        int count = 0;
        long size = group.byteSize();
        MemorySegment wanted = MemorySegment.ofArray(name);
        for (long at = 1; at < size; count++) {
            int length = nameLength(path, group, at);
            if (length == name.length && MemorySegment.mismatch(group, at + 1, at + 1 + length, wanted, 0, length) < 0) {
                return count;
            }
            at += 1 + length;
        }
        return count >= INLINE_NAMES ? -2 : -1;
    }

    /** The length of the child name at byte {@code at} of the group entry {@code group}, checked to lie within it. */
    private int nameLength(String path, byte[] group, int at) {
        return nameLength(path, MemorySegment.ofArray(group), at);
    }

    private int nameLength(String path, MemorySegment group, long at) {
        int length = group.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
        if (length == 0 || at + 1 + length > group.byteSize()) {
            throw corrupt(path, "a child name of " + length + " bytes at byte " + at + " of the group's entry of "
                    + group.byteSize() + " bytes, expected 1 to 255 bytes within it");
        }
        return length;
    }

    /** Claims the first free overflow slot of the group for {@code name}: slots are taken in order, so they have no gaps. */
    private void addOverflow(String parent, byte[] groupKey, byte[] name) {
        byte[] slot = slotKey(groupKey);
        Long hint = overflowHints.get(parent); // free when this process last looked: claimed at once
        long free = hint != null ? hint : firstFreeSlot(slot, 0);
        while (map.putIfAbsent(setSlot(slot, free), name) != null) { // another process took it first
            free = firstFreeSlot(slot, free + 1);
        }
        if (overflowHints.size() >= MAX_HINTS) {
            overflowHints.clear();
        }
        overflowHints.put(parent, free + 1);
    }

    /**
     * The first free overflow slot at or after {@code from}, every slot before {@code from} being
     * taken: by doubling steps, then halving them (a lookup per step, so a new process finds the end
     * of a group of n overflow names in 2 log n lookups; later adds from its hint in one).
     */
    private long firstFreeSlot(byte[] slot, long from) {
        if (!map.containsKey(setSlot(slot, from))) {
            return from;
        }
        long taken = from;
        long free = from + 1;
        for (long step = 1; map.containsKey(setSlot(slot, free)); step <<= 1) {
            taken = free;
            free = taken + step;
        }
        while (free - taken > 1) {
            long mid = (taken + free) >>> 1;
            if (map.containsKey(setSlot(slot, mid))) {
                taken = mid;
            } else {
                free = mid;
            }
        }
        return free;
    }

    private void checkGroup(String parent, String name, byte[] group) {
        checkGroup(parent, name, group == null ? null : MemorySegment.ofArray(group));
    }

    private void checkGroup(String parent, String name, MemorySegment group) {
        if (!isGroup(group)) {
            throw new IllegalStateException(location() + ": cannot add " + name + " to " + (parent.isEmpty() ? "the root" : parent)
                    + ": it is not a group");
        }
    }

    @Override
    List<String> children(String path) {
        List<String> names = childrenAt(path);
        return names == null ? List.of() : names;
    }

    @Override
    List<String> childrenAt(String path) {
        byte[] groupKey = path.getBytes(UTF_8);
        byte[] group = map.get(groupKey);
        if (group == null || group.length == 0 || group[0] != GROUP) {
            return null;
        }
        List<String> names = new ArrayList<>(INLINE_NAMES);
        int at = 1;
        while (at < group.length) {
            int length = nameLength(path, group, at);
            names.add(new String(group, at + 1, length, UTF_8));
            at += 1 + length;
        }
        if (names.size() < INLINE_NAMES) {
            return names; // no overflow: the entry lists each name once
        }
        byte[] slot = slotKey(groupKey);
        MemorySegment name;
        for (long i = 0; (name = map.view(setSlot(slot, i))) != null; i++) {
            names.add(new String(name.toArray(ValueLayout.JAVA_BYTE), UTF_8));
        }
        return new ArrayList<>(new LinkedHashSet<>(names)); // two processes adding one name at once may both list it
    }

    @Override
    void clear() {
        List<byte[]> keys = new ArrayList<>();
        map.forEach((k, v) -> keys.add(k.toArray(ValueLayout.JAVA_BYTE)));
        for (byte[] key : keys) {
            if (!Arrays.equals(key, FORMAT_KEY)) {
                map.remove(key);
            }
        }
        overflowHints.clear();
        map.putIfAbsent(ROOT, new byte[] {GROUP});
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

    private static byte[] u32(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array();
    }

    /** A buffer for the keys of a group's overflow slots: {@code path NUL u64(i)}, {@code i} set by {@link #setSlot}. */
    private static byte[] slotKey(byte[] groupKey) {
        byte[] key = Arrays.copyOf(groupKey, groupKey.length + 9);
        key[groupKey.length] = 0;
        return key;
    }

    private static byte[] setSlot(byte[] slotKey, long index) {
        ByteBuffer.wrap(slotKey).order(ByteOrder.LITTLE_ENDIAN).putLong(slotKey.length - 8, index);
        return slotKey;
    }

    private CorruptContentException corrupt(String path, String problem) {
        return new CorruptContentException(location(), path, problem);
    }
}
