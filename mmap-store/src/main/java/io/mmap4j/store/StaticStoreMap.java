package io.mmap4j.store;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * {@link StaticStore#asMap}: a read-only {@link Map} over a store, keys and values through codecs.
 * Lookups encode the key and go to the store's index; iteration decodes every entry.
 */
final class StaticStoreMap<K, V> extends AbstractMap<K, V> {
    private final StaticStore store;
    private final Codec<K> keys;
    private final Codec<V> values;

    StaticStoreMap(StaticStore store, Codec<K> keys, Codec<V> values) {
        this.store = store;
        this.keys = keys;
        this.values = values;
    }

    @Override
    @SuppressWarnings("unchecked") // a key of another type fails the codec's cast: ClassCastException, as Map allows
    public V get(Object key) {
        return key == null ? null : store.get(keys.encode((K) key), values);
    }

    @Override
    @SuppressWarnings("unchecked") // as in get
    public boolean containsKey(Object key) {
        return key != null && store.contains(keys.encode((K) key));
    }

    @Override
    public int size() {
        return (int) Math.min(Integer.MAX_VALUE, store.size());
    }

    @Override
    public Set<Map.Entry<K, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<K, V>> iterator() {
                Iterator<StaticStore.Entry> entries = store.iterator();
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return entries.hasNext();
                    }

                    @Override
                    public Map.Entry<K, V> next() {
                        StaticStore.Entry entry = entries.next();
                        return new SimpleImmutableEntry<>(keys.decode(entry.key()), values.decode(entry.value()));
                    }
                };
            }

            @Override
            public int size() {
                return StaticStoreMap.this.size();
            }
        };
    }
}
