package io.mmap4j.store;

import static io.mmap4j.store.StaticFormat.DATA_OFFSET;
import static io.mmap4j.store.StaticFormat.KEY_LENGTH;
import static io.mmap4j.store.StaticFormat.MAX_KEY_BYTES;
import static io.mmap4j.store.StaticFormat.RECORD_ALIGNMENT;
import static io.mmap4j.store.StaticFormat.RECORD_HEADER_BYTES;
import static io.mmap4j.store.StaticFormat.SLOT_BYTES;
import static io.mmap4j.store.StaticFormat.SLOT_LONG;
import static io.mmap4j.store.StaticFormat.VALUE_LENGTH;
import static io.mmap4j.store.StaticFormat.displacement;
import static io.mmap4j.store.StaticFormat.home;
import static io.mmap4j.store.StaticFormat.roundUp;
import static java.nio.charset.StandardCharsets.UTF_8;

import io.mmap4j.MMap;
import io.mmap4j.MapOption;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.BiConsumer;

/**
 * An immutable hash-indexed file of keys and values, written once by a streaming {@link Writer}
 * at the speed of the disk and then mapped by any number of processes, which share its pages
 * through the page cache: gigabytes of reference data, models, dictionaries or routing tables
 * that every JVM reads without a copy, without loading, and without GC cost.
 *
 * <pre>{@code
 * try (StaticStore.Writer w = StaticStore.writer(path)) {   // builds beside path, publishes at close
 *     w.put("fr", "Bonjour".getBytes(UTF_8));
 *     w.put("ja", "こんにちは".getBytes(UTF_8));
 * }
 * try (StaticStore store = StaticStore.open(path)) {        // O(1): maps the file, checks the header
 *     byte[] hello = store.get("fr");                        // a copy, or null if absent
 *     MemorySegment view = store.view("ja");                 // zero-copy, valid until close
 * }
 * }</pre>
 *
 * <h2>The file</h2>
 * One file, little-endian, specified byte by byte in {@code docs/static-store-format.md}: a
 * header page, the records (key and value, one after another; values of 64 KiB or more start on
 * a page boundary, so a view of a big value is page-aligned), then a Robin Hood hash index of
 * 8-byte slots, each a fingerprint of its key's 64-bit hash (XXH3 with a random per-file seed, so
 * that no input can flood one slot) over its record's offset. Offsets are 64-bit (the split of a
 * slot between fingerprint and offset follows the file's size): a store has no 2 or 4 GiB limit. Keys are 0 to {@value StaticFormat#MAX_KEY_BYTES} bytes; values 0 bytes up to what the
 * file system holds. A store file is its own snapshot: copy it to save it, open the copy to load it.
 *
 * <h2>Writing</h2>
 * {@link #writer(Path)} writes a temporary file beside {@code path}; {@link Writer#close()} lays
 * out the index, forces the file to the disk, and renames it over {@code path} in one atomic step.
 * A process that has {@code path} open keeps reading the version it opened (its mapping holds the
 * old file); the next {@code open} sees the new one. A writer that fails, is {@linkplain
 * Writer#abort() aborted}, or is dropped without being closed publishes nothing and leaves any
 * earlier file untouched. If the same key is put twice, the last value wins. See {@link Writer}.
 *
 * <h2>Errors</h2>
 * {@link #open} checks the header, every offset it gives and the file's length, reading only the
 * header page; a file that fails is a {@link CorruptStoreException} naming the file, the field,
 * the value found and the value expected, and is never changed. Damage that only a read can find
 * (a slot or record pointing outside its region) is a {@link CorruptEntryException} from that
 * read, never an {@link IndexOutOfBoundsException} of the FFM; the checksums of the records and
 * the index are checked by {@link #verify(Path)}, which reads the whole file. A null key is a
 * {@link NullPointerException}, a key over {@value StaticFormat#MAX_KEY_BYTES} bytes an
 * {@link IllegalArgumentException} naming its length and the limit, and any call after
 * {@link #close()} an {@link IllegalStateException}.
 *
 * <h2>Threads, processes and cost</h2>
 * The store never changes, so any number of threads and processes read it at once with no
 * locking and no coordination. Opening costs one {@code open}, one {@code mmap} and a read of the
 * header page, whatever the size of the file. A lookup costs one XXH3 of the key, one read of
 * the index (a few neighbouring slots, usually in one cache line) and one read of the record,
 * whose key is compared byte for byte; a miss stops in the index unless a slot's fingerprint
 * matches by chance. {@link #get(byte[])}
 * then allocates the returned array, and nothing else; {@link #view(byte[])} returns a slice of
 * the mapping, which the JIT does not allocate when the caller uses it locally; lookups by
 * {@code String} hash and compare its UTF-8 form without allocating (an ASCII key is read as it is,
 * another is encoded into a buffer its thread keeps for the next one). Pages are read from the
 * disk on first touch and then shared, through the page cache, by every process that maps the
 * file; {@link #load()} reads them all at once. Measured figures are in
 * {@code docs/BENCHMARKS.md}.
 *
 * <h2>Lifetime</h2>
 * {@link #close()} unmaps the file: every view, entry and iterator obtained from the store then
 * throws {@link IllegalStateException} on access, from any thread, and the JVM never crashes.
 * Opened with {@link MapOption#AUTO_UNMAP}, close releases the file at once and the memory stays
 * mapped while a view is reachable. A file another process truncates while it is mapped makes
 * accesses fail with {@link InternalError} (the JVM's {@code SIGBUS}); a writer never does that,
 * it replaces the file by renaming.
 */
public final class StaticStore implements AutoCloseable, Iterable<StaticStore.Entry> {
    // Kinds of key for the lookup, so that one probe loop serves all three without allocating.
    private static final int BYTES = 0;
    private static final int SEGMENT = 1;
    private static final int STRING = 2;

    private final MMap map;
    /** The whole file, read-only; from the map, so it throws after the map is unmapped. */
    private final MemorySegment file;
    private final Path path;
    private final StaticHeader header;
    // The header's fields that every lookup uses, as final fields the JIT can keep in registers.
    private final Xxh3 keyHash;
    private final long slots;
    private final long indexOffset;
    private final long dataEnd;
    private final long maxDisplacement;
    private final long alignedValueMin;
    /** The fingerprint bits of a slot and of a hash ({@link StaticFormat#fingerprintMask}). */
    private final long fingerprintMask;
    /** The bits of a slot shifted left by 3 that are its record's offset. */
    private final long recordMask;
    private volatile boolean open = true;

    private StaticStore(MMap map, Path path, StaticHeader header) {
        this.map = map;
        this.file = map.segment();
        this.path = path;
        this.header = header;
        this.keyHash = new Xxh3(header.seed());
        this.slots = header.slots();
        this.indexOffset = header.indexOffset();
        this.dataEnd = header.dataEnd();
        this.maxDisplacement = header.maxDisplacement();
        this.alignedValueMin = header.alignedValueMin();
        this.fingerprintMask = StaticFormat.fingerprintMask(dataEnd);
        this.recordMask = ~fingerprintMask << 3;
    }

    // ---------------------------------------------------------------------------------------------
    // Writing and opening

    /**
     * A writer of a new store at {@code path}, with the {@linkplain WriterOptions#DEFAULT default
     * options}: a random seed, an index at most half full, and a forced publish.
     *
     * @param path the file to publish when the writer is closed; its directory must exist
     * @return a writer; close it to publish the store
     * @throws IOException if the temporary file cannot be created beside {@code path}, or
     *                     {@code path} is a directory
     */
    public static Writer writer(Path path) throws IOException {
        return writer(path, WriterOptions.DEFAULT);
    }

    /**
     * A writer of a new store at {@code path}, with {@code options}.
     *
     * <p>Costs a scan of the directory for temporary files left by crashed writers of the same
     * path (deleted once they are a minute old and their process is gone) and the creation of the
     * temporary file; nothing is written yet.
     *
     * @param path    the file to publish when the writer is closed; its directory must exist
     * @param options the seed, the index's load factor and whether to force the file to disk
     * @return a writer; close it to publish the store
     * @throws IOException if the temporary file cannot be created beside {@code path}, or
     *                     {@code path} is a directory
     */
    public static Writer writer(Path path, WriterOptions options) throws IOException {
        return StaticStoreWriter.create(Objects.requireNonNull(path, "path"), Objects.requireNonNull(options, "options"));
    }

    /**
     * Opens a store for reading.
     *
     * <p>Costs one {@code open}, one {@code fstat}, one {@code mmap} of the whole file and a read
     * of its header page: the same for a store of one kilobyte and of a hundred gigabytes. Nothing
     * else of the file is read until it is looked up ({@link MapOption#POPULATE} reads it all now).
     *
     * @param path    the store's file
     * @param options {@link StandardOpenOption#READ} (implied), {@link LinkOption#NOFOLLOW_LINKS},
     *                {@link MapOption#POPULATE}, {@link MapOption#AUTO_UNMAP}
     * @return the open store; close it to unmap the file
     * @throws CorruptStoreException    if the file is not a valid static store; it is left untouched
     * @throws IOException              if the file cannot be opened or mapped
     * @throws IllegalArgumentException for an option that does not fit a read-only store
     *                                  ({@code WRITE}, {@code CREATE}, {@link MapOption#PRIVATE}, ...)
     */
    public static StaticStore open(Path path, OpenOption... options) throws IOException {
        Objects.requireNonNull(path, "path");
        for (OpenOption option : Objects.requireNonNull(options, "options")) {
            if (!(option == StandardOpenOption.READ || option == LinkOption.NOFOLLOW_LINKS
                    || option == MapOption.POPULATE || option == MapOption.AUTO_UNMAP)) {
                throw new IllegalArgumentException("a static store opens read-only: option " + option
                        + " is not allowed (READ, NOFOLLOW_LINKS, POPULATE and AUTO_UNMAP are)");
            }
        }
        OpenOption[] mapOptions = new OpenOption[options.length + 1];
        mapOptions[0] = StandardOpenOption.READ;
        System.arraycopy(options, 0, mapOptions, 1, options.length);
        MMap map = MMap.open(path, mapOptions);
        try {
            List<Problem> problems = StaticHeader.check(map.segment());
            if (!problems.isEmpty()) {
                throw problems.getFirst().exception(path);
            }
            return new StaticStore(map, path, StaticHeader.read(map.segment()));
        } catch (IOException | RuntimeException | Error e) {
            map.close();
            throw e;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Lookups

    /**
     * The value of {@code key}, copied into a new array.
     *
     * @param key the key's bytes
     * @return the value, or null if the store has no such key
     * @throws OutOfMemoryError if the value is 2 GiB or more, more than an array holds; use {@link #view(byte[])}
     */
    public byte[] get(byte[] key) {
        return copy(find(Objects.requireNonNull(key, "key"), BYTES));
    }

    /**
     * The value of the key whose UTF-8 encoding is {@code key}, copied into a new array.
     *
     * @param key the key, looked up as its UTF-8 bytes (nothing is allocated but the result)
     * @return the value, or null if the store has no such key
     * @throws OutOfMemoryError if the value is 2 GiB or more; use {@link #view(String)}
     */
    public byte[] get(String key) {
        return copy(find(Objects.requireNonNull(key, "key"), STRING));
    }

    /**
     * The value of the key whose bytes are {@code key}, copied into a new array.
     *
     * @param key the key's bytes, anywhere: the heap, native memory, another mapped file
     * @return the value, or null if the store has no such key
     * @throws OutOfMemoryError if the value is 2 GiB or more; use {@link #view(MemorySegment)}
     */
    public byte[] get(MemorySegment key) {
        return copy(find(Objects.requireNonNull(key, "key"), SEGMENT));
    }

    /**
     * The value of {@code key}, decoded by {@code codec} straight from the mapped bytes.
     *
     * @param key   the key's bytes
     * @param codec decodes the value
     * @param <V>   the type of the value
     * @return the decoded value, or null if the store has no such key
     */
    public <V> V get(byte[] key, Codec<V> codec) {
        Objects.requireNonNull(codec, "codec");
        MemorySegment value = view(key);
        return value == null ? null : codec.decode(value);
    }

    /**
     * The value of the key whose UTF-8 encoding is {@code key}, decoded by {@code codec} straight
     * from the mapped bytes.
     *
     * @param key   the key
     * @param codec decodes the value
     * @param <V>   the type of the value
     * @return the decoded value, or null if the store has no such key
     */
    public <V> V get(String key, Codec<V> codec) {
        Objects.requireNonNull(codec, "codec");
        MemorySegment value = view(key);
        return value == null ? null : codec.decode(value);
    }

    /**
     * A zero-copy, read-only view of the value of {@code key}, valid until the store is closed
     * (with {@link MapOption#AUTO_UNMAP}: while it is reachable). Values of 64 KiB or more are
     * page-aligned in memory.
     *
     * @param key the key's bytes
     * @return a view of the value, or null if the store has no such key
     */
    public MemorySegment view(byte[] key) {
        return slice(find(Objects.requireNonNull(key, "key"), BYTES));
    }

    /**
     * A zero-copy, read-only view of the value of the key whose UTF-8 encoding is {@code key}, as
     * {@link #view(byte[])}.
     *
     * @param key the key
     * @return a view of the value, or null if the store has no such key
     */
    public MemorySegment view(String key) {
        return slice(find(Objects.requireNonNull(key, "key"), STRING));
    }

    /**
     * A zero-copy, read-only view of the value of the key whose bytes are {@code key}, as
     * {@link #view(byte[])}.
     *
     * @param key the key's bytes
     * @return a view of the value, or null if the store has no such key
     */
    public MemorySegment view(MemorySegment key) {
        return slice(find(Objects.requireNonNull(key, "key"), SEGMENT));
    }

    /**
     * Whether the store has {@code key}.
     *
     * @param key the key's bytes
     * @return true if it has a value for the key
     */
    public boolean contains(byte[] key) {
        return find(Objects.requireNonNull(key, "key"), BYTES) >= 0;
    }

    /**
     * Whether the store has the key whose UTF-8 encoding is {@code key}.
     *
     * @param key the key
     * @return true if it has a value for the key
     */
    public boolean contains(String key) {
        return find(Objects.requireNonNull(key, "key"), STRING) >= 0;
    }

    /**
     * Whether the store has the key whose bytes are {@code key}.
     *
     * @param key the key's bytes
     * @return true if it has a value for the key
     */
    public boolean contains(MemorySegment key) {
        return find(Objects.requireNonNull(key, "key"), SEGMENT) >= 0;
    }

    /**
     * The number of keys.
     *
     * @return the number of keys, from the header
     */
    public long size() {
        checkOpen();
        return header.entries();
    }

    /**
     * A read-only {@link Map} view of the store, its keys and values through codecs: {@code get}
     * and {@code containsKey} encode the key and look it up, iteration decodes every entry. Its
     * {@code size()} is {@link Integer#MAX_VALUE} for a store of more keys. Valid until the store
     * is closed.
     *
     * @param keys   the keys' codec; it must encode equal keys to equal bytes
     * @param values the values' codec
     * @param <K>    the type of the keys
     * @param <V>    the type of the values
     * @return an unmodifiable map
     */
    public <K, V> Map<K, V> asMap(Codec<K> keys, Codec<V> values) {
        checkOpen();
        return new StaticStoreMap<>(this, Objects.requireNonNull(keys, "keys"), Objects.requireNonNull(values, "values"));
    }

    // ---------------------------------------------------------------------------------------------
    // Iteration

    /**
     * Calls {@code action} with zero-copy views of every key and its value, in the order the
     * entries were written (so the file is read front to back), each key once.
     *
     * @param action receives each key and value; the views are valid until the store is closed
     * @throws CorruptEntryException if a record is damaged; the entries before it were given
     */
    public void forEach(BiConsumer<? super MemorySegment, ? super MemorySegment> action) {
        Objects.requireNonNull(action, "action");
        for (Entry entry : this) {
            action.accept(entry.key(), entry.value());
        }
    }

    /**
     * Iterates over the entries, as {@link #forEach(BiConsumer)}: zero-copy views, in the order
     * they were written, each key once. Each step allocates one {@link Entry} and its two views.
     *
     * @return an iterator over the entries; valid until the store is closed
     */
    @Override
    public Iterator<Entry> iterator() {
        checkOpen();
        return new Iterator<>() {
            private long record = DATA_OFFSET;
            private Entry next = advance();

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public Entry next() {
                if (next == null) {
                    throw new NoSuchElementException("no more entries in " + path);
                }
                Entry entry = next;
                next = advance();
                return entry;
            }

            /** The next live record's entry, skipping records that a later put of their key replaced. */
            private Entry advance() {
                boolean replacedRecords = header.records() != header.entries();
                while (record < dataEnd) {
                    long at = record;
                    long keyLength = keyLength(at);
                    long valueStart = valueStart(at, keyLength);
                    record = roundUp(valueStart + valueLength(at), RECORD_ALIGNMENT);
                    MemorySegment key = file.asSlice(at + RECORD_HEADER_BYTES, keyLength);
                    if (!replacedRecords || recordOf(key) == at) {
                        return new Entry(key, file.asSlice(valueStart, valueLength(at)));
                    }
                }
                return null;
            }
        };
    }

    // ---------------------------------------------------------------------------------------------
    // Inspection

    /**
     * The figures of this store, from its header.
     *
     * @return a snapshot of what the header says
     */
    public Stat stat() {
        checkOpen();
        return Stat.of(path, header);
    }

    /**
     * The figures of the store in {@code path}, from its header, without keeping it open.
     *
     * @param path a store's file
     * @return what the header says
     * @throws CorruptStoreException if the file is not a valid static store
     * @throws IOException           if it cannot be opened
     */
    public static Stat stat(Path path) throws IOException {
        try (StaticStore store = open(path)) {
            return store.stat();
        }
    }

    /**
     * Checks the store in {@code path} in full, read-only, as {@code fsck -n} checks a file system:
     * the header; every record (its lengths, the zeros around it, its CRC32C); the bytes between
     * the regions; every slot (its offset names a record, its hash is its key's, a lookup of its
     * key finds it, no two slots name one record); the index's CRC32C; the counts and totals of
     * the header against what is there. Never throws for damage and never writes. Reads the
     * whole file once, and holds 8 bytes per record.
     *
     * @param path a store's file
     * @return every problem found, in file order within each check; empty if the file is sound.
     *         At most 1000, the last of which then counts those left out
     * @throws IOException if the file cannot be opened or mapped at all
     */
    public static List<Problem> verify(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        try (MMap map = MMap.open(path, StandardOpenOption.READ)) {
            StaticVerifier verifier = new StaticVerifier(map.segment());
            if (verifier.headerSound()) {
                verifier.checkStore(new StaticStore(map, path, StaticHeader.read(map.segment())));
            }
            return verifier.problems();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The mapping

    /**
     * Reads every page of the file into memory now ({@code MMap.load}), so that no later lookup
     * waits for the disk; the pages stay shared with the other processes through the page cache.
     */
    public void load() {
        checkOpen();
        map.load();
    }

    /**
     * The store's file.
     *
     * @return the path it was opened with
     */
    public Path path() {
        return path;
    }

    /**
     * Whether the store is open.
     *
     * @return false once {@link #close()} was called
     */
    public boolean isOpen() {
        return open;
    }

    /** Unmaps the file; idempotent. See the class description for what views do afterwards. */
    @Override
    public void close() {
        open = false;
        map.close();
    }

    /**
     * Releases the file without closing this handle: a {@link StaticCache} retiring a replaced
     * version. Mapped with {@link MapOption#AUTO_UNMAP}, the memory stays valid for lookups in
     * progress and views held, until they are unreachable.
     */
    void retire() {
        map.close();
    }

    /** Names the file, the number of keys, and whether the store is closed. */
    @Override
    public String toString() {
        return "StaticStore[" + path + ", " + header.entries() + " keys" + (open ? "]" : ", closed]");
    }

    // ---------------------------------------------------------------------------------------------
    // The lookup

    private long hash(byte[] key) {
        checkKeyLength(key.length);
        return keyHash.hash(key);
    }

    private long hash(MemorySegment key) {
        checkKeyLength(key.byteSize());
        return keyHash.hash(key, 0, key.byteSize());
    }

    private long hash(String key) {
        long length = StaticKeyHash.utf8Length(key);
        checkKeyLength(length);
        return keyHash.hashUtf8(key, length);
    }

    /** The key hash of this store: XXH3-64 with its seed. */
    Xxh3 keyHash() {
        return keyHash;
    }

    static void checkKeyLength(long length) {
        if (length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key of " + length + " bytes is over the limit of a static store key, "
                    + MAX_KEY_BYTES + " bytes");
        }
    }

    /**
     * The offset of the record of {@code key}, or -1. Hashes the key, then walks from its home
     * slot; stops at an empty slot, at a slot whose entry is closer to its home than the key would
     * be (Robin Hood order), or after the header's max displacement.
     *
     * <p>The whole lookup but the value is here, hash included, so that the public methods around
     * it stay a few instructions: small enough for the JIT to inline them into their callers,
     * which is what lets it drop the allocation of a {@link #view(byte[])}'s segment.
     */
    private long find(Object key, int kind) {
        checkOpen();
        long hash = switch (kind) {
            case BYTES -> hash((byte[]) key);
            case SEGMENT -> hash((MemorySegment) key);
            default -> hash((String) key);
        };
        long fingerprint = hash & fingerprintMask;
        long slot = home(fingerprint, slots);
        long slotAt = indexOffset + slot * SLOT_BYTES;
        for (long distance = 0; ; ) {
            long word = file.get(SLOT_LONG, slotAt);
            long slotFingerprint = word & fingerprintMask;
            // A miss ends in the index: only a slot whose fingerprint matches leads to a record.
            if (slotFingerprint == fingerprint && word != 0) {
                long record = word << 3 & recordMask;
                if (keyEquals(slotAt, record, key, kind)) {
                    return record;
                }
            } else if (word == 0 || displacement(slot, slotFingerprint, slots) < distance) {
                return -1;
            }
            if (++distance > maxDisplacement) {
                return -1;
            }
            slot++;
            slotAt += SLOT_BYTES;
            if (slot == slots) {
                slot = 0;
                slotAt = indexOffset;
            }
        }
    }

    /** The offset of the record of {@code key}, or -1. */
    long recordOf(MemorySegment key) {
        return find(key, SEGMENT);
    }

    private boolean keyEquals(long slotAt, long record, Object key, int kind) {
        if (record < DATA_OFFSET || record > dataEnd - RECORD_HEADER_BYTES) {
            throw corrupt(slotAt, "the slot names record offset " + record + ", outside the data region's records ["
                    + DATA_OFFSET + ", " + (dataEnd - RECORD_HEADER_BYTES) + "]");
        }
        long keyLength = keyLength(record);
        long keyAt = record + RECORD_HEADER_BYTES;
        return switch (kind) {
            case BYTES -> keyLength == ((byte[]) key).length && sameBytes(keyAt, (byte[]) key);
            case SEGMENT -> {
                MemorySegment bytes = (MemorySegment) key;
                yield keyLength == bytes.byteSize()
                        && MemorySegment.mismatch(file, keyAt, keyAt + keyLength, bytes, 0, keyLength) < 0;
            }
            default -> StaticKeyHash.equalsUtf8(file, keyAt, keyLength, (String) key);
        };
    }

    /**
     * Whether the bytes at {@code at} are {@code key}'s, compared a word at a time in line: for a
     * short key (most are) that costs less than setting up {@link MemorySegment#mismatch}, and for
     * a long one it spares the heap segment that {@code mismatch} needs around the array, which the
     * JIT does not always eliminate (a lookup allocates nothing).
     */
    private boolean sameBytes(long at, byte[] key) {
        int n = key.length;
        int i = 0;
        for (; i + Long.BYTES <= n; i += Long.BYTES) {
            if (file.get(StaticFormat.LONG, at + i) != (long) StaticKeyHash.ARRAY_LONG.get(key, i)) {
                return false;
            }
        }
        for (; i < n; i++) {
            if (file.get(ValueLayout.JAVA_BYTE, at + i) != key[i]) {
                return false;
            }
        }
        return true;
    }

    /** The key length of the record at {@code record}, checked against the data region. */
    private long keyLength(long record) {
        long keyLength = StaticFormat.uintAt(file, record + KEY_LENGTH);
        if (keyLength > MAX_KEY_BYTES || keyLength > dataEnd - record - RECORD_HEADER_BYTES) {
            throw corrupt(record + KEY_LENGTH, "key length " + keyLength + " is over the limit of " + MAX_KEY_BYTES
                    + " or runs past the data region's end " + dataEnd);
        }
        return keyLength;
    }

    /** The value length of the record at {@code record}, whose key length is already checked; unchecked. */
    private long valueLength(long record) {
        return StaticFormat.longAt(file, record + VALUE_LENGTH);
    }

    /** Where the value of the record at {@code record} starts, its whole value checked against the data region. */
    private long valueStart(long record, long keyLength) {
        long valueLength = valueLength(record);
        long keyEnd = record + RECORD_HEADER_BYTES + keyLength;
        long start = valueLength < 0 || valueLength > dataEnd ? -1 : StaticFormat.valueStart(keyEnd, valueLength, alignedValueMin);
        if (start < 0 || valueLength > dataEnd - start) {
            throw corrupt(record + VALUE_LENGTH, "value length " + Long.toUnsignedString(valueLength)
                    + " runs past the data region's end " + dataEnd);
        }
        return start;
    }

    private CorruptEntryException corrupt(long offset, String what) {
        return new CorruptEntryException(path, offset, what);
    }

    private byte[] copy(long record) {
        if (record < 0) {
            return null;
        }
        long start = valueStart(record, keyLength(record));
        long length = valueLength(record);
        if (length > Integer.MAX_VALUE - 8) {
            throw new OutOfMemoryError("the value of " + length + " bytes is more than an array holds; use view()");
        }
        byte[] value = new byte[(int) length];
        MemorySegment.copy(file, ValueLayout.JAVA_BYTE, start, value, 0, value.length);
        return value;
    }

    private MemorySegment slice(long record) {
        if (record < 0) {
            return null;
        }
        return file.asSlice(valueStart(record, keyLength(record)), valueLength(record));
    }

    private void checkOpen() {
        if (!open) {
            throw new IllegalStateException("the static store " + path + " is closed");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Public nested types

    /**
     * Writes a new store, once, front to back, and publishes it at {@link #close()}: obtained from
     * {@link StaticStore#writer(Path)}.
     *
     * <pre>{@code
     * try (StaticStore.Writer w = StaticStore.writer(path)) {
     *     for (Row row : rows) {
     *         w.put(row.key(), row.value());
     *     }
     * } // published here, atomically
     * }</pre>
     *
     * <p>Records go to a temporary file beside the target ({@code .<name>.static-<pid>-<random>.tmp},
     * owner-only) through one 1 MiB buffer, in large sequential writes: a value is copied once, as
     * a raw {@code FileChannel} write copies it. Whole pages of zeros inside page-aligned values are
     * left as holes. The writer keeps 16 bytes per record in native memory (not the Java heap)
     * until close, when it lays out the index.
     *
     * <p><b>Duplicates:</b> a key put again replaces the earlier value: the last put wins, as in a
     * {@link Map}. The earlier record stays in the file as dead bytes that no lookup or iteration
     * returns ({@link Stat#replacedRecords()} counts them).
     *
     * <p><b>Failure:</b> an {@link IOException} from a put (a full disk, a failing input stream)
     * fails the writer: every later call throws {@link IllegalStateException} naming that failure,
     * and {@code close()} deletes the temporary file and throws, publishing nothing. A writer can
     * also be {@linkplain #abort() aborted}: call {@code abort()} where the code that produces the
     * entries fails, since a try-with-resources block would otherwise publish what was put so far.
     * A writer dropped without being closed deletes its temporary file when it is garbage
     * collected; a process killed mid-write leaves the temporary file, which the next writer of the
     * same path deletes once it is a minute old. In every case a file already at the target path
     * is untouched.
     *
     * <p>Not safe for use by several threads at once. A key is 0 to
     * {@value StaticFormat#MAX_KEY_BYTES} bytes: a longer one is an {@link IllegalArgumentException}
     * naming its length and the limit, a null key or value a {@link NullPointerException}, and any
     * call after close or abort an {@link IllegalStateException}.
     */
    public sealed interface Writer extends AutoCloseable permits StaticStoreWriter {
        /**
         * Adds a key and its value.
         *
         * @param key   the key's bytes
         * @param value the value's bytes
         * @return this writer
         * @throws IOException if writing fails; the writer has then failed
         */
        Writer put(byte[] key, byte[] value) throws IOException;

        /**
         * Adds a key, as its UTF-8 bytes, and its value.
         *
         * @param key   the key
         * @param value the value's bytes
         * @return this writer
         * @throws IOException if writing fails; the writer has then failed
         */
        Writer put(String key, byte[] value) throws IOException;

        /**
         * Adds a key and its value from memory anywhere: the heap, native memory, or another mapped
         * file (a value larger than the heap, copied once, its zero pages left as holes).
         *
         * @param key   the key's bytes
         * @param value the value's bytes
         * @return this writer
         * @throws IOException if writing fails; the writer has then failed
         */
        Writer put(MemorySegment key, MemorySegment value) throws IOException;

        /**
         * Adds a key and a value read from {@code value} to its end, for a value larger than the
         * heap or produced as a stream. The stream is read, not closed. A value of 64 KiB or more
         * is streamed through the writer's buffer and its length written afterwards.
         *
         * @param key   the key's bytes
         * @param value the stream of the value's bytes
         * @return this writer
         * @throws IOException if reading the stream or writing fails; the writer has then failed
         */
        Writer put(byte[] key, InputStream value) throws IOException;

        /**
         * Adds a key, as its UTF-8 bytes, and a value encoded by {@code codec}.
         *
         * @param key   the key
         * @param value the value
         * @param codec encodes the value
         * @param <V>   the type of the value
         * @return this writer
         * @throws IOException if writing fails; the writer has then failed
         */
        <V> Writer put(String key, V value, Codec<V> codec) throws IOException;

        /**
         * Adds every entry of {@code entries}, keys and values encoded by the codecs, in the map's
         * iteration order.
         *
         * @param entries the entries
         * @param keys    encodes the keys
         * @param values  encodes the values
         * @param <K>     the type of the keys
         * @param <V>     the type of the values
         * @return this writer
         * @throws IOException if writing fails; the writer has then failed
         */
        <K, V> Writer putAll(Map<? extends K, ? extends V> entries, Codec<K> keys, Codec<V> values) throws IOException;

        /**
         * The number of records put so far, duplicates included.
         *
         * @return the records put
         */
        long records();

        /**
         * The file this writer publishes.
         *
         * @return the target path
         */
        Path path();

        /**
         * Gives up: deletes the temporary file and publishes nothing. Idempotent; {@link #close()}
         * then does nothing.
         *
         * @throws IOException if the temporary file cannot be deleted
         */
        void abort() throws IOException;

        /**
         * Publishes the store: flushes the records, lays out the index, writes the header, forces
         * the file to the disk (unless {@link WriterOptions#withForce(boolean) told not to}), and
         * renames it over the target in one atomic step, then forces the directory. Idempotent;
         * does nothing after {@link #abort()}.
         *
         * <p>Costs one pass over the records' 16-byte (hash, offset) pairs into the mapped index
         * region, a CRC32C of the index, and the {@code fsync}s; the records themselves are not
         * read again (except to compare the keys of records whose fingerprints are equal).
         *
         * @throws IOException if publishing fails, or an earlier put did: nothing is published, the
         *                     temporary file is deleted and a file already at the target is untouched
         */
        @Override
        void close() throws IOException;
    }

    /**
     * How a {@link Writer} writes: immutable, each {@code with} method returns a copy.
     *
     * <pre>{@code
     * StaticStore.writer(path, WriterOptions.DEFAULT.withSeed(42).withForce(false));
     * }</pre>
     */
    public static final class WriterOptions {
        /** A random seed, an index at most half full, and a forced publish. */
        public static final WriterOptions DEFAULT = new WriterOptions(OptionalLong.empty(), 0.5, true);

        private final OptionalLong seed;
        private final double loadFactor;
        private final boolean force;

        private WriterOptions(OptionalLong seed, double loadFactor, boolean force) {
            this.seed = seed;
            this.loadFactor = loadFactor;
            this.force = force;
        }

        /**
         * These options with a fixed seed for the key hash, so that the same puts give the same
         * file byte for byte. The default, a random seed per file, keeps anyone who chooses keys
         * from making them collide; fix it only for keys you trust.
         *
         * @param seed the XXH3 seed
         * @return a copy with this seed
         */
        public WriterOptions withSeed(long seed) {
            return new WriterOptions(OptionalLong.of(seed), loadFactor, force);
        }

        /**
         * These options with another bound on how full the index is: it gets
         * {@code ceil(records / loadFactor)} slots of 8 bytes. Lower is faster to look up, at the
         * cost of space; see {@code docs/static-store-format.md} for what was measured.
         *
         * @param loadFactor from 0.1 to 0.95; the default is 0.5
         * @return a copy with this load factor
         * @throws IllegalArgumentException if {@code loadFactor} is outside [0.1, 0.95]
         */
        public WriterOptions withLoadFactor(double loadFactor) {
            if (!(loadFactor >= 0.1 && loadFactor <= 0.95)) {
                throw new IllegalArgumentException("load factor " + loadFactor + " is outside [0.1, 0.95]");
            }
            return new WriterOptions(seed, loadFactor, force);
        }

        /**
         * These options with or without forcing the file to the disk before it is published.
         * Without, publishing is still atomic for every process on this machine, and much faster
         * where the disk is slow, but a power cut or kernel crash soon after may leave the target
         * holding a damaged file; use it for stores you can rebuild.
         *
         * @param force whether {@link Writer#close()} forces the file and the directory ({@code fsync})
         * @return a copy with this choice
         */
        public WriterOptions withForce(boolean force) {
            return new WriterOptions(seed, loadFactor, force);
        }

        /**
         * The fixed seed, if any.
         *
         * @return the seed, or empty for a random one per file
         */
        public OptionalLong seed() {
            return seed;
        }

        /**
         * The bound on how full the index is.
         *
         * @return the load factor
         */
        public double loadFactor() {
            return loadFactor;
        }

        /**
         * Whether the writer forces the file to disk before publishing it.
         *
         * @return true by default
         */
        public boolean force() {
            return force;
        }

        /** Lists the options. */
        @Override
        public String toString() {
            return "WriterOptions[seed=" + (seed.isPresent() ? Long.toString(seed.getAsLong()) : "random")
                    + ", loadFactor=" + loadFactor + ", force=" + force + "]";
        }
    }

    /**
     * A key and its value: zero-copy, read-only views of the store, valid until it is closed.
     *
     * @param key   the key's bytes
     * @param value the value's bytes
     */
    public record Entry(MemorySegment key, MemorySegment value) {
        /**
         * The key as UTF-8 text.
         *
         * @return the key decoded as UTF-8 (malformed bytes replaced)
         */
        public String keyString() {
            return new String(key.toArray(ValueLayout.JAVA_BYTE), UTF_8);
        }
    }

    /**
     * The figures of a store, from its header: what {@code mmap4j stat} prints for a static store.
     *
     * @param path            the file
     * @param fileBytes       the file's length
     * @param keys            the number of keys
     * @param keyBytes        the keys' bytes, together
     * @param valueBytes      the values' bytes, together
     * @param largestValue    the longest value, in bytes
     * @param replacedRecords records of keys put again, whose bytes no lookup returns
     * @param dataBytes       the data region: records, their headers and padding
     * @param indexSlots      slots in the index
     * @param indexLoad       keys per slot, from 0 to 1
     * @param maxDisplacement the longest walk of a lookup past its home slot
     * @param seed            the seed of the key hash
     */
    public record Stat(Path path, long fileBytes, long keys, long keyBytes, long valueBytes, long largestValue,
                       long replacedRecords, long dataBytes, long indexSlots, double indexLoad, long maxDisplacement,
                       long seed) {
        static Stat of(Path path, StaticHeader h) {
            return new Stat(path, h.fileSize(), h.entries(), h.keyBytes(), h.valueBytes(), h.largestValue(),
                    h.records() - h.entries(), h.dataEnd() - DATA_OFFSET, h.slots(), (double) h.entries() / h.slots(),
                    h.maxDisplacement(), h.seed());
        }
    }

    /**
     * One problem {@link #verify(Path)} found, or that made {@link #open} refuse a file.
     *
     * @param offset   the byte offset in the file of the damaged field, record or slot
     * @param field    what is there, as {@code docs/static-store-format.md} names it
     * @param found    the value found, as text
     * @param expected what the format allows there, as text
     */
    public record Problem(long offset, String field, String found, String expected) {
        /** The problem as {@link CorruptStoreException} words it. */
        @Override
        public String toString() {
            return "at byte offset " + offset + ": " + field + " is " + found + ", expected " + expected;
        }

        CorruptStoreException exception(Path path) {
            return new CorruptStoreException(path, offset, field, found, expected);
        }
    }
}
