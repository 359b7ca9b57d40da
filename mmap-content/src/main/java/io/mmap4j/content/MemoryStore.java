package io.mmap4j.content;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link Store} in the heap: for tests, and as a fast first tier in a {@link StoreChain} in front
 * of a persistent store. Nothing survives the JVM.
 *
 * <p>Safe for use by many threads: reads take no lock; writes are serialised by the store's
 * monitor, so that checking what is at a path and changing it is one step. A group keeps the set of
 * its children's names, so {@link #list} costs the number of children.
 */
public final class MemoryStore extends EntryStore {
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<String>> children = new ConcurrentHashMap<>();

    /** An empty store. */
    public MemoryStore() {
        children.put("", ConcurrentHashMap.newKeySet());
    }

    @Override
    Entry entry(String path) {
        return entries.get(path);
    }

    @Override
    byte[] value(String path) {
        Entry e = entries.get(path);
        return e != null && e.kind() == Kind.VALUE ? e.value() : null;
    }

    @Override
    byte[] copyOut(byte[] value) {
        return value.clone(); // the store's array is shared by every read
    }

    @Override
    synchronized void putValue(String path, byte[] value, boolean isNew) {
        put(path, Entry.value(value.clone())); // kept: the caller's array may change
    }

    @Override
    synchronized void putGroup(String path) {
        Entry e = entries.get(path);
        if (e == null) {
            children.put(path, ConcurrentHashMap.newKeySet());
            put(path, Entry.GROUP);
        } else if (e.kind() != Kind.GROUP) {
            throw new IllegalStateException("memory: cannot make a group at " + path + ": it is a " + e.kind());
        }
    }

    @Override
    synchronized void putLink(String path, String target, boolean isNew) {
        put(path, Entry.link(target));
    }

    private void put(String path, Entry e) {
        Entry old = entries.get(path);
        if (old != null && old.kind() == Kind.GROUP && e.kind() != Kind.GROUP) {
            throw new IllegalStateException("memory: " + path + " is a group");
        }
        Set<String> siblings = children.get(StorePaths.parent(path));
        if (siblings == null) {
            throw new IllegalStateException("memory: " + StorePaths.parent(path) + " is not a group");
        }
        entries.put(path, e);
        siblings.add(StorePaths.name(path));
    }

    @Override
    List<String> children(String path) {
        Set<String> names = children.get(path);
        return names == null ? List.of() : List.copyOf(names);
    }

    @Override
    synchronized void clear() {
        entries.clear();
        children.clear();
        children.put("", ConcurrentHashMap.newKeySet());
    }

    @Override
    void release() {
        entries.clear();
        children.clear();
    }

    /**
     * The number of entries: values, groups and links.
     *
     * @return how many paths hold something
     */
    public int size() {
        checkOpen();
        return entries.size();
    }

    @Override
    public String location() {
        return "memory";
    }

    /** Names the store and its size. */
    @Override
    public String toString() {
        return "MemoryStore[" + entries.size() + " entries]";
    }
}
