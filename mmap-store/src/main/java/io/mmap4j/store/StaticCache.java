package io.mmap4j.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.WRITE;

import io.mmap4j.MapOption;
import io.mmap4j.internal.TempFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * haki's cache on static stores: a directory of named values and buckets of keyed values, each a
 * {@link StaticStore} file that every process maps and none copies. Caching a name again replaces
 * its file in one atomic rename, while readers of the previous version carry on.
 *
 * <pre>{@code
 * try (StaticCache cache = StaticCache.open(Path.of("/var/cache/app"))) {
 *     cache.cache("config", configBytes);                       // haki:cache(config, Value)
 *     byte[] config = cache.get("config");                      // haki:get(config), null if not cached
 *     cache.cacheBucket("people", Map.of("mike", mikeBytes), Codec.bytes());
 *     byte[] mike = cache.get("people", "mike");                // haki:get(people, mike)
 *     cache.get("people", "nobody");                            // null: haki's bad_key
 *     cache.get("planets", "earth");                            // NoSuchElementException: haki's bad_bucket
 * }
 * }</pre>
 *
 * <h2>Names, values and buckets</h2>
 * A name is the file {@code <name>.static} in the directory. A bucket is a store of keyed values;
 * a value cached by {@link #cache(String, byte[])} is a bucket holding one entry under the empty
 * key, so values and buckets share one namespace, as haki's modules do. A name is 1 to
 * {@value #MAX_NAME_BYTES} bytes of UTF-8, does not start with {@code '.'} (temporary files do),
 * and has no {@code '/'}, {@code '\'} or NUL; anything else is an {@link IllegalArgumentException}
 * naming the name and the rule it broke.
 *
 * <h2>Missing keys and missing buckets</h2>
 * {@link #get(String)} and {@link #get(String, String)} return null for a key that is not there
 * (haki's {@code bad_key}); {@link #get(String, String)} throws {@link NoSuchElementException}
 * naming the bucket and the directory when no bucket of that name is cached (haki's
 * {@code bad_bucket}). {@link #contains(String)} asks without throwing.
 *
 * <h2>Versions, processes and snapshots</h2>
 * This object opens each name's file the first time it is read and keeps it open; caching or
 * removing a name here replaces it at once for this object's readers. A version cached by another
 * process is read after {@link #refresh()}. Every version stays readable as long as anything
 * still uses it: views of a replaced version stay valid while they are reachable (the stores are
 * mapped with {@link MapOption#AUTO_UNMAP}), and other processes keep the version they mapped. A
 * name's file is its own snapshot: {@link #saveSnapshot} copies it, {@link #loadSnapshot} checks a
 * copy and puts it back; any copy can also be opened directly with {@link StaticStore#open}.
 *
 * <h2>Threads, errors and cost</h2>
 * Safe for use by many threads; caching and removing serialise per name. A get costs a hash
 * lookup of the name in this object, then a store lookup (see {@link StaticStore}); the first
 * read of a name also opens its file. Caching writes a new store (see {@link StaticStore.Writer})
 * and opens it. I/O failures of a method that cannot throw {@link IOException} (a get that opens
 * a file) are {@link UncheckedIOException}s, a damaged file's holding a {@link CorruptStoreException}.
 * Any call after {@link #close()} throws {@link IllegalStateException}.
 */
public final class StaticCache implements AutoCloseable {
    /** The longest name, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 200;
    private static final String SUFFIX = ".static";
    /** The kind in the temporary names of snapshots being loaded ({@link TempFiles}). */
    private static final String COPY_KIND = "copy";
    /** A temporary file older than this, whose loader is not running, is left over from a crash. */
    private static final Duration STALE_AFTER = Duration.ofMinutes(1);
    /** A value is a bucket with one entry under this key. */
    private static final String VALUE_KEY = "";

    private final Path directory;
    private final StaticStore.WriterOptions options;
    private final ConcurrentHashMap<String, StaticStore> stores = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Object> nameLocks = new ConcurrentHashMap<>();
    private volatile boolean open = true;

    private StaticCache(Path directory, StaticStore.WriterOptions options) {
        this.directory = directory;
        this.options = options;
    }

    /**
     * Opens the cache in {@code directory}, creating the directory if it does not exist. Opens no
     * store yet.
     *
     * @param directory where the names' files are
     * @return the cache; close it to unmap its files
     * @throws IOException if the directory cannot be created
     */
    public static StaticCache open(Path directory) throws IOException {
        return open(directory, StaticStore.WriterOptions.DEFAULT);
    }

    /**
     * Opens the cache in {@code directory}, caching with {@code options} (for instance without
     * forcing files to the disk, for a cache rebuilt after a power cut).
     *
     * @param directory where the names' files are
     * @param options   how {@code cache} and {@code cacheBucket} write
     * @return the cache; close it to unmap its files
     * @throws IOException if the directory cannot be created
     */
    public static StaticCache open(Path directory, StaticStore.WriterOptions options) throws IOException {
        Files.createDirectories(Objects.requireNonNull(directory, "directory"));
        return new StaticCache(directory, Objects.requireNonNull(options, "options"));
    }

    // ---------------------------------------------------------------------------------------------
    // Caching

    /**
     * Caches {@code value} under {@code name}, replacing what was cached under it (haki's
     * {@code cache(Key, Value)}).
     *
     * @param name  the name
     * @param value the value's bytes
     * @throws IOException if the store cannot be written or opened; what was cached stays
     */
    public void cache(String name, byte[] value) throws IOException {
        cacheBucket(name, Map.of(VALUE_KEY, Objects.requireNonNull(value, "value")), Codec.bytes());
    }

    /**
     * Caches {@code value}, encoded by {@code codec}, under {@code name}, replacing what was cached
     * under it.
     *
     * @param name  the name
     * @param value the value
     * @param codec encodes the value
     * @param <V>   the type of the value
     * @throws IOException if the store cannot be written or opened; what was cached stays
     */
    public <V> void cache(String name, V value, Codec<V> codec) throws IOException {
        cacheBucket(name, Map.of(VALUE_KEY, Objects.requireNonNull(value, "value")), codec);
    }

    /**
     * Caches a bucket: every key of {@code entries} with its value, encoded by {@code codec}, under
     * {@code bucket}, replacing what was cached under that name (haki's {@code cache_bucket}).
     *
     * @param bucket  the bucket's name
     * @param entries its keys and values; may be empty
     * @param codec   encodes the values
     * @param <V>     the type of the values
     * @throws IOException if the store cannot be written or opened; what was cached stays
     */
    public <V> void cacheBucket(String bucket, Map<String, ? extends V> entries, Codec<V> codec) throws IOException {
        Path file = file(bucket);
        Objects.requireNonNull(entries, "entries");
        Objects.requireNonNull(codec, "codec");
        synchronized (lock(bucket)) {
            checkOpen();
            try (StaticStore.Writer writer = StaticStore.writer(file, options)) {
                try {
                    writer.putAll(entries, Codec.utf8(), codec);
                } catch (RuntimeException | Error e) {
                    writer.abort(); // a codec or the map failed: publish nothing
                    throw e;
                }
            }
            install(bucket, StaticStore.open(file, MapOption.AUTO_UNMAP));
        }
    }

    /**
     * Removes {@code name}: its file is deleted. Readers of it, here or in other processes, carry on
     * with the version they hold.
     *
     * @param name the name
     * @return true if something was cached under it
     * @throws IOException if the file cannot be deleted
     */
    public boolean remove(String name) throws IOException {
        Path file = file(name);
        synchronized (lock(name)) {
            checkOpen();
            install(name, null);
            return Files.deleteIfExists(file);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Reading

    /**
     * The value cached under {@code name} (haki's {@code get(Key)}).
     *
     * @param name the name
     * @return a copy of the value, or null if no value is cached under the name (haki's {@code bad_key})
     */
    public byte[] get(String name) {
        StaticStore store = store(name);
        return store == null ? null : store.get(VALUE_KEY);
    }

    /**
     * The value cached under {@code name}, decoded by {@code codec}.
     *
     * @param name  the name
     * @param codec decodes the value
     * @param <V>   the type of the value
     * @return the value, or null if no value is cached under the name
     */
    public <V> V get(String name, Codec<V> codec) {
        Objects.requireNonNull(codec, "codec");
        StaticStore store = store(name);
        return store == null ? null : store.get(VALUE_KEY, codec);
    }

    /**
     * The value of {@code key} in {@code bucket} (haki's {@code get(Bucket, Key)}).
     *
     * @param bucket the bucket's name
     * @param key    the key
     * @return a copy of the value, or null if the bucket has no such key (haki's {@code bad_key})
     * @throws NoSuchElementException if no bucket of this name is cached (haki's {@code bad_bucket})
     */
    public byte[] get(String bucket, String key) {
        Objects.requireNonNull(key, "key");
        return bucket(bucket).get(key);
    }

    /**
     * The value of {@code key} in {@code bucket}, decoded by {@code codec}.
     *
     * @param bucket the bucket's name
     * @param key    the key
     * @param codec  decodes the value
     * @param <V>    the type of the value
     * @return the value, or null if the bucket has no such key
     * @throws NoSuchElementException if no bucket of this name is cached
     */
    public <V> V get(String bucket, String key, Codec<V> codec) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(codec, "codec");
        return bucket(bucket).get(key, codec);
    }

    /**
     * A zero-copy, read-only view of the value cached under {@code name}, valid while it is
     * reachable, even after the name is cached again or removed.
     *
     * @param name the name
     * @return a view of the value, or null if no value is cached under the name
     */
    public MemorySegment view(String name) {
        StaticStore store = store(name);
        return store == null ? null : store.view(VALUE_KEY);
    }

    /**
     * A zero-copy, read-only view of the value of {@code key} in {@code bucket}, valid while it is
     * reachable.
     *
     * @param bucket the bucket's name
     * @param key    the key
     * @return a view of the value, or null if the bucket has no such key
     * @throws NoSuchElementException if no bucket of this name is cached
     */
    public MemorySegment view(String bucket, String key) {
        Objects.requireNonNull(key, "key");
        return bucket(bucket).view(key);
    }

    /**
     * Whether a value or bucket is cached under {@code name}.
     *
     * @param name the name
     * @return true if its file exists
     */
    public boolean contains(String name) {
        return store(name) != null;
    }

    /**
     * The names cached in the directory, by any process, sorted.
     *
     * @return the names of the directory's store files
     * @throws IOException if the directory cannot be listed
     */
    public Set<String> names() throws IOException {
        checkOpen();
        Set<String> names = new TreeSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
            for (Path file : files) {
                String fileName = file.getFileName().toString();
                if (!fileName.startsWith(".")) {
                    names.add(fileName.substring(0, fileName.length() - SUFFIX.length()));
                }
            }
        }
        return names;
    }

    /**
     * Opens again every name this object has open, so that versions cached (or removed) by other
     * processes since are read from now on; the versions it held stay valid for their readers.
     *
     * @return how many names were reopened
     * @throws IOException if a file cannot be opened
     */
    public int refresh() throws IOException {
        checkOpen();
        int reopened = 0;
        for (String name : stores.keySet()) {
            synchronized (lock(name)) {
                try {
                    install(name, StaticStore.open(file(name), MapOption.AUTO_UNMAP));
                } catch (NoSuchFileException e) {
                    install(name, null);
                }
                reopened++;
            }
        }
        return reopened;
    }

    // ---------------------------------------------------------------------------------------------
    // Snapshots

    /**
     * Saves a snapshot of {@code name}: a copy of its file at {@code target}, written beside it and
     * renamed into place, so a reader of {@code target} never sees half a copy. The copy is a store
     * file: {@link #loadSnapshot} puts it back, {@link StaticStore#open} reads it.
     *
     * @param name   the name
     * @param target where to save the copy; replaced if it exists
     * @throws NoSuchElementException if nothing is cached under the name
     * @throws IOException            if copying fails
     */
    public void saveSnapshot(String name, Path target) throws IOException {
        Path file = file(name);
        Objects.requireNonNull(target, "target");
        synchronized (lock(name)) {
            checkOpen();
            if (!Files.exists(file)) {
                throw new NoSuchElementException("nothing is cached under \"" + name + "\" in " + directory);
            }
            copyAtomically(file, target);
        }
    }

    /**
     * Loads a snapshot: checks that {@code snapshot} is a sound store file, then copies it into the
     * directory as {@code name}, replacing what was cached under it, as a re-cache does.
     *
     * @param name     the name
     * @param snapshot a file saved by {@link #saveSnapshot}, or any static store file
     * @throws CorruptStoreException if the snapshot is not a valid static store; nothing changes
     * @throws IOException           if reading or copying fails; nothing changes
     */
    public void loadSnapshot(String name, Path snapshot) throws IOException {
        Path file = file(name);
        Objects.requireNonNull(snapshot, "snapshot");
        try (StaticStore check = StaticStore.open(snapshot)) {
            check.size(); // opening checked the header and every offset
        }
        synchronized (lock(name)) {
            checkOpen();
            copyAtomically(snapshot, file);
            install(name, StaticStore.open(file, MapOption.AUTO_UNMAP));
        }
    }

    private void copyAtomically(Path from, Path to) throws IOException {
        TempFiles.deleteAbandoned(to, COPY_KIND, STALE_AFTER);
        Path temp = TempFiles.newPath(to, COPY_KIND);
        try {
            Files.copy(from, temp);
            if (options.force()) {
                try (FileChannel channel = FileChannel.open(temp, WRITE)) {
                    channel.force(true);
                }
            }
            Files.move(temp, to, StandardCopyOption.ATOMIC_MOVE);
            if (options.force()) {
                TempFiles.syncDirectory(temp.getParent());
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Lifetime

    /**
     * The directory of the names' files.
     *
     * @return the directory
     */
    public Path directory() {
        return directory;
    }

    /**
     * Closes every store this object opened. Views obtained before stay valid while they are
     * reachable. Idempotent.
     */
    @Override
    public void close() {
        open = false;
        for (String name : stores.keySet()) {
            synchronized (lock(name)) {
                StaticStore store = stores.remove(name);
                if (store != null) {
                    store.retire();
                }
            }
        }
    }

    /** Names the directory and how many names are open. */
    @Override
    public String toString() {
        return "StaticCache[" + directory + ", " + stores.size() + " open" + (open ? "]" : ", closed]");
    }

    // ---------------------------------------------------------------------------------------------

    /** The open store of {@code name}, opening its file the first time; null if it has none. */
    private StaticStore store(String name) {
        Path file = file(name);
        checkOpen();
        StaticStore store = stores.get(name);
        if (store != null) {
            return store;
        }
        synchronized (lock(name)) {
            checkOpen();
            store = stores.get(name);
            if (store == null) {
                try {
                    store = StaticStore.open(file, MapOption.AUTO_UNMAP);
                } catch (NoSuchFileException e) {
                    return null;
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot open the store of \"" + name + "\" in " + directory, e);
                }
                stores.put(name, store);
            }
            return store;
        }
    }

    private StaticStore bucket(String bucket) {
        StaticStore store = store(bucket);
        if (store == null) {
            throw new NoSuchElementException("no bucket \"" + bucket + "\" is cached in " + directory);
        }
        return store;
    }

    /** Makes {@code store} the version of {@code name} (none if null) and retires the one it replaces. */
    private void install(String name, StaticStore store) {
        StaticStore old = store == null ? stores.remove(name) : stores.put(name, store);
        if (old != null) {
            old.retire(); // releases its file; lookups in progress and views held carry on
        }
    }

    private Object lock(String name) {
        return nameLocks.computeIfAbsent(name, n -> new Object());
    }

    /** The file of {@code name}, after checking the name. */
    private Path file(String name) {
        Objects.requireNonNull(name, "name");
        int bytes = name.getBytes(UTF_8).length;
        if (bytes == 0 || bytes > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("a cache name is 1 to " + MAX_NAME_BYTES + " UTF-8 bytes, got " + bytes
                    + ": \"" + name + "\"");
        }
        if (name.startsWith(".") || name.indexOf('/') >= 0 || name.indexOf('\\') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a cache name does not start with '.' and has no '/', '\\' or NUL, got \""
                    + name + "\"");
        }
        return directory.resolve(name + SUFFIX);
    }

    private void checkOpen() {
        if (!open) {
            throw new IllegalStateException("the static cache in " + directory + " is closed");
        }
    }
}
