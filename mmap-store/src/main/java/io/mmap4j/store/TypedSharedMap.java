package io.mmap4j.store;

import java.lang.foreign.MemorySegment;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

/**
 * A {@link SharedMap} with typed keys and values, through {@link Codec}s: ModuleStore's whole
 * surface ({@code get}, {@code get} with a default, a {@code get} that throws for a missing key,
 * {@code getAll}, {@code put}, {@code putAll}, {@code delete}) plus the atomic read-modify-writes.
 * Obtained from {@link SharedMap#typed(Codec, Codec)}; every call goes to the map, with its
 * guarantees, errors and costs, plus the encoding and decoding. With {@link Codec#utf8()} keys, a
 * lookup hashes and compares the {@code String} without encoding it.
 *
 * <p><b>Reads that do not decode again.</b> When both codecs are built-ins whose objects are
 * immutable ({@link Codec#utf8()}, {@link Codec#int64()}), each view keeps the decoded values of
 * the keys it read last (1024 lines, by the key's {@code hashCode}), each with the slot and the
 * record reference it was decoded from. A read of such a key loads the slot's reference, one load
 * of mapped memory: if no writer has changed the slot since (a rewrite marks every slot of the
 * generation it replaces), the value is the one decoded then, and it is returned as it is; else
 * the key is looked up and decoded afresh. A record never
 * changes once written and a slot only ever points at newer records of its key, so an unchanged
 * reference means an unchanged value: the cache never returns a value older than the map's. The
 * same holds for a key found absent (the empty slot that ended its probe, or its removed slot, is
 * unchanged). With other codecs, each read decodes.
 *
 * <pre>{@code
 * TypedSharedMap<String, String> config = map.typed(Codec.utf8(), Codec.utf8());
 * config.put("mode", "fast");
 * String mode = config.get("mode", "safe");       // "safe" only if absent
 * Map<String, String> all = config.getAll();      // one consistent snapshot
 * }</pre>
 *
 * @param <K> the type of the keys
 * @param <V> the type of the values
 */
public final class TypedSharedMap<K, V> {
    private final SharedMap map;
    private final Codec<K> keys;
    private final Codec<V> values;
    /** Whether keys are UTF-8 strings, looked up without encoding them. */
    private final boolean stringKeys;
    /** The lines of the read cache, by the key's spread hash code; null when the codecs' objects may be mutable. */
    private final Line[] lines;
    /** The read step that makes a line, made once so that a read allocates no method reference. */
    private final SharedMap.Read<Line> lineOf = this::lineOf;

    TypedSharedMap(SharedMap map, Codec<K> keys, Codec<V> values) {
        this.map = map;
        this.keys = keys;
        this.values = values;
        this.stringKeys = keys == Codecs.UTF8;
        this.lines = immutable(keys) && immutable(values) ? new Line[CACHE_LINES] : null;
    }

    private static final int CACHE_LINES = 1024;

    /**
     * What a read found for {@code key}: in the data file mapped at {@code file}, the slot whose
     * reference is at {@code refAt} held the reference {@code ref} (0 for the empty slot that
     * ended the probe, the sign bit set for a removed key), and so the value {@code value},
     * decoded (null if absent). Immutable, so that threads share lines through plain array
     * stores. A null {@code file} is a read that raced a writer on that slot: used once, never
     * cached.
     */
    private record Line(Object key, MemorySegment file, long refAt, long ref, Object value) {
    }

    private static boolean immutable(Codec<?> codec) {
        return codec == Codecs.UTF8 || codec == Codecs.INT64;
    }

    /**
     * The value of {@code key}.
     *
     * @param key the key
     * @return its value, or null if the map has no such key
     */
    public V get(K key) {
        return value(key);
    }

    /**
     * The value of {@code key}, or {@code defaultValue} if the map has no such key.
     *
     * @param key          the key
     * @param defaultValue what to return for a missing key; may be null
     * @return its value, or {@code defaultValue}
     */
    public V get(K key, V defaultValue) {
        V value = value(key);
        return value == null ? defaultValue : value;
    }

    /**
     * The value of {@code key}, which must be there.
     *
     * @param key the key
     * @return its value
     * @throws NoSuchElementException naming the key if the map has no such key
     */
    public V getOrThrow(K key) {
        V value = value(key);
        if (value == null) {
            throw new NoSuchElementException("key not found: " + key + " in the shared map " + map.path());
        }
        return value;
    }

    /**
     * Whether the map has {@code key}.
     *
     * @param key the key
     * @return true if it has a value for the key
     */
    public boolean containsKey(K key) {
        return value(key) != null;
    }

    /**
     * Every key and value at one moment: a consistent snapshot, as {@link SharedMap#getAll}.
     *
     * @return a new map of the entries, which the caller owns
     */
    public Map<K, V> getAll() {
        return map.getAll(keys, values);
    }

    /**
     * Maps {@code key} to {@code value}, as {@link SharedMap#put(byte[], byte[])}.
     *
     * @param key   the key
     * @param value the value
     */
    public void put(K key, V value) {
        map.put(encodeKey(key), encodeValue(value));
    }

    /**
     * Puts every entry of {@code entries} all at once, as {@link SharedMap#putAll}: all or none,
     * visible at once, merged into what the map holds.
     *
     * @param entries the entries; a null value removes its key
     */
    public void putAll(Map<? extends K, ? extends V> entries) {
        List<Map.Entry<byte[], byte[]>> encoded = new ArrayList<>(Objects.requireNonNull(entries, "entries").size());
        for (Map.Entry<? extends K, ? extends V> entry : entries.entrySet()) {
            encoded.add(new AbstractMap.SimpleImmutableEntry<>(encodeKey(entry.getKey()),
                    entry.getValue() == null ? null : encodeValue(entry.getValue())));
        }
        map.putAll(encoded);
    }

    /**
     * Removes {@code key} and its value (ModuleStore's {@code delete}).
     *
     * @param key the key
     * @return true if the map had the key
     */
    public boolean remove(K key) {
        return map.remove(encodeKey(key));
    }

    /**
     * Maps {@code key} to {@code value} unless it has a value: atomic across processes.
     *
     * @param key   the key
     * @param value the value
     * @return the value it had, which is kept, or null if it had none
     */
    public V putIfAbsent(K key, V value) {
        byte[] old = map.putIfAbsent(encodeKey(key), encodeValue(value));
        return old == null ? null : values.decode(MemorySegment.ofArray(old));
    }

    /**
     * Replaces the value of {@code key} with {@code newValue} if its encoding equals that of
     * {@code expected}: compare-and-set across processes.
     *
     * @param key      the key
     * @param expected the value it must have
     * @param newValue its new value
     * @return true if it had {@code expected} and now has {@code newValue}
     */
    public boolean replace(K key, V expected, V newValue) {
        return map.replace(encodeKey(key), encodeValue(expected), encodeValue(newValue));
    }

    /**
     * Computes the new value of {@code key} from its value, atomically across processes, as
     * {@link SharedMap#compute}.
     *
     * @param key       the key
     * @param remapping from the key and its value (null if absent) to the new value (null removes the key)
     * @return the new value, or null if the key is now absent
     */
    public V compute(K key, BiFunction<? super K, ? super V, ? extends V> remapping) {
        Objects.requireNonNull(remapping, "remapping");
        byte[] value = map.compute(encodeKey(key), (k, old) -> {
            V next = remapping.apply(key, old == null ? null : values.decode(MemorySegment.ofArray(old)));
            return next == null ? null : values.encode(next);
        });
        return value == null ? null : values.decode(MemorySegment.ofArray(value));
    }

    /**
     * Sets {@code key} to {@code value} if absent, else to {@code remapping} of its value and
     * {@code value}, atomically across processes, as {@link Map#merge}.
     *
     * @param key       the key
     * @param value     the value if absent, and the second argument of {@code remapping}
     * @param remapping from the old value and {@code value} to the new value (null removes the key)
     * @return the new value, or null if the key is now absent
     */
    public V merge(K key, V value, BiFunction<? super V, ? super V, ? extends V> remapping) {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(remapping, "remapping");
        return compute(key, (k, old) -> old == null ? value : remapping.apply(old, value));
    }

    /**
     * The number of keys.
     *
     * @return the map's size
     */
    public long size() {
        return map.size();
    }

    /**
     * Calls {@code action} with every key and value, decoded, as {@link SharedMap#forEach}.
     *
     * @param action receives each key and value
     */
    public void forEach(BiConsumer<? super K, ? super V> action) {
        Objects.requireNonNull(action, "action");
        map.forEach((k, v) -> action.accept(keys.decode(k), values.decode(v)));
    }

    /**
     * The map this view reads and writes.
     *
     * @return the untyped map
     */
    public SharedMap map() {
        return map;
    }

    /** Names the map and the codecs. */
    @Override
    public String toString() {
        return "TypedSharedMap[" + map.path() + ", " + keys + ", " + values + "]";
    }

    /** The value of {@code key}, or null if absent: from the cache if its slot is unchanged, else read and decoded. */
    @SuppressWarnings("unchecked")
    private V value(K key) {
        int hash = Objects.requireNonNull(key, "key").hashCode();
        int at = (hash ^ (hash >>> 16)) & (CACHE_LINES - 1);
        Line line = lines == null ? null : lines[at];
        if (line != null && key.equals(line.key) && SharedMap.unchanged(line.file, line.refAt, line.ref)) {
            return (V) line.value;
        }
        line = stringKeys ? map.read(key, SharedMapFile.STRING, map.hash((String) key), lineOf, key)
                : read(keys.encode(key), key);
        if (lines != null && line.file != null) {
            lines[at] = line;
        }
        return (V) line.value;
    }

    private Line read(byte[] encoded, K key) {
        SharedMap.checkKey(encoded.length);
        return map.read(encoded, SharedMapFile.BYTES, map.hash(encoded), lineOf, key);
    }

    /** What the probe of {@code f} that found {@code slot} says of {@code key}, decoded. */
    private Line lineOf(SharedMapFile f, long slot, Object key) {
        if (slot == SharedMapFile.NO_SLOT) {
            return new Line(key, null, 0, 0, null);
        }
        long at = slot < 0 ? ~slot : slot;
        long raw = f.rawRef(at);
        long ref = raw & ~SharedMapFormat.MOVED;
        if (slot < 0 && ref != 0) {
            return new Line(key, null, 0, ref, null); // another key took the empty slot since: absent, for this read
        }
        // Decoded from a copy: a decoder allocates, and f may be unmapped meanwhile (see SharedMapFile).
        Object value = ref > 0 ? values.decode(MemorySegment.ofArray(f.copyValue(ref))) : null;
        // A slot marked MOVED is in a generation a rewrite is replacing: right for this read only.
        return raw == ref ? new Line(key, f.file, SharedMapFile.refAt(at), ref, value) : new Line(key, null, 0, ref, value);
    }

    private byte[] encodeKey(K key) {
        return keys.encode(Objects.requireNonNull(key, "key"));
    }

    private byte[] encodeValue(V value) {
        return values.encode(Objects.requireNonNull(value, "value"));
    }
}
