package io.mmap4j.content;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A message as {@link MessageCache} returns it: unmodifiable, its keys in the encoding's order, held
 * in two arrays filled once by the reader (no hash table, no entry objects until asked for). A
 * lookup by key scans the keys of a small message and builds an index for a larger one, once.
 */
final class LoadedMap extends AbstractMap<String, Object> {
    /** Up to this many keys a lookup scans them; past it, an index is built on the first lookup. */
    private static final int SCANNED = 8;

    private final String[] keys;
    private final Object[] values;
    private Map<String, Integer> index;
    private Set<Map.Entry<String, Object>> entries;

    /** A map of {@code keys[i]} to {@code values[i]}; the arrays are the map's own from now on. */
    LoadedMap(String[] keys, Object[] values) {
        this.keys = keys;
        this.values = values;
    }

    /** This map with {@code load} applied to each value: itself if no value changed. */
    LoadedMap mapValues(UnaryOperator<Object> load) {
        Object[] loaded = LoadedList.mapped(values, load);
        return loaded == null ? this : new LoadedMap(keys, loaded);
    }

    @Override
    public int size() {
        return keys.length;
    }

    @Override
    public boolean containsKey(Object key) {
        return indexOf(key) >= 0;
    }

    @Override
    public Object get(Object key) {
        int i = indexOf(key);
        return i < 0 ? null : values[i];
    }

    private int indexOf(Object key) {
        if (keys.length <= SCANNED) {
            for (int i = 0; i < keys.length; i++) {
                if (keys[i].equals(key)) {
                    return i;
                }
            }
            return -1;
        }
        Map<String, Integer> idx = index;
        if (idx == null) {
            Map<String, Integer> built = HashMap.newHashMap(keys.length);
            for (int i = 0; i < keys.length; i++) {
                built.put(keys[i], i);
            }
            // Published without a lock: an immutable copy (its fields final) is seen whole by any
            // thread, and every thread that builds one builds the same from the final arrays.
            idx = Map.copyOf(built);
            index = idx;
        }
        Integer i = idx.get(key);
        return i == null ? -1 : i;
    }

    @Override
    public Set<Map.Entry<String, Object>> entrySet() {
        Set<Map.Entry<String, Object>> set = entries;
        if (set == null) {
            set = new AbstractSet<>() {
                @Override
                public Iterator<Map.Entry<String, Object>> iterator() {
                    return new Iterator<>() {
                        private int next;

                        @Override
                        public boolean hasNext() {
                            return next < keys.length;
                        }

                        @Override
                        public Map.Entry<String, Object> next() {
                            if (next >= keys.length) {
                                throw new NoSuchElementException();
                            }
                            int i = next++;
                            return new SimpleImmutableEntry<>(keys[i], values[i]);
                        }
                    };
                }

                @Override
                public int size() {
                    return keys.length;
                }
            };
            entries = set;
        }
        return set;
    }

    @Override
    public void clear() {
        throw new UnsupportedOperationException("a message read from a cache is unmodifiable");
    }
}
