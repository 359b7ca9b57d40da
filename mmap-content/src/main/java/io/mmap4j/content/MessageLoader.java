package io.mmap4j.content;

import io.mmap4j.content.MessageFormat.Child;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Reads values for a {@link MessageCache} ({@code docs/message-format.md}, "Reading a value by
 * ID"): a value by its ID from its packed value, one lookup for the whole tree, decoded straight
 * from those bytes into the {@link LoadedMap}s and {@link LoadedList}s returned; without one, from
 * {@code data/<id>} and its children's entries. A map's commitments are loaded and checked when its
 * flag says it had some, or, if the store's commitments stamp changed since the tree was written,
 * when its group {@code <id>/commitments} exists.
 *
 * <p>A read of one level returns the nested values inline in the tree as {@link Link}s, and keeps
 * the tree as the last one read: loading such a link then decodes it from there, without a lookup of
 * the value, if the stamp is still the one it was read under (a lookup of one small entry).
 */
final class MessageLoader {
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private final MessageCache cache;
    private final Store store;
    /**
     * The tree of the last value read one level, whose inline composites its links name: shared by
     * the threads, replaced whole (its fields final, so any thread sees one whole), read racily.
     */
    private Recent recent;
    /** The keys decoded last, so that a message's keys are found rather than decoded and checked again. */
    private final KeyCache keys = new KeyCache();

    /** A packed value read under {@code stamp}, its flags current then; {@code ids[i]}'s tree at {@code at[i]}. */
    private record Recent(MemorySegment packed, String path, long stamp, String[] ids, long[] at, int count) {
        int indexOf(String id) {
            for (int i = 0; i < count; i++) {
                if (ids[i].equals(id)) {
                    return i;
                }
            }
            return -1;
        }
    }

    /** A packed value being decoded: its bytes, the next byte to read, whether its flags are current. */
    private static final class Cursor {
        final MemorySegment b;
        final String path;
        final long stamp;
        final boolean fresh;
        long at;
        /** The inline composites a read of one level left as links, by ID, and where their trees are. */
        String[] linkIds;
        long[] linkAt;
        int links;

        Cursor(MemorySegment b, String path, long stamp, boolean fresh, long at) {
            this.b = b;
            this.path = path;
            this.stamp = stamp;
            this.fresh = fresh;
            this.at = at;
        }
    }

    MessageLoader(MessageCache cache) {
        this.cache = cache;
        this.store = cache.store();
    }

    /** The value at {@code path} (normal, not the root), one level loaded, or null: an ID from its packed value. */
    Object read(String path) {
        return ContentIds.isId(path) ? readId(path) : load(store.resolve(path));
    }

    /** {@link #read} of an ID: the value's own, else whatever the ID names as a path (a committed ID's link). */
    Object readId(String id) {
        Object byId = loadId(id, false, 0); // a value's own ID: no link to follow
        return byId != null ? byId : load(store.resolve(id));
    }

    /** What {@link Link} {@code link} leads to, one level loaded or {@code all} levels. */
    Object load(Link link, boolean all, int depth) {
        String path = link.path();
        if (ContentIds.isId(path)) {
            Object v = fromRecent(path, all, depth);
            if (v == null) {
                v = loadId(path, all, depth);
            }
            if (v != null) {
                return v;
            }
        }
        Object v = read(path);
        if (v == null) {
            throw new NoSuchElementException("necessary message not found: " + path + " in " + store.location());
        }
        return all ? cache.ensureAllLoaded(v, depth) : v;
    }

    /** The value {@code id} from the tree of the last read, if it is there and its flags are still current; else null. */
    private Object fromRecent(String id, boolean all, int depth) {
        Recent r = recent;
        int i = r == null ? -1 : r.indexOf(id);
        if (i < 0 || PackedForm.stamp(store) != r.stamp()) {
            return null;
        }
        Cursor c = new Cursor(r.packed(), r.path(), r.stamp(), true, r.at()[i]);
        Object value = tree(c, id, -1, all, depth);
        remember(c);
        return value;
    }

    /** Keeps the tree {@code c} read, if a read of one level left links into it and its flags were current. */
    private void remember(Cursor c) {
        if (c.links > 0 && c.fresh) {
            recent = new Recent(c.b, c.path, c.stamp, c.linkIds, c.linkAt, c.links);
        }
    }

    /** The value at the resolved path {@code path}, one level loaded, or null. */
    Object load(String path) {
        if (path.startsWith("data/") && path.indexOf('/', 5) < 0) {
            byte[] enc = store.read(path).orElse(null);
            return enc == null ? null : fromParts(path.substring(5), path, enc, false, 0);
        }
        if (path.indexOf('/') < 0 && ContentIds.isId(path)) {
            return loadId(path, false, 0);
        }
        return switch (store.type(path)) {
            case SIMPLE -> store.read(path).orElse(null); // written to the store directly: bytes
            case COMPOSITE -> group(path);
            case ABSENT -> null;
        };
    }

    /**
     * The value with ID {@code id}, one level loaded or {@code all} levels, or null: from its packed
     * value if it has one (one lookup, and one of the stamp), else from {@code data/<id>} and its
     * children's.
     */
    Object loadId(String id, boolean all, int depth) {
        String packedPath = PackedForm.path(id);
        MemorySegment packed = EntryStore.viewAt(store, packedPath); // decoded where it is: no copy of the whole
        if (packed != null) {
            byte version = packed.byteSize() == 0 ? -1 : packed.get(BYTE, 0);
            if (packed.byteSize() < PackedForm.HEADER || version != PackedForm.VERSION) {
                throw corrupt(packedPath, packed.byteSize() == 0 ? "an empty packed value"
                        : version == 0 || version == 1 ? "a packed value of layout version 2 (flags " + version
                        + " first); this mmap4j reads version " + PackedForm.VERSION + " only: write the message again"
                        : "version byte " + version + ", expected " + PackedForm.VERSION);
            }
            long written = PackedForm.u64(packed, 1);
            long stamp = PackedForm.stamp(store);
            Cursor c = new Cursor(packed, packedPath, stamp, written == stamp, PackedForm.HEADER);
            Object value = tree(c, id, -1, all, depth);
            if (c.at != packed.byteSize()) {
                throw corrupt(packedPath, (packed.byteSize() - c.at) + " bytes after the tree, expected none");
            }
            remember(c);
            return value;
        }
        byte[] enc = store.read("data/" + id).orElse(null); // absent also while a write is in progress
        return enc == null ? null : fromParts(id, "data/" + id, enc, all, depth);
    }

    /**
     * The composite whose tree starts at {@code c.at}, one level loaded (its inline composites as
     * links) or {@code all} levels, {@code c.at} moved past the tree. Its ID is {@code id}, or, if
     * null, the hash at {@code hashAt} of {@code c.b} (made an ID only if needed). Checks what a
     * reader must: the layout's lengths, the encoding (counts, keys in order and valid, tags), that
     * each item has the tag its parent names; not the hashes.
     */
    private Object tree(Cursor c, String id, long hashAt, boolean all, int depth) {
        if (depth > MessageWriter.MAX_DEPTH) {
            throw corrupt(c.path, "nests more than " + MessageWriter.MAX_DEPTH + " levels deep: a value that contains itself");
        }
        MemorySegment b = c.b;
        long start = c.at;
        if (b.byteSize() - start < PackedForm.TREE_HEADER + 4) {
            throw corrupt(c.path, "a tree at byte " + start + " is cut short");
        }
        byte flag = b.get(BYTE, start);
        long size = PackedForm.u32(b, start + 1);
        if (flag != PackedForm.INLINE && flag != PackedForm.COMMITTED) {
            throw corrupt(c.path, "the tree at byte " + start + " has flag " + flag + ", expected 0 or 1");
        }
        long encLength = PackedForm.u32(b, start + PackedForm.TREE_HEADER);
        if (size > b.byteSize() - start - PackedForm.TREE_HEADER || encLength > size - 4) {
            throw corrupt(c.path, "the tree at byte " + start + " has size " + size + " and an encoding of " + encLength
                    + " bytes, more than the " + (b.byteSize() - start - PackedForm.TREE_HEADER) + " bytes after it");
        }
        long end = start + PackedForm.TREE_HEADER + size;
        long from = start + PackedForm.TREE_HEADER + 4;
        long to = from + encLength;
        if (encLength < 5 || !MessageFormat.isComposite(b.get(BYTE, from))) {
            throw corrupt(c.path, "the tree at byte " + start + " holds " + (encLength == 0 ? "an empty encoding"
                    : "a " + encLength + "-byte encoding of tag " + MessageFormat.describe(b.get(BYTE, from))) + ", expected a map's or a list's");
        }
        boolean map = b.get(BYTE, from) == MessageFormat.MAP;
        if (!map && flag != PackedForm.INLINE) {
            throw corrupt(c.path, "the list at byte " + start + " has flag " + flag + ": a list has no commitments");
        }
        long count = PackedForm.u32(b, from + 1);
        if (count * (1 + ContentIds.HASH_BYTES + (map ? 4 : 0)) > to - from - 5) {
            throw corrupt(c.path, "the encoding at byte " + from + " counts " + count + " children, more than its "
                    + (to - from - 5) + " bytes hold");
        }
        int n = (int) count;
        String[] keys = map ? new String[n] : null;
        Object[] values = new Object[n];
        long p = from + 5;
        long previousKey = -1;
        long previousLength = 0;
        c.at = to;
        for (int i = 0; i < n; i++) {
            if (map) {
                long keyLength = p + 4 > to ? -1 : PackedForm.u32(b, p);
                if (keyLength < 0 || keyLength > to - p - 4 - 1 - ContentIds.HASH_BYTES) {
                    throw corrupt(c.path, "key " + i + " at byte " + p + " runs past the encoding's end");
                }
                long keyAt = p + 4;
                keys[i] = key(c, b, keyAt, keyLength, i, p);
                if (previousKey >= 0 && compareUnsigned(b, previousKey, previousLength, keyAt, keyLength) >= 0) {
                    throw corrupt(c.path, "key \"" + keys[i] + "\" at byte " + p + " is not after \"" + keys[i - 1]
                            + "\": keys must be sorted by their UTF-8 bytes, each once");
                }
                previousKey = keyAt;
                previousLength = keyLength;
                p = keyAt + keyLength;
            } else if (to - p < 1 + ContentIds.HASH_BYTES) {
                throw corrupt(c.path, "element " + i + " at byte " + p + " is cut short");
            }
            byte tag = b.get(BYTE, p);
            long childHash = p + 1;
            p += 1 + ContentIds.HASH_BYTES;
            values[i] = MessageFormat.isComposite(tag) ? composite(c, tag, childHash, end, all, depth)
                    : scalarItem(c, tag, end, map ? keys[i] : null, i);
        }
        if (p != to) {
            throw corrupt(c.path, "the encoding at byte " + from + " has " + (to - p) + " bytes after its last child, expected none");
        }
        if (c.at != end) {
            throw corrupt(c.path, "the tree at byte " + start + " has size " + size + ", but its items end at byte " + c.at);
        }
        if (!map) {
            return new LoadedList(values);
        }
        Map<String, Object> commitments = null;
        if (flag == PackedForm.COMMITTED || !c.fresh) {
            String mapId = id != null ? id : idAt(b, hashAt);
            if (flag == PackedForm.COMMITTED || EntryStore.exists(store, mapId + "/" + Commitments.KEY)) {
                commitments = checkedCommitments(mapId);
            }
        }
        return message(keys, values, commitments);
    }

    /** The message of {@code keys} to {@code values}, and its {@code commitments} if it has any (null or empty if none). */
    private static LoadedMap message(String[] keys, Object[] values, Map<String, Object> commitments) {
        if (commitments == null || commitments.isEmpty()) {
            return new LoadedMap(keys, values);
        }
        int n = keys.length;
        String[] withKey = Arrays.copyOf(keys, n + 1);
        Object[] withValue = Arrays.copyOf(values, n + 1);
        withKey[n] = Commitments.KEY;
        withValue[n] = Collections.unmodifiableMap(commitments);
        return new LoadedMap(withKey, withValue);
    }

    /**
     * The composite child (tag {@code tag}, hash at {@code hashAt}) whose part starts at {@code c.at}:
     * inline, decoded ({@code all}) or a link whose tree the cursor notes; by ID, loaded or a link.
     */
    private Object composite(Cursor c, byte tag, long hashAt, long end, boolean all, int depth) {
        MemorySegment b = c.b;
        if (c.at >= end) {
            throw corrupt(c.path, "its items end before the " + MessageFormat.describe(tag) + " value " + idAt(b, hashAt)
                    + " that its parent names");
        }
        if (b.get(BYTE, c.at) == PackedForm.BY_ID) {
            c.at++;
            String id = idAt(b, hashAt);
            return all ? load(new Link(id), true, depth + 1) : new Link(id);
        }
        long encAt = c.at + PackedForm.TREE_HEADER + 4;
        if (encAt < end && b.get(BYTE, encAt) != tag) {
            throw corrupt(c.path, "the tree at byte " + c.at + " holds tag " + MessageFormat.describe(b.get(BYTE, encAt))
                    + ", but its parent names " + idAt(b, hashAt) + " there with tag " + MessageFormat.describe(tag));
        }
        if (all) {
            return tree(c, null, hashAt, true, depth + 1);
        }
        String id = idAt(b, hashAt);
        if (c.linkIds == null || c.links == c.linkIds.length) {
            int room = c.linkIds == null ? 4 : c.links * 2;
            c.linkIds = c.linkIds == null ? new String[room] : Arrays.copyOf(c.linkIds, room);
            c.linkAt = c.linkAt == null ? new long[room] : Arrays.copyOf(c.linkAt, room);
        }
        c.linkIds[c.links] = id;
        c.linkAt[c.links++] = c.at;
        long size = c.at + PackedForm.TREE_HEADER > end ? -1 : PackedForm.u32(b, c.at + 1);
        if (size < 0 || size > end - c.at - PackedForm.TREE_HEADER) {
            throw corrupt(c.path, "the tree at byte " + c.at + " runs past its parent's end");
        }
        c.at += PackedForm.TREE_HEADER + size;
        return new Link(id);
    }

    /** The scalar whose item starts at {@code c.at}, of the tag {@code tag} its parent names; {@code c.at} moved past it. */
    private Object scalarItem(Cursor c, byte tag, long end, String key, int index) {
        MemorySegment b = c.b;
        long length = end - c.at < 4 ? -1 : PackedForm.u32(b, c.at);
        if (length < 1 || length > end - c.at - 4) {
            throw corrupt(c.path, "the item of " + what(key, index) + " at byte " + c.at + (length == 0 ? " is empty" : " runs past its tree's end"));
        }
        long from = c.at + 4;
        long to = from + length;
        if (b.get(BYTE, from) != tag) {
            throw corrupt(c.path, "holds tag " + MessageFormat.describe(b.get(BYTE, from)) + " for " + what(key, index) + " at byte " + from
                    + ", but its parent names it with tag " + MessageFormat.describe(tag));
        }
        c.at = to;
        try {
            return MessageFormat.decodeScalar(b, from, to);
        } catch (IllegalArgumentException e) {
            throw corrupt(c.path, what(key, index) + " at byte " + from + ": " + e.getMessage());
        }
    }

    /** Names a child in a message: its key, or its index in a list. */
    private static String what(String key, int index) {
        return key != null ? "key \"" + key + "\"" : "element " + index;
    }

    /** Key {@code i} of an encoding, {@code length} bytes at {@code at}: well-formed UTF-8, a valid key. */
    private String key(Cursor c, MemorySegment b, long at, long length, int i, long keyField) {
        String known = keys.find(b, at, length);
        if (known != null) {
            return known;
        }
        String key = MessageFormat.decodeUtf8(b, at, at + length);
        if (key == null) {
            throw corrupt(c.path, "key " + i + " at byte " + keyField + " is not well-formed UTF-8");
        }
        try {
            StorePaths.checkSegment(key, key);
        } catch (IllegalArgumentException e) {
            throw corrupt(c.path, e.getMessage());
        }
        keys.put(b, at, length, key);
        return key;
    }

    private static String idAt(MemorySegment b, long hashAt) {
        return ContentIds.encode(MessageFormat.copy(b, hashAt, ContentIds.HASH_BYTES));
    }

    /** Compares the bytes {@code [a, a + aLength)} and {@code [b, b + bLength)} of {@code s} as unsigned, as {@link Arrays#compareUnsigned} does. */
    private static int compareUnsigned(MemorySegment s, long a, long aLength, long b, long bLength) {
        long i = MemorySegment.mismatch(s, a, a + aLength, s, b, b + bLength);
        if (i < 0) {
            return 0;
        }
        if (i == aLength || i == bLength) {
            return Long.compare(aLength, bLength);
        }
        return Byte.toUnsignedInt(s.get(BYTE, a + i)) - Byte.toUnsignedInt(s.get(BYTE, b + i));
    }

    /** The commitments of the map {@code id}, loaded and each checked against its ID; empty if none. */
    private Map<String, Object> checkedCommitments(String id) {
        Map<String, Object> commitments = storedCommitments(id);
        if (!commitments.isEmpty()) {
            byte[] hash = ContentIds.decode(id);
            for (Map.Entry<String, Object> e : commitments.entrySet()) {
                String problem = Commitments.problem(e.getKey(), e.getValue(), hash);
                if (problem != null) {
                    throw corrupt(id + "/" + Commitments.KEY, problem);
                }
            }
        }
        return commitments;
    }

    /** The commitments stored for the message {@code id}, loaded whole (not yet checked); empty if none. */
    Map<String, Object> storedCommitments(String id) {
        String path = id + "/" + Commitments.KEY;
        if (store.type(path) != Store.Type.COMPOSITE) {
            return Map.of();
        }
        Object loaded = cache.ensureAllLoaded(load(store.resolve(path)));
        if (!(loaded instanceof Map<?, ?> map)) {
            throw corrupt(path, "leads to a " + Commitments.typeName(loaded) + ", expected a map of commitments");
        }
        Map<String, Object> commitments = new LinkedHashMap<>();
        map.forEach((k, v) -> commitments.put((String) k, v));
        return commitments;
    }

    /**
     * The map or list with encoding {@code enc} (at {@code path}), its children read from their own
     * entries: scalars from {@code data/}, composites by their IDs (links, or loaded {@code all}).
     * With no packed value to say whether a map has commitments, its group {@code <id>/commitments}
     * is looked for.
     */
    private Object fromParts(String id, String path, byte[] enc, boolean all, int depth) {
        if (enc.length == 0 || !MessageFormat.isComposite(enc[0])) {
            try {
                return MessageFormat.decodeScalar(enc);
            } catch (IllegalArgumentException e) {
                throw corrupt(path, e.getMessage());
            }
        }
        if (depth > MessageWriter.MAX_DEPTH) {
            throw corrupt(path, "nests more than " + MessageWriter.MAX_DEPTH + " levels deep: a value that contains itself");
        }
        List<Child> children;
        try {
            children = MessageFormat.decodeComposite(enc);
        } catch (IllegalArgumentException e) {
            throw corrupt(path, e.getMessage());
        }
        int n = children.size();
        Object[] values = new Object[n];
        for (int i = 0; i < n; i++) {
            Child c = children.get(i);
            values[i] = !MessageFormat.isComposite(c.tag()) ? child(c, path)
                    : all ? load(new Link(c.id()), true, depth + 1) : new Link(c.id());
        }
        if (enc[0] == MessageFormat.LIST) {
            return new LoadedList(values);
        }
        String[] keys = new String[n];
        for (int i = 0; i < n; i++) {
            keys[i] = children.get(i).key();
        }
        return message(keys, values, checkedCommitments(id));
    }

    /** A scalar child read from {@code data/<its id>}, of the tag its parent names. */
    private Object child(Child c, String parent) {
        String path = "data/" + c.id();
        String what = c.key() != null ? "key \"" + c.key() + "\"" : "an element";
        byte[] enc = store.read(path).orElseThrow(() -> corrupt(parent, what + " names " + path + ", which is missing"));
        if (enc.length == 0 || enc[0] != c.tag()) {
            throw corrupt(path, "holds tag " + (enc.length == 0 ? "none" : MessageFormat.describe(enc[0])) + " for " + what
                    + " (" + c.id() + "), but its parent names it with tag " + MessageFormat.describe(c.tag()));
        }
        try {
            return MessageFormat.decodeScalar(enc);
        } catch (IllegalArgumentException e) {
            throw corrupt(path, e.getMessage());
        }
    }

    /** A group written to the store directly, not by the cache: its children, values loaded, groups as links. */
    private Map<String, Object> group(String path) {
        Map<String, Object> map = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(store.list(path));
        Collections.sort(names);
        for (String name : names) {
            String child = path + "/" + name;
            String resolved = store.resolve(child);
            if (resolved.startsWith("data/") || (resolved.indexOf('/') < 0 && ContentIds.isId(resolved))) {
                String id = resolved.startsWith("data/") ? resolved.substring(5) : resolved;
                byte[] enc = store.read("data/" + id).orElse(null);
                if (enc != null) {
                    map.put(name, enc.length > 0 && MessageFormat.isComposite(enc[0]) ? new Link(id)
                            : fromParts(id, "data/" + id, enc, false, 0));
                    continue;
                }
            }
            switch (store.type(resolved)) {
                case SIMPLE -> store.read(resolved).ifPresent(v -> map.put(name, v));
                case COMPOSITE -> map.put(name, new Link(child));
                case ABSENT -> { } // a link to nothing yet
            }
        }
        return Collections.unmodifiableMap(map);
    }

    private CorruptContentException corrupt(String path, String problem) {
        return cache.corrupt(path, problem);
    }
}
