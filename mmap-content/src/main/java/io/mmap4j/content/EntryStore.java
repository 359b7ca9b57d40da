package io.mmap4j.content;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The {@link Store} contract (link resolution, groups made on the way, what may replace what)
 * written once over a backend's handful of primitives, which never follow links: {@link #entry}
 * (what is at exactly this path), {@link #putValue}, {@link #putGroup}, {@link #putLink},
 * {@link #children}, {@link #clear}. Paths given to the primitives are normal and, but for
 * {@link #children}, never the root.
 */
abstract class EntryStore implements Store {
    /** What is at one path, links not followed. */
    enum Kind { VALUE, GROUP, LINK }

    /**
     * An entry: a value (whose bytes a backend may give at once, or load on {@link #value}), a
     * group, or a link with its target.
     */
    record Entry(Kind kind, String target, byte[] value) {
        static final Entry GROUP = new Entry(Kind.GROUP, null, null);
        static final Entry UNLOADED_VALUE = new Entry(Kind.VALUE, null, null);

        static Entry value(byte[] bytes) {
            return new Entry(Kind.VALUE, null, bytes);
        }

        static Entry link(String target) {
            return new Entry(Kind.LINK, target, null);
        }
    }

    private volatile boolean open = true;

    /** The entry at exactly {@code path} (no link followed), or null. */
    abstract Entry entry(String path);

    /** The bytes of the value at exactly {@code path}, or null if it is no longer a value. */
    abstract byte[] value(String path);

    /**
     * Puts a value at {@code path}, whose parent is a group and which is not a group. The array is
     * the caller's: a backend that keeps it copies it. {@code isNew}: there was no entry at
     * {@code path} a moment ago (another writer may have made one since), so a backend may skip
     * looking for one before it lists the new name.
     */
    abstract void putValue(String path, byte[] value, boolean isNew);

    /** Makes {@code path} a group, whose parent is a group; nothing if it is one already. */
    abstract void putGroup(String path);

    /**
     * Makes {@code path} a group, as {@link #putGroup}, about to get the child {@code child}: a
     * backend may list the child in the new group at once.
     */
    void putGroupFor(String path, String child) {
        putGroup(path);
    }

    /** Puts a link at {@code path}, whose parent is a group and which is not a group; {@code isNew} as for {@link #putValue}. */
    abstract void putLink(String path, String target, boolean isNew);

    /** The names of the children of the group at exactly {@code path} ("" is the root). */
    abstract List<String> children(String path);

    /** Deletes every entry. */
    abstract void clear();

    /** Releases what the backend holds; called once. */
    abstract void release();

    /**
     * The bytes of the value at exactly {@code path}, found in one lookup, or null if there is no
     * value there or the backend has no such shortcut: then {@link #read} resolves the path. An
     * entry that exists has no link on its prefix (entries are made at resolved paths), so a value
     * found here is the one the path leads to.
     */
    byte[] valueAt(String path) {
        return null;
    }

    /**
     * Whether {@code store} has an entry at exactly {@code path}, a normal path with no link on its
     * prefix (such as {@code <id>/commitments} or {@code data/<id>}): one lookup of a backend's
     * entries, where {@link Store#type} would resolve the path segment by segment.
     */
    static boolean exists(Store store, String path) {
        if (store instanceof EntryStore entries) {
            entries.checkOpen();
            return entries.entry(path) != null;
        }
        return store.type(path) != Type.ABSENT;
    }

    /**
     * The bytes of the value at exactly {@code path} in {@code store}, a normal path with no link on
     * its prefix (such as {@code packed/<id>}), or null if there is none: one lookup of a backend's
     * entries, even when there is no value there, where {@link Store#read} would then resolve the
     * path segment by segment.
     */
    static byte[] valueAt(Store store, String path) {
        if (store instanceof EntryStore entries) {
            entries.checkOpen();
            byte[] v = entries.valueAt(path);
            if (v != null || entries.hasValueAt()) {
                return v == null ? null : entries.copyOut(v);
            }
        }
        return store.read(path).orElse(null);
    }

    /**
     * {@link #valueAt(Store, String)} as a read-only view of the value where the backend keeps it,
     * if it keeps it in memory (a mapped backend: no copy), else of a copy.
     */
    static MemorySegment viewAt(Store store, String path) {
        if (store instanceof EntryStore entries && entries.hasValueAt()) {
            entries.checkOpen();
            return entries.viewAt(path);
        }
        byte[] v = valueAt(store, path);
        return v == null ? null : MemorySegment.ofArray(v);
    }

    /** The value at exactly {@code path} as a view, or null; for a backend whose {@link #hasValueAt} is true. */
    MemorySegment viewAt(String path) {
        byte[] v = valueAt(path);
        return v == null ? null : MemorySegment.ofArray(v);
    }

    /**
     * {@link #viewAt(Store, String)} of a small value read on every message read (the commitments
     * stamp), which a backend may answer from what it read before, as long as it checks that the
     * value did not change since: the value now, or null if there is none.
     */
    static MemorySegment smallViewAt(Store store, String path) {
        if (store instanceof EntryStore entries && entries.hasValueAt()) {
            entries.checkOpen();
            return entries.smallViewAt(path);
        }
        return viewAt(store, path);
    }

    /** {@link #smallViewAt(Store, String)} in this backend: {@link #viewAt(String)} unless it keeps such values. */
    MemorySegment smallViewAt(String path) {
        return viewAt(path);
    }

    /** Whether {@link #valueAt(String)} finds every value (so that null means none), not only some. */
    boolean hasValueAt() {
        return false;
    }

    @Override
    public Optional<byte[]> read(String path) {
        String p = StorePaths.normalize(path);
        checkOpen();
        byte[] direct = p.isEmpty() ? null : valueAt(p);
        if (direct != null) {
            return Optional.of(copyOut(direct));
        }
        Resolved r = resolveOpen(p);
        Entry e = r.entry();
        if (e == null || e.kind() != Kind.VALUE) {
            return Optional.empty();
        }
        byte[] v = e.value() != null ? e.value() : value(r.path());
        return v == null ? Optional.empty() : Optional.of(copyOut(v));
    }

    /** The bytes a read returns for a value the backend holds: the backend's own array if it is a fresh copy. */
    byte[] copyOut(byte[] value) {
        return value;
    }

    @Override
    public void write(String path, byte[] value) {
        Objects.requireNonNull(value, "value");
        Place p = placeOf(path, "write a value at");
        putValue(p.path(), value, p.isNew());
    }

    @Override
    public Type type(String path) {
        Resolved r = resolveOpen(path);
        if (r.path().isEmpty()) {
            return Type.COMPOSITE;
        }
        Entry e = r.entry();
        return e == null || e.kind() == Kind.LINK ? Type.ABSENT : e.kind() == Kind.GROUP ? Type.COMPOSITE : Type.SIMPLE;
    }

    @Override
    public void makeGroup(String path) {
        Resolved r = resolveOpen(path);
        String p = r.path();
        if (p.isEmpty()) {
            return;
        }
        Entry e = r.entry();
        if (e != null && e.kind() == Kind.GROUP) {
            return;
        }
        if (e != null) {
            throw new IllegalStateException(location() + ": cannot make a group at " + p + ": it is a value");
        }
        groupsAbove(p);
        putGroup(p);
    }

    @Override
    public void makeLink(String existing, String newPath) {
        String target = StorePaths.normalize(Objects.requireNonNull(existing, "existing"));
        String link = StorePaths.normalize(Objects.requireNonNull(newPath, "newPath"));
        checkOpen();
        if (target.equals(link)) {
            return; // as hb_store: a link to itself is no link
        }
        if (target.isEmpty()) {
            throw new IllegalArgumentException("cannot link " + link + " to the root");
        }
        Place p = placeOf(link, "make a link at");
        putLink(p.path(), target, p.isNew());
    }

    /**
     * Makes the group {@code group} (a normal path) holding a link at each of {@code names} to the
     * target of the same index: a {@link #makeGroup} and a {@link #makeLink} each, which a backend
     * may do in fewer writes (a message cache's group of a message's keys).
     */
    void makeGroupOfLinks(String group, List<String> names, List<String> targets) {
        linkEach(this, group, names, targets);
    }

    /** {@link #makeGroupOfLinks} on any store: through the backend's own if it is an {@code EntryStore}. */
    static void makeGroupOfLinks(Store store, String group, List<String> names, List<String> targets) {
        if (store instanceof EntryStore entries) {
            entries.makeGroupOfLinks(group, names, targets);
        } else {
            linkEach(store, group, names, targets);
        }
    }

    private static void linkEach(Store store, String group, List<String> names, List<String> targets) {
        store.makeGroup(group);
        for (int i = 0; i < names.size(); i++) {
            store.makeLink(targets.get(i), StorePaths.child(group, names.get(i)));
        }
    }

    @Override
    public String resolve(String path) {
        return resolveOpen(path).path();
    }

    /**
     * The names of the children of the group at exactly {@code path}, found in one lookup, or null
     * if there is no group there or the backend has no such shortcut: then {@link #list} resolves
     * the path. As for {@link #valueAt}, a group found here is the one the path leads to.
     */
    List<String> childrenAt(String path) {
        return null;
    }

    @Override
    public List<String> list(String path) {
        String normal = StorePaths.normalize(path);
        checkOpen();
        List<String> direct = normal.isEmpty() ? null : childrenAt(normal);
        if (direct != null) {
            return direct;
        }
        Resolved r = resolveOpen(normal);
        String p = r.path();
        if (!p.isEmpty()) {
            Entry e = r.entry();
            if (e == null || e.kind() != Kind.GROUP) {
                return List.of();
            }
        }
        return children(p);
    }

    @Override
    public void reset() {
        checkOpen();
        clear();
    }

    @Override
    public void close() {
        if (open) {
            open = false;
            release();
        }
    }

    final void checkOpen() {
        if (!open) {
            throw new IllegalStateException(location() + ": the store is closed");
        }
    }

    /** A resolved path and the entry found there (null if none), so that callers look it up once. */
    private record Resolved(String path, Entry entry) {
    }

    /**
     * Resolves {@code path}: the whole path first (a path that exists has no link on its prefix,
     * so this is one lookup); else segment by segment from the root, each link found replaced by
     * its target, itself resolved the same way. Costs a lookup per segment and per link. A link met
     * again while its own target is being resolved can never resolve: a cycle, reported at once;
     * otherwise at most {@value #MAX_LINK_HOPS} links are followed in all.
     */
    private Resolved resolveOpen(String path) {
        String p = StorePaths.normalize(path);
        checkOpen();
        if (p.isEmpty()) {
            return new Resolved(p, null);
        }
        Entry whole = entry(p);
        if (whole != null && whole.kind() != Kind.LINK) {
            return new Resolved(p, whole);
        }
        return walk(StorePaths.split(p), new Walk(p));
    }

    /** The state of one resolution: what it resolves, links followed, links being expanded. */
    private static final class Walk {
        final String path;
        int hops;
        final Set<String> expanding = new HashSet<>();

        Walk(String path) {
            this.path = path;
        }
    }

    private Resolved walk(List<String> segments, Walk walk) {
        String current = "";
        Entry e = null;
        for (int i = 0; i < segments.size(); i++) {
            String candidate = StorePaths.child(current, segments.get(i));
            e = entry(candidate);
            List<String> followed = null;
            while (e != null && e.kind() == Kind.LINK) {
                if (++walk.hops > MAX_LINK_HOPS) {
                    throw new IllegalStateException(location() + ": resolving " + StorePaths.abbreviate(walk.path)
                            + " followed " + MAX_LINK_HOPS + " links without reaching an entry that is not a link: a cycle");
                }
                if (!walk.expanding.add(candidate)) {
                    throw new IllegalStateException(location() + ": resolving " + StorePaths.abbreviate(walk.path)
                            + ": the link " + StorePaths.abbreviate(candidate) + " leads back through itself: a cycle");
                }
                followed = followed == null ? new ArrayList<>() : followed;
                followed.add(candidate);
                String target = e.target();
                Entry direct = entry(target);
                if (direct != null) { // the target exists as it is: no link on its prefix, no recursion (chains stay flat)
                    candidate = target;
                    e = direct;
                } else {
                    Resolved resolved = walk(StorePaths.split(target), walk);
                    candidate = resolved.path();
                    e = resolved.entry();
                }
            }
            if (followed != null) {
                walk.expanding.removeAll(followed);
            }
            if (e == null || e.kind() == Kind.VALUE) {
                if (i < segments.size() - 1) { // nothing is below an absent path or a value
                    List<String> rest = segments.subList(i + 1, segments.size());
                    return new Resolved(candidate + "/" + String.join("/", rest), null);
                }
            }
            current = candidate;
        }
        return new Resolved(current, e);
    }

    /** Where an entry goes, and whether there was none there when it was looked up. */
    private record Place(String path, boolean isNew) {
    }

    /**
     * The path where an entry for {@code path} goes: its parent resolved and made a group (with the
     * groups above it), checked not to be a group itself.
     */
    private Place placeOf(String path, String doing) {
        String p = StorePaths.normalize(path);
        checkOpen();
        if (p.isEmpty()) {
            throw new IllegalArgumentException("cannot " + doing + " the root: give a path");
        }
        Resolved resolvedParent = resolveOpen(StorePaths.parent(p));
        String parent = resolvedParent.path();
        String place = StorePaths.child(parent, StorePaths.name(p));
        if (!parent.isEmpty()) {
            Entry e = resolvedParent.entry();
            if (e == null) {
                groupsAbove(place);
            } else if (e.kind() == Kind.VALUE) {
                throw new IllegalStateException(location() + ": cannot " + doing + " " + p + ": " + parent + " is a value");
            }
        }
        Entry e = entry(place);
        if (e != null && e.kind() == Kind.GROUP) {
            throw new IllegalStateException(location() + ": cannot " + doing + " " + p + ": it is a group");
        }
        return new Place(place, e == null);
    }

    /** Makes every missing group above {@code path}, which is resolved; a value on the way is an error. */
    private void groupsAbove(String path) {
        List<String> missing = new ArrayList<>();
        for (String parent = StorePaths.parent(path); !parent.isEmpty(); parent = StorePaths.parent(parent)) {
            Entry e = entry(parent);
            if (e != null) {
                if (e.kind() != Kind.GROUP) {
                    throw new IllegalStateException(location() + ": cannot make " + path + ": " + parent + " is "
                            + (e.kind() == Kind.VALUE ? "a value" : "a link"));
                }
                break;
            }
            missing.add(parent);
        }
        List<String> topDown = missing.reversed();
        for (int i = 0; i < topDown.size(); i++) {
            String below = i + 1 < topDown.size() ? topDown.get(i + 1) : path;
            putGroupFor(topDown.get(i), StorePaths.name(below));
        }
    }
}
