package io.mmap4j.store;

import static io.mmap4j.store.SharedMapFile.BYTES;
import static io.mmap4j.store.SharedMapFile.NO_SLOT;
import static io.mmap4j.store.SharedMapFile.SEGMENT;
import static io.mmap4j.store.SharedMapFile.STRING;
import static io.mmap4j.store.SharedMapFormat.CONTROL_BYTES;
import static io.mmap4j.store.SharedMapFormat.CONTROL_FILE;
import static io.mmap4j.store.SharedMapFormat.CONTROL_MAGIC;
import static io.mmap4j.store.SharedMapFormat.C_GENERATION;
import static io.mmap4j.store.SharedMapFormat.C_MAGIC;
import static io.mmap4j.store.SharedMapFormat.C_RESERVED;
import static io.mmap4j.store.SharedMapFormat.C_SEED;
import static io.mmap4j.store.SharedMapFormat.C_VERSION;
import static io.mmap4j.store.SharedMapFormat.C_WRITER;
import static io.mmap4j.store.SharedMapFormat.DATA_PREFIX;
import static io.mmap4j.store.SharedMapFormat.D_KEYS;
import static io.mmap4j.store.SharedMapFormat.D_LIVE_BYTES;
import static io.mmap4j.store.SharedMapFormat.D_USED_SLOTS;
import static io.mmap4j.store.SharedMapFormat.INT;
import static io.mmap4j.store.SharedMapFormat.LOCK_FILE;
import static io.mmap4j.store.SharedMapFormat.LONG;
import static io.mmap4j.store.SharedMapFormat.MAX_KEY_BYTES;
import static io.mmap4j.store.SharedMapFormat.MAX_VALUE_BYTES;
import static io.mmap4j.store.SharedMapFormat.REMOVED;
import static io.mmap4j.store.SharedMapFormat.VERSION;
import static io.mmap4j.store.SharedMapFormat.WORD;
import static io.mmap4j.store.SharedMapFormat.dataBytesFor;
import static io.mmap4j.store.SharedMapFormat.dataFile;
import static io.mmap4j.store.SharedMapFormat.firstDataBytes;
import static io.mmap4j.store.SharedMapFormat.fitsRewrite;
import static io.mmap4j.store.SharedMapFormat.hasRoomForKey;
import static io.mmap4j.store.SharedMapFormat.recordBytes;
import static io.mmap4j.store.SharedMapFormat.slotsFor;
import static java.nio.charset.StandardCharsets.UTF_8;

import io.mmap4j.MMap;
import io.mmap4j.ReadOnlyMapException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.zip.CRC32C;

/**
 * A persistent hash map in mapped files that many threads and processes read and write at once:
 * configuration, feature flags, routing tables or session data shared by every JVM on a host,
 * read at memory speed, updated in microseconds, and never losing an update or tearing a value.
 *
 * <pre>{@code
 * try (SharedMap map = SharedMap.open(dir)) {              // creates the map, or opens it
 *     map.put("mode", "fast".getBytes(UTF_8));             // visible at once to every process
 *     byte[] mode = map.get("mode");                       // a copy, or null if absent
 *     map.merge("hits".getBytes(UTF_8), longBytes(1), SharedMap::sum);  // atomic across processes
 * }
 * }</pre>
 *
 * <h2>The files</h2>
 * A map is a directory of three files, specified byte by byte in {@code docs/shared-map-format.md}:
 * {@code map}, a page naming the current generation and holding the writer lock word; {@code lock},
 * an empty file that only ever carries {@code fcntl} locks; and {@code data.<generation>}, the
 * current data file: a header, an open-addressing hash index of 16-byte slots (each key's XXH64,
 * with a random per-map seed so that nobody can flood one slot, and its record's offset), and an
 * append-only region of records (key, value, CRC32C). Keys are 0 to {@value SharedMapFormat#MAX_KEY_BYTES}
 * bytes, values 0 to {@value SharedMapFormat#MAX_VALUE_BYTES} bytes (1 GiB); a map holds up to
 * 2<sup>39</sup> keys. Do not open the {@code lock} file yourself: closing it would drop this
 * process's locks.
 *
 * <h2>Writing, growth and reclaim</h2>
 * A write appends a record, then publishes it with one release store of its slot's reference; a
 * removal marks the slot. Writers serialise through the writer lock: a word in {@code map} taken
 * with a compare-and-set, whose holder's liveness the kernel vouches for, so a writer killed while
 * holding it is detected and the lock taken over, its half-done write repaired; waiting for a
 * live writer spins, then sleeps. When the index passes three quarters full or the data region is
 * full, the writer rewrites the live entries into another data file (the index at most half full,
 * the data region two to three times the live bytes) and switches to it by one release store of
 * the generation in {@code map}: growth and compaction in one step, while readers carry on in the
 * old file. So the data region holds at most twice as many dead bytes (overwritten and removed
 * values) as live ones before they are reclaimed; a rewrite costs a copy of the live entries,
 * amortised over the writes that filled the region. The writer keeps the file a rewrite replaced
 * and writes the next rewrite into it, in place, once no process maps it any more (readers hold a
 * shared {@code fcntl} lock of the generation they map): through pages it has touched already, so
 * that a steady stream of puts takes no page fault. It does so only if that file's index has the
 * slots the rewrite needs and its data region fits the live bytes (a map's first file, sized by
 * {@link Options}, seldom does), and only if no process maps it: views of a generation hold it
 * until the garbage collector finds them all unreachable (see Reads), so a program that takes
 * views ({@code view}, iteration) makes rewrites write into new files, paying those faults, until
 * then; copies and typed reads hold nothing. The map's data files are thus at most about
 * twice (4 KiB + 16 bytes a slot + three times the live bytes). {@link #putAll} is applied by such a rewrite, so that it is all or
 * nothing and visible at once; it costs a copy of the whole map, so put single keys one by one.
 *
 * <h2>Crashes</h2>
 * A process killed at any instruction leaves a map that opens and holds every write that returned
 * before the kill, and nothing torn: a record is whole before its slot names it, a new data file
 * is whole before the generation names it, and the next writer deletes the data files no
 * generation names and recounts what a dead writer may have left uncounted. Against power loss,
 * {@link #force()} writes the map to the disk.
 *
 * <h2>Reads</h2>
 * Reads take no lock and never wait: a lookup reads the generation, hashes the key, probes the
 * index and compares the key, and gets the value a writer published before it or the one it
 * publishes during it, always whole. Three ways to get a value: {@link #get(byte[])} copies it
 * into a new array; {@link #get(String, MemorySegment)} copies it into the caller's buffer and
 * allocates nothing; {@link #view(String)} returns a zero-copy view. A record never changes once
 * written, so a view keeps showing its value for as long as it is reachable, even after an
 * overwrite or a rewrite. {@link #typed typed views} of strings and longs keep the values they
 * decoded and hand them out again while the key's slot is unchanged (see {@link TypedSharedMap}).
 * {@link #getAll} is one consistent snapshot: a pass over the index that no write overlapped.
 *
 * <p>Only a lookup that meets a new generation opens its file, once per handle, and the handle
 * then unmaps the generation it replaces at once: the space of a replaced file (deleted by the
 * rewrite) goes back to the file system as soon as every process using the map has made one call
 * since, not when a garbage collector runs. A lookup of another thread still in the old file when
 * it is unmapped runs again on the new one, and its thread's interrupt status is left as it was
 * (JDK 25's unmapping sets it on a thread it catches reading: see {@code UNMAP_INTERRUPTS}); a read
 * never fails because its thread is interrupted. The exception is a generation of which views were
 * handed out ({@code view}, iteration): it is mapped a second time, read-only, for the views, and
 * that mapping goes when the last of them is unreachable.
 *
 * <h2>Errors</h2>
 * A null argument is a {@link NullPointerException}; a key or value over its limit an
 * {@link IllegalArgumentException} naming its length and the limit; any call after
 * {@link #close()} an {@link IllegalStateException}; a write to a map opened with only
 * {@link StandardOpenOption#READ} a {@link ReadOnlyMapException}. {@link #open} checks the headers
 * of {@code map} and of the current data file and throws a {@link CorruptStoreException} naming
 * the file, the field, the value found and what was expected; it never repairs or resets a map.
 * Damage that only a lookup can find (a slot or record pointing outside its file) is a
 * {@link CorruptEntryException}; {@link #verify(Path)} checks everything. A write that fails on
 * the file system (a full disk during a rewrite) is an {@link UncheckedIOException}, and changes
 * nothing. A file of the map cut short by another process while mapped makes the access that
 * meets the cut throw {@link InternalError} and the JVM carries on: the writer lock's
 * compare-and-set goes through {@link MMap}'s guarded one, never a raw compare-and-set, which
 * would kill the JVM there ({@code docs/lifetimes.md}, "Truncation by another process").
 */
public final class SharedMap implements AutoCloseable, Iterable<SharedMap.Entry> {
    private final Path directory;
    private final MMap controlMap;
    /** The control page; explicit lifetime, so that every access after close throws. */
    private final MemorySegment control;
    private final long seed;
    /** The writer lock and the generation shares of this JVM for the map. */
    private final SharedMapLock lock;
    private final boolean writable;
    /** Used under the writer lock only. */
    private final CRC32C crc = new CRC32C();
    /** The readers' mapping of the newest generation this handle has seen; it shares its generation. */
    private volatile SharedMapFile current;
    /**
     * The writer's own mapping of the current generation: used under the writer lock only, and
     * only while the control file still names its generation. Apart from the readers' so that a
     * rewrite can unmap what readers may be in and still keep this one (see {@link #spare}).
     */
    private SharedMapFile writing;
    /**
     * The writer's mapping of the generation this handle's last rewrite replaced, whose file stays
     * as it was: the next rewrite writes into it in place if no process maps it for reading any
     * more, through pages this mapping has touched already. Under the writer lock only.
     */
    private SharedMapFile spare;
    /** Rewrites this handle made into its spare, in place: for tests, which check that races met them. */
    volatile long rewritesInPlace;
    private volatile boolean open = true;

    private SharedMap(Path directory, MMap controlMap, SharedMapLock lock, boolean writable) {
        this.directory = directory;
        this.controlMap = controlMap;
        this.control = controlMap.segment();
        this.seed = control.get(LONG, C_SEED);
        this.lock = lock;
        this.writable = writable;
    }

    // ---------------------------------------------------------------------------------------------
    // Opening

    /**
     * Opens the map in {@code directory} for reading and writing, creating it (and the directory)
     * if there is none, with the {@linkplain Options#DEFAULT default sizing}.
     *
     * @param directory the map's directory
     * @return the open map; close it to release its files
     * @throws CorruptStoreException if the directory holds a damaged map; it is left untouched
     * @throws IOException           if the files cannot be created, opened or mapped
     */
    public static SharedMap open(Path directory) throws IOException {
        return open(directory, Options.DEFAULT);
    }

    /**
     * Opens the map in {@code directory}.
     *
     * <p>Without options, as {@link #open(Path)}. With options: {@link StandardOpenOption#READ}
     * alone opens an existing map read-only (every write throws {@link ReadOnlyMapException});
     * {@code WRITE} opens it for writing; {@code CREATE} creates it if there is none. Costs a
     * few {@code open}s and {@code mmap}s and a read of two header pages, whatever the map's size.
     * Creating is safe when many processes race to do it: one creates, the others open.
     *
     * @param directory the map's directory
     * @param options   {@code READ}, {@code WRITE}, {@code CREATE}
     * @return the open map
     * @throws NoSuchFileException      if there is no map and {@code CREATE} is not given
     * @throws CorruptStoreException    if the directory holds a damaged map; it is left untouched
     * @throws IOException              if the files cannot be created, opened or mapped
     * @throws IllegalArgumentException for any other option
     */
    public static SharedMap open(Path directory, OpenOption... options) throws IOException {
        return open(directory, Options.DEFAULT, options);
    }

    /**
     * Opens the map in {@code directory}, as {@link #open(Path, OpenOption...)}, sizing a new map
     * by {@code sizing}; the sizing of an existing map is its own.
     *
     * @param directory the map's directory
     * @param sizing    the seed and first sizes of a new map
     * @param options   {@code READ}, {@code WRITE}, {@code CREATE}; none: all three
     * @return the open map
     * @throws NoSuchFileException      if there is no map and {@code CREATE} is not given
     * @throws CorruptStoreException    if the directory holds a damaged map; it is left untouched
     * @throws IOException              if the files cannot be created, opened or mapped
     * @throws IllegalArgumentException for an option other than those three
     */
    public static SharedMap open(Path directory, Options sizing, OpenOption... options) throws IOException {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(sizing, "sizing");
        boolean writable = options.length == 0;
        boolean create = options.length == 0;
        for (OpenOption option : options) {
            if (option == StandardOpenOption.WRITE) {
                writable = true;
            } else if (option == StandardOpenOption.CREATE) {
                writable = true;
                create = true;
            } else if (option != StandardOpenOption.READ) {
                throw new IllegalArgumentException("a shared map opens with READ, WRITE and CREATE: option "
                        + option + " is not allowed");
            }
        }
        if (create) {
            Files.createDirectories(directory);
        }
        Path dir = directory.toRealPath();
        Path controlPath = dir.resolve(CONTROL_FILE);
        SharedMapLock lock = SharedMapLock.acquire(dir.resolve(LOCK_FILE), writable);
        try {
            if (create && !Files.exists(controlPath)) {
                lock.whileCreating(() -> {
                    if (!Files.exists(controlPath)) {
                        createFiles(dir, sizing);
                    }
                    return null;
                });
            }
            if (!Files.exists(controlPath)) {
                throw new NoSuchFileException(controlPath.toString(), null, "no shared map in " + dir);
            }
            MMap controlMap = writable ? MMap.open(controlPath, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    : MMap.open(controlPath, StandardOpenOption.READ);
            try {
                List<Problem> problems = checkControl(controlPath, controlMap.segment());
                if (!problems.isEmpty()) {
                    throw problems.getFirst().exception();
                }
                SharedMap map = new SharedMap(dir, controlMap, lock, writable);
                map.current = map.openGeneration();
                if (writable && map.writerIsDead()) {
                    try {
                        map.write(f -> null); // takes the lock over and repairs what the dead writer left
                    } catch (CorruptEntryException e) {
                        throw (CorruptStoreException) new CorruptStoreException(e.file(), e.offset(), "record",
                                "damaged", "a sound record for the recovery of a dead writer: " + e.getMessage())
                                .initCause(e);
                    }
                }
                return map;
            } catch (IOException | RuntimeException | Error e) {
                controlMap.close();
                throw e;
            }
        } catch (IOException | RuntimeException | Error e) {
            lock.release();
            throw e;
        }
    }

    /** Writes a new map's first data file, then its control file beside, renamed into place in one step. */
    private static void createFiles(Path dir, Options sizing) throws IOException {
        long seed = sizing.seed().isPresent() ? sizing.seed().getAsLong() : new SecureRandom().nextLong();
        SharedMapFile first = SharedMapFile.create(dataFile(dir, 1), 1, seed, slotsFor(sizing.expectedKeys()),
                firstDataBytes(sizing.expectedBytes()));
        first.map.close();
        Path temporary = dir.resolve(CONTROL_FILE + ".new");
        Files.deleteIfExists(temporary);
        try (MMap map = MMap.open(temporary, CONTROL_BYTES, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            MemorySegment s = map.segment();
            s.set(LONG, C_MAGIC, CONTROL_MAGIC);
            s.set(INT, C_VERSION, VERSION);
            s.set(LONG, C_SEED, seed);
            s.set(LONG, C_GENERATION, 1);
        }
        Files.move(temporary, dir.resolve(CONTROL_FILE), StandardCopyOption.ATOMIC_MOVE);
    }

    static List<Problem> checkControl(Path path, MemorySegment s) {
        List<Problem> problems = new ArrayList<>();
        if (s.byteSize() != CONTROL_BYTES) {
            problems.add(new Problem(path, 0, "file length", Long.toString(s.byteSize()), Long.toString(CONTROL_BYTES)));
            return problems;
        }
        SharedMapCheck check = new SharedMapCheck(path, s, problems);
        if (check.equal(C_MAGIC, "magic", CONTROL_MAGIC, "0x" + Long.toHexString(CONTROL_MAGIC) + " (ASCII MMAP4JSM)")
                && check.equalInt(C_VERSION, "version", VERSION)) {
            check.equalInt(C_RESERVED, "reserved", 0);
            long generation = s.get(LONG, C_GENERATION);
            if (generation < 1 || generation >= SharedMapLock.GENERATION_BASE) {
                problems.add(new Problem(path, C_GENERATION, "generation", Long.toUnsignedString(generation),
                        "1 to " + (SharedMapLock.GENERATION_BASE - 1)));
            }
        }
        return problems;
    }

    // ---------------------------------------------------------------------------------------------
    // Lookups

    /**
     * The value of {@code key}, copied into a new array.
     *
     * @param key the key's bytes
     * @return the value, or null if the map has no such key
     */
    public byte[] get(byte[] key) {
        checkKey(Objects.requireNonNull(key, "key").length);
        return read(key, BYTES, hash(key), COPY, null);
    }

    /**
     * The value of the key whose UTF-8 encoding is {@code key}, copied into a new array. The key
     * is hashed and compared as it is encoded: nothing is allocated but the result.
     *
     * @param key the key
     * @return the value, or null if the map has no such key
     */
    public byte[] get(String key) {
        return read(key, STRING, hash(key), COPY, null);
    }

    /**
     * The value of the key whose bytes are {@code key}, copied into a new array.
     *
     * @param key the key's bytes, anywhere: the heap, native memory, another mapped file
     * @return the value, or null if the map has no such key
     */
    public byte[] get(MemorySegment key) {
        checkKey(Objects.requireNonNull(key, "key").byteSize());
        return read(key, SEGMENT, StaticKeyHash.hash(key, 0, key.byteSize(), seed), COPY, null);
    }

    /**
     * Copies the value of {@code key} into the start of {@code into}, allocating nothing: for a
     * reader that reuses one buffer. A value longer than {@code into} is not copied; the length
     * returned says how much room it needs.
     *
     * @param key  the key's bytes
     * @param into where to copy the value: the heap, native memory, a mapped file; writable
     * @return the value's length, or -1 if the map has no such key; the value was copied if and
     *         only if this is from 0 to {@code into.byteSize()}
     * @throws IllegalArgumentException if {@code into} is read-only
     */
    public long get(byte[] key, MemorySegment into) {
        checkKey(Objects.requireNonNull(key, "key").length);
        return read(key, BYTES, hash(key), COPY_INTO, checkInto(into));
    }

    /**
     * Copies the value of the key whose UTF-8 encoding is {@code key} into the start of
     * {@code into}, as {@link #get(byte[], MemorySegment)}, allocating nothing.
     *
     * @param key  the key
     * @param into where to copy the value; writable
     * @return the value's length, or -1 if the map has no such key; the value was copied if and
     *         only if this is from 0 to {@code into.byteSize()}
     * @throws IllegalArgumentException if {@code into} is read-only
     */
    public long get(String key, MemorySegment into) {
        return read(key, STRING, hash(key), COPY_INTO, checkInto(into));
    }

    /**
     * A zero-copy, read-only view of the value of {@code key}. The value's record never changes,
     * so the view shows this value for as long as it is reachable, whatever is written later
     * (the generation it is in stays mapped for it: see the class comment).
     *
     * @param key the key's bytes
     * @return a view of the value, or null if the map has no such key
     */
    public MemorySegment view(byte[] key) {
        checkKey(Objects.requireNonNull(key, "key").length);
        return read(key, BYTES, hash(key), VIEW, null);
    }

    /**
     * A zero-copy, read-only view of the value of the key whose UTF-8 encoding is {@code key}, as
     * {@link #view(byte[])}, allocating nothing but the view.
     *
     * @param key the key
     * @return a view of the value, or null if the map has no such key
     */
    public MemorySegment view(String key) {
        return read(key, STRING, hash(key), VIEW, null);
    }

    /**
     * Whether the map has {@code key}.
     *
     * @param key the key's bytes
     * @return true if it has a value for the key
     */
    public boolean containsKey(byte[] key) {
        checkKey(Objects.requireNonNull(key, "key").length);
        return read(key, BYTES, hash(key), CONTAINS, null);
    }

    /**
     * Whether the map has the key whose UTF-8 encoding is {@code key}.
     *
     * @param key the key
     * @return true if it has a value for the key
     */
    public boolean containsKey(String key) {
        return read(key, STRING, hash(key), CONTAINS, null);
    }

    /**
     * The number of keys.
     *
     * @return the number of keys, as the last write left it
     */
    public long size() {
        return read(null, 0, 0, KEYS, null);
    }

    /**
     * Whether the map has no key.
     *
     * @return true if {@link #size()} is 0
     */
    public boolean isEmpty() {
        return size() == 0;
    }

    // The steps of a read, each given the data file it runs in and the slot a probe for its key
    // found there (see SharedMapFile.find); non-capturing, so that passing one allocates nothing.
    private static final Read<byte[]> COPY = (f, slot, into) -> {
        long record = f.liveRecord(slot);
        return record < 0 ? null : f.copyValue(record);
    };
    private static final Read<Long> COPY_INTO = (f, slot, into) -> {
        long record = f.liveRecord(slot);
        return record < 0 ? -1L : f.copyValue(record, (MemorySegment) into);
    };
    private static final Read<MemorySegment> VIEW = (f, slot, into) -> {
        long record = f.liveRecord(slot);
        return record < 0 ? null : f.views().value(record);
    };
    private static final Read<Boolean> CONTAINS = (f, slot, into) -> f.liveRecord(slot) >= 0;
    private static final Read<Long> KEYS = (f, slot, into) -> f.keys();

    /** One read of a data file, given the slot a probe for the key found (or 0 when there is no key). */
    @FunctionalInterface
    interface Read<T> {
        T apply(SharedMapFile f, long slot, Object argument);
    }

    /**
     * Runs {@code step} on the current generation, after probing it for {@code key} (of the kind
     * {@code kind}, with the hash {@code hash}) if there is one. A read only reads, so if a rewrite
     * by another thread of this handle replaced and unmapped the generation under it (the
     * {@link IllegalStateException} the JDK throws then), it runs again on the new one.
     */
    <T> T read(Object key, int kind, long hash, Read<T> step, Object argument) {
        boolean interrupted = interruptedBefore();
        SharedMapFile f = null;
        while (true) {
            try {
                f = current();
                return step.apply(f, key == null ? 0 : f.find(key, kind, hash), argument);
            } catch (IllegalStateException e) {
                retryAfter(f, e, interrupted);
            }
        }
    }

    /**
     * Returns if a read of {@code f} that failed with {@code failure} is to run again: this handle
     * replaced {@code f} under it, or another process replaced the generation (then this switches
     * to the new one). Throws the map's own {@link IllegalStateException} if the map was closed,
     * and rethrows {@code failure} if {@code f} is still current or the read failed before it had
     * a generation ({@code f} null). First takes back the interrupt the JDK may have set if the
     * unmapping caught this thread inside {@code f}: see {@link #UNMAP_INTERRUPTS}.
     *
     * @param interrupted whether this thread was interrupted when the read began
     */
    private void retryAfter(SharedMapFile f, IllegalStateException failure, boolean interrupted) {
        if (unmappedUnder(f)) {
            forgetUnmapInterrupt(interrupted);
        }
        checkOpen();
        if (f == null || current() == f) {
            throw failure;
        }
    }

    /**
     * Whether the data file mapped at {@code file} is still the current generation and its slot
     * reference at {@code refAt} still holds {@code ref}: then whatever a read found there is
     * still so. For {@link TypedSharedMap}'s cache; see {@link SharedMapFile#unchanged}. False
     * if this handle unmapped the file meanwhile (the slow path reads the new generation, or
     * reports the map closed).
     */
    static boolean unchanged(MemorySegment file, long refAt, long ref) {
        boolean interrupted = interruptedBefore();
        try {
            return SharedMapFile.unchanged(file, refAt, ref);
        } catch (IllegalStateException unmappedUnderUs) {
            forgetUnmapInterrupt(interrupted); // closed: only ever by this handle's unmapping
            return false;
        }
    }

    /**
     * Whether closing a shared arena marks the threads it catches inside it as interrupted. This
     * handle unmaps a replaced generation at once (and everything at {@link #close()}), by closing
     * the arena of its mapping, while other threads of the handle may still be reading it: the
     * JDK's handshake then throws an {@link IllegalStateException} into a thread it finds inside
     * an access of that mapping (the read runs again), and JDKs before 26 also set that thread's
     * interrupt status (JDK-8306324, "StopThread results in thread being marked as interrupted";
     * the path is shared with the unmapping of shared arenas), which nobody asked for: the
     * caller's next {@code sleep} or {@code take} would throw {@link InterruptedException}, and
     * its next mapping of a file {@link java.nio.channels.ClosedByInterruptException}. So a read
     * notes whether its thread was interrupted when it began, one load, and a read that an
     * unmapping of this handle failed takes the interrupt back if it was not. The one case this
     * cannot tell apart: another thread's {@link Thread#interrupt()} arriving during that very
     * read, which is taken back with it.
     */
    static final boolean UNMAP_INTERRUPTS = Runtime.version().feature() < 26;

    /** Whether this thread is interrupted, when that needs knowing: see {@link #UNMAP_INTERRUPTS}. */
    private static boolean interruptedBefore() {
        return UNMAP_INTERRUPTS && Thread.currentThread().isInterrupted();
    }

    /** Clears the interrupt an unmapping set on this thread, if it was not interrupted before. */
    private static void forgetUnmapInterrupt(boolean interruptedBefore) {
        if (UNMAP_INTERRUPTS && !interruptedBefore) {
            Thread.interrupted();
        }
    }

    /** Whether this handle unmapped {@code f} (or everything, closing) since a read took it. */
    private boolean unmappedUnder(SharedMapFile f) {
        return !open || (f != null && current != f);
    }

    long hash(byte[] key) {
        return StaticKeyHash.hash(MemorySegment.ofArray(key), 0, key.length, seed);
    }

    long hash(String key) {
        if (Objects.requireNonNull(key, "key").length() > MAX_KEY_BYTES / 3) { // else its UTF-8 form cannot be too long
            checkKey(StaticKeyHash.utf8Length(key));
        }
        return StaticKeyHash.hashUtf8(key, seed);
    }

    private static MemorySegment checkInto(MemorySegment into) {
        if (Objects.requireNonNull(into, "into").isReadOnly()) {
            throw new IllegalArgumentException("the segment to copy a value into is read-only: " + into);
        }
        return into;
    }

    /**
     * Every key and value at one moment, decoded: a consistent snapshot, which no write
     * overlapped. Makes passes over the index until one is not overlapped by a write (a writer
     * that holds the lock on for long makes a writable map take the lock itself, to exclude them).
     *
     * @param keys   decodes the keys
     * @param values decodes the values
     * @param <K>    the type of the keys
     * @param <V>    the type of the values
     * @return a new {@link HashMap} of the entries, which the caller owns
     */
    public <K, V> Map<K, V> getAll(Codec<K> keys, Codec<V> values) {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(values, "values");
        boolean interrupted = interruptedBefore();
        for (int attempt = 0; ; attempt++) {
            SharedMapFile f = null;
            try {
                f = current();
                long sequence = f.sequence();
                Map<K, V> all = new HashMap<>();
                collect(f, all, keys, values);
                // The loads of the pass may not move after the second read of the sequence.
                VarHandle.acquireFence();
                if (f.sequence() == sequence && generation() == f.generation) {
                    // No write began or ended during the pass; one in flight (odd sequence) changes
                    // one slot, atomically, so the pass saw it entirely or not at all.
                    return all;
                }
            } catch (IllegalStateException e) {
                retryAfter(f, e, interrupted); // replaced and unmapped under the pass: pass over the new one
                continue;
            }
            if (attempt >= 8 && writable) {
                return write(locked -> {
                    Map<K, V> held = new HashMap<>();
                    collect(locked, held, keys, values);
                    return held;
                });
            }
            LockSupport.parkNanos(attempt * 10_000L);
        }
    }

    /** Decodes every live entry of {@code f} into {@code into}, from copies (see SharedMapFile on allocations). */
    private static <K, V> void collect(SharedMapFile f, Map<K, V> into, Codec<K> keys, Codec<V> values) {
        for (long slot = 0; slot < f.slots; slot++) {
            SharedMapFile.afterAllocation(); // the last entry's decoding and put
            long ref = f.ref(slot);
            if (ref > 0) {
                byte[] key = f.copyKey(ref);
                byte[] value = f.copyValue(ref);
                into.put(keys.decode(MemorySegment.ofArray(key)), values.decode(MemorySegment.ofArray(value)));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Writes: each under the writer lock, atomic for every thread and process.

    /**
     * Maps {@code key} to {@code value}, replacing any value it had. Visible to every thread and
     * process when it returns.
     *
     * @param key   the key's bytes, at most {@value SharedMapFormat#MAX_KEY_BYTES}
     * @param value the value's bytes, at most {@value SharedMapFormat#MAX_VALUE_BYTES}
     * @throws UncheckedIOException if a rewrite the write needs fails; the map is unchanged
     */
    public void put(byte[] key, byte[] value) {
        put(keySegment(key), valueSegment(value));
    }

    /**
     * Maps the key whose UTF-8 encoding is {@code key} to {@code value}, as {@link #put(byte[], byte[])}.
     *
     * @param key   the key
     * @param value the value's bytes
     */
    public void put(String key, byte[] value) {
        put(keySegment(key), valueSegment(value));
    }

    /**
     * Maps the key whose bytes are {@code key} to the bytes of {@code value}, from memory anywhere,
     * as {@link #put(byte[], byte[])}.
     *
     * @param key   the key's bytes
     * @param value the value's bytes
     */
    public void put(MemorySegment key, MemorySegment value) {
        checkKey(Objects.requireNonNull(key, "key").byteSize());
        checkValue(Objects.requireNonNull(value, "value").byteSize());
        write(f -> {
            store(f, key, value);
            return null;
        });
    }

    /**
     * Maps {@code key} to {@code value} unless it has a value already: atomic across processes.
     *
     * @param key   the key's bytes
     * @param value the value's bytes
     * @return the value the key had, which is kept, or null if it had none and now has {@code value}
     */
    public byte[] putIfAbsent(byte[] key, byte[] value) {
        MemorySegment k = keySegment(key);
        MemorySegment v = valueSegment(value);
        return write(f -> {
            byte[] old = valueOf(f, k);
            if (old == null) {
                store(f, k, v);
            }
            return old;
        });
    }

    /**
     * Replaces the value of {@code key} with {@code newValue} if it is {@code expected}, byte for
     * byte: compare-and-set across processes.
     *
     * @param key      the key's bytes
     * @param expected the value it must have
     * @param newValue its new value
     * @return true if the value was {@code expected} and is now {@code newValue}
     */
    public boolean replace(byte[] key, byte[] expected, byte[] newValue) {
        MemorySegment k = keySegment(key);
        Objects.requireNonNull(expected, "expected");
        MemorySegment v = valueSegment(newValue);
        return write(f -> {
            boolean matches = Arrays.equals(valueOf(f, k), expected);
            if (matches) {
                store(f, k, v);
            }
            return matches;
        });
    }

    /**
     * Removes {@code key} and its value.
     *
     * @param key the key's bytes
     * @return true if the map had the key
     */
    public boolean remove(byte[] key) {
        return remove(keySegment(key));
    }

    /**
     * Removes the key whose UTF-8 encoding is {@code key}.
     *
     * @param key the key
     * @return true if the map had the key
     */
    public boolean remove(String key) {
        return remove(keySegment(key));
    }

    private boolean remove(MemorySegment key) {
        return write(f -> store(f, key, null));
    }

    /**
     * Removes {@code key} if its value is {@code expected}, byte for byte: atomic across processes.
     *
     * @param key      the key's bytes
     * @param expected the value it must have
     * @return true if it had that value and is now removed
     */
    public boolean remove(byte[] key, byte[] expected) {
        MemorySegment k = keySegment(key);
        Objects.requireNonNull(expected, "expected");
        return write(f -> Arrays.equals(valueOf(f, k), expected) && store(f, k, null));
    }

    /**
     * Computes the new value of {@code key} from its current one, atomically across threads and
     * processes: no other write to the map comes between the read and the write. The function
     * runs while this process holds the map's writer lock: keep it short, and do not use the map
     * in it ({@link IllegalStateException}).
     *
     * @param key       the key's bytes
     * @param remapping from the key and its value (null if absent) to its new value (null to remove it)
     * @return the new value, or null if the key is now absent
     * @throws RuntimeException whatever {@code remapping} throws; the map is then unchanged
     */
    public byte[] compute(byte[] key, BiFunction<? super byte[], ? super byte[], ? extends byte[]> remapping) {
        MemorySegment k = keySegment(key);
        Objects.requireNonNull(remapping, "remapping");
        return write(f -> {
            byte[] old = valueOf(f, k);
            byte[] value = remapping.apply(key.clone(), old);
            if (value != null) {
                checkValue(value.length);
                store(f, k, MemorySegment.ofArray(value));
            } else if (old != null) {
                store(f, k, null);
            }
            return value;
        });
    }

    /**
     * Sets {@code key} to {@code value} if it is absent, else to {@code remapping} of its value and
     * {@code value}, atomically across processes; as {@link Map#merge}. Counting across processes
     * is {@code merge(key, longBytes(1), SharedMap::sum)}.
     *
     * @param key       the key's bytes
     * @param value     the value if absent, and the second argument of {@code remapping}
     * @param remapping from the old value and {@code value} to the new value (null to remove the key)
     * @return the new value, or null if the key is now absent
     */
    public byte[] merge(byte[] key, byte[] value, BiFunction<? super byte[], ? super byte[], ? extends byte[]> remapping) {
        valueSegment(value);
        Objects.requireNonNull(remapping, "remapping");
        return compute(key, (k, old) -> old == null ? value : remapping.apply(old, value));
    }

    /**
     * Adds two 8-byte little-endian {@code long}s ({@link Codec#int64()}): a merge function for counters.
     *
     * @param a 8 bytes
     * @param b 8 bytes
     * @return the 8 bytes of their sum
     * @throws IllegalArgumentException if either is not 8 bytes long
     */
    public static byte[] sum(byte[] a, byte[] b) {
        return Codecs.INT64.encode(Codecs.INT64.decode(MemorySegment.ofArray(a)) + Codecs.INT64.decode(MemorySegment.ofArray(b)));
    }

    /**
     * Puts every entry, all at once: other threads and processes see all of them or none, and a
     * crash leaves all or none. Applied by rewriting the map into a new data file, so it costs a
     * copy of the whole map: for many entries at once, not as a faster {@code put}. A null value
     * removes its key.
     *
     * @param entries the keys and values; if a key comes twice, the last value wins
     * @throws UncheckedIOException if the rewrite fails; the map is unchanged
     */
    public void putAll(Collection<? extends Map.Entry<byte[], byte[]>> entries) {
        Map<ByteBuffer, MemorySegment> changes = new LinkedHashMap<>();
        for (Map.Entry<byte[], byte[]> entry : Objects.requireNonNull(entries, "entries")) {
            MemorySegment key = keySegment(entry.getKey());
            changes.put(key.asByteBuffer(), entry.getValue() == null ? null : valueSegment(entry.getValue()));
        }
        write(f -> {
            rewrite(f, changes);
            return null;
        });
    }

    /**
     * A typed view of this map: keys and values through codecs, with ModuleStore's whole surface.
     *
     * @param keys   encodes and decodes the keys; equal keys must encode to equal bytes
     * @param values encodes and decodes the values
     * @param <K>    the type of the keys
     * @param <V>    the type of the values
     * @return a view, valid until this map is closed
     */
    public <K, V> TypedSharedMap<K, V> typed(Codec<K> keys, Codec<V> values) {
        checkOpen();
        return new TypedSharedMap<>(this, Objects.requireNonNull(keys, "keys"), Objects.requireNonNull(values, "values"));
    }

    /**
     * Forces the current data file and the control file to the disk ({@code msync}), so that every
     * write that returned survives a power loss or a kernel crash.
     *
     * @throws IOException if the file system fails to write them
     */
    public void force() throws IOException {
        boolean interrupted = interruptedBefore();
        while (true) {
            SharedMapFile f = null;
            try {
                f = current();
                f.map.force();
                break;
            } catch (IllegalStateException e) {
                retryAfter(f, e, interrupted); // a rewrite replaced it: its entries are all in the new one
            }
        }
        controlMap.force();
    }

    // ---------------------------------------------------------------------------------------------
    // Iteration

    /**
     * Calls {@code action} with zero-copy views of every key and its value, in index order. Weakly
     * consistent: every entry given was in the map during the call, and a key is given at most
     * once; for a snapshot, use {@link #getAll}.
     *
     * @param action receives each key and value; the views stay valid while reachable
     */
    public void forEach(BiConsumer<? super MemorySegment, ? super MemorySegment> action) {
        Objects.requireNonNull(action, "action");
        for (Entry entry : this) {
            action.accept(entry.key(), entry.value());
        }
    }

    /**
     * Iterates over the entries of the current generation, as {@link #forEach}. Each step
     * allocates one {@link Entry} and its two views.
     *
     * @return an iterator over the entries
     */
    @Override
    public Iterator<Entry> iterator() {
        // Over the mapping views come from, which stays mapped while the iterator is reachable.
        SharedMapFile f = read(null, 0, 0, (data, slot, argument) -> data.views(), null);
        return new Iterator<>() {
            private long slot;
            private Entry next = advance();

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public Entry next() {
                if (next == null) {
                    throw new NoSuchElementException("no more entries in " + directory);
                }
                Entry entry = next;
                next = advance();
                return entry;
            }

            private Entry advance() {
                while (slot < f.slots) {
                    long ref = f.ref(slot++);
                    if (ref > 0) {
                        return new Entry(f.key(ref), f.value(ref));
                    }
                }
                return null;
            }
        };
    }

    // ---------------------------------------------------------------------------------------------
    // Inspection

    /**
     * The figures of this map now.
     *
     * @return a snapshot of its counters and sizes
     */
    public Stats stats() {
        return read(null, 0, 0, (f, slot, argument) -> stats(f), null);
    }

    private Stats stats(SharedMapFile f) {
        long dataEnd = f.dataEnd();
        long live = f.liveBytes();
        long keys = f.keys();
        long usedSlots = f.usedSlots(); // every load before the record is allocated: see SharedMapFile
        return new Stats(directory, f.generation, keys, live, dataEnd - f.dataOffset - live,
                f.fileBytes - f.dataOffset, f.slots, usedSlots, f.fileBytes, seed);
    }

    /**
     * The figures of the map in {@code directory}, opened read-only for the moment.
     *
     * @param directory a map's directory, or its control file {@code map}
     * @return a snapshot of its counters and sizes
     * @throws CorruptStoreException if the map is damaged
     * @throws IOException           if it cannot be opened
     */
    public static Stats stats(Path directory) throws IOException {
        try (SharedMap map = open(SharedMapVerifier.directoryOf(directory), StandardOpenOption.READ)) {
            return map.stats();
        }
    }

    /**
     * Checks the map in {@code directory} in full, read-only, as {@code fsck -n} checks a file
     * system: the control file; the current data file's header; every slot (its reference names a
     * record in the data region, its hash is its key's, a lookup of its key finds it); every
     * record (its lengths, its CRC32C); the header's counts against the index. Safe while other
     * processes read and write the map: it checks the generation current when it starts, and
     * checks the counts only over a pass no write overlapped, so it reports no false problem.
     * Never throws for damage and never writes.
     *
     * @param directory a map's directory, or its control file {@code map}
     * @return every problem found; empty if the map is sound. At most 1000, the last of which
     *         then counts those left out
     * @throws IOException if the files cannot be opened at all
     */
    public static List<Problem> verify(Path directory) throws IOException {
        return SharedMapVerifier.verify(SharedMapVerifier.directoryOf(Objects.requireNonNull(directory, "directory")));
    }

    /**
     * The map's directory.
     *
     * @return its real path
     */
    public Path path() {
        return directory;
    }

    /**
     * Whether the map is open.
     *
     * @return false once {@link #close()} was called
     */
    public boolean isOpen() {
        return open;
    }

    /**
     * Whether this handle can write.
     *
     * @return false if it was opened with only {@link StandardOpenOption#READ}
     */
    public boolean isWritable() {
        return writable;
    }

    /** Releases the files; idempotent. Views of values stay valid while reachable. */
    @Override
    public void close() {
        synchronized (this) {
            if (!open) {
                return;
            }
            open = false;
        }
        try {
            if (writable) {
                lock.whileThreadsExcluded(this::unmap); // no writer of this JVM is inside the files
            } else {
                unmap();
            }
        } finally {
            lock.release();
        }
    }

    /**
     * Unmaps the control file and the current generation (readers still in them fail and report
     * the map closed), and the writer's mappings; deletes the spare file, which only this handle
     * would have rewritten.
     */
    private void unmap() {
        controlMap.close();
        current.map.close();
        lock.unshare(current.generation);
        if (writing != null) {
            writing.map.close();
        }
        try {
            dropSpare();
        } catch (IOException e) {
            // Left behind: the next writer that recovers deletes it, as any file of an old generation.
        }
    }

    /** Names the directory, the number of keys, and whether the map is closed. */
    @Override
    public String toString() {
        return "SharedMap[" + directory + (open ? ", " + size() + " keys]" : ", closed]");
    }

    // ---------------------------------------------------------------------------------------------
    // Generations

    private long generation() {
        return (long) WORD.getAcquire(control, C_GENERATION);
    }

    /** The data file of the current generation, switching to it if a writer made a new one. */
    private SharedMapFile current() {
        checkOpen();
        SharedMapFile f = current;
        long generation = generation();
        return generation == f.generation ? f : switchTo(generation);
    }

    private synchronized SharedMapFile switchTo(long generation) {
        SharedMapFile old = current;
        if (old.generation == generation) {
            return old;
        }
        try {
            SharedMapFile next = openGeneration();
            current = next;
            old.map.close(); // unmapped now: a read still in it fails and runs again on the new one
            lock.unshare(old.generation);
            return next;
        } catch (IOException e) {
            throw new UncheckedIOException("opening generation " + generation + " of the shared map " + directory, e);
        }
    }

    /**
     * Maps the data file of the generation the control file names for reading, sharing its
     * generation first (so that no writer rewrites the file in place while it is mapped), or of a
     * later one if a writer replaced it meanwhile (and deleted it, or is rewriting it for a newer
     * generation: then the share is refused). Missing, or refused for long, while the control
     * file still names it: damage.
     */
    private SharedMapFile openGeneration() throws IOException {
        while (true) {
            long generation = lock.shareNamed(this::generation);
            if (generation == 0) {
                throw refused(generation());
            }
            try {
                return openUninterruptibly(generation);
            } catch (NoSuchFileException e) {
                lock.unshare(generation);
                if (generation() == generation) {
                    throw missing(generation);
                }
            } catch (IOException | RuntimeException | Error e) {
                lock.unshare(generation);
                throw e;
            }
        }
    }

    /**
     * Maps the data file of {@code generation} for reading, even if this thread is interrupted (by
     * its own program: a read is not interruptible), which would make the opening of the file
     * throw {@link ClosedByInterruptException}: then it maps again with the flag clear, and sets
     * it back after.
     */
    private SharedMapFile openUninterruptibly(long generation) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return SharedMapFile.open(dataFile(directory, generation), generation, seed, writable, lock);
                } catch (ClosedByInterruptException e) {
                    if (!Thread.interrupted()) {
                        throw e;
                    }
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private CorruptStoreException missing(long generation) {
        return missingProblem(directory.resolve(CONTROL_FILE), generation).exception();
    }

    private CorruptStoreException refused(long generation) {
        return refusedProblem(directory.resolve(CONTROL_FILE), generation).exception();
    }

    /** The control file names a generation whose data file is gone. */
    static Problem missingProblem(Path controlPath, long generation) {
        return new Problem(controlPath, C_GENERATION, "generation", Long.toString(generation),
                "a generation whose data file exists, but " + dataFile(controlPath.getParent(), generation).getFileName()
                        + " is missing");
    }

    /** The control file keeps naming a generation whose file a writer holds for rewriting (see SharedMapLock#shareNamed). */
    static Problem refusedProblem(Path controlPath, long generation) {
        return new Problem(controlPath, C_GENERATION, "generation", Long.toString(generation),
                "the current generation, but a writer holds its file for rewriting (as it does only an old one's)");
    }

    // ---------------------------------------------------------------------------------------------
    // The write path

    /** A step run under the writer lock on the current data file. */
    @FunctionalInterface
    interface Locked<T> {
        T apply(SharedMapFile f) throws IOException;
    }

    /** Runs {@code action} holding the writer lock, on the data file current under it. */
    <T> T write(Locked<T> action) {
        checkOpen();
        if (!writable) {
            throw new ReadOnlyMapException("the shared map " + directory + " was opened read-only");
        }
        if (lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("the shared map " + directory
                    + " was used inside a compute or merge function on it, which runs under its writer lock");
        }
        boolean recover = lock.lock(controlMap);
        try {
            checkOpen(); // closed while this thread waited: the mappings are gone
            SharedMapFile f = writerFile();
            if (recover) {
                recover(f);
            }
            return action.apply(f);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the shared map " + directory, e);
        } finally {
            lock.unlock(controlMap);
        }
    }

    private boolean writerIsDead() {
        long writer = (long) WORD.getAcquire(control, C_WRITER);
        return writer != 0 && lock.isDead(writer);
    }

    /**
     * Repairs what a writer killed under the lock may have left: a data file it was writing, or
     * the one it had just replaced (deleted here), and counters it had not yet updated (recounted).
     */
    private void recover(SharedMapFile f) throws IOException {
        dropSpare();
        deleteOtherGenerations(f.generation);
        f.recount();
    }

    /**
     * The writer's mapping of the current generation, under the writer lock: this handle's, or a
     * new one if another writer made a newer generation since (then this handle's spare is no
     * longer the file the current one replaced, and is deleted: nobody else rewrites it).
     */
    private SharedMapFile writerFile() throws IOException {
        long generation = generation();
        if (writing != null && writing.generation == generation) {
            return writing;
        }
        dropSpare();
        if (writing != null) {
            writing.map.close();
            writing = null;
        }
        try {
            writing = SharedMapFile.open(dataFile(directory, generation), generation, seed, true, null);
        } catch (NoSuchFileException e) {
            throw missing(generation); // under the lock the generation cannot move on
        }
        return writing;
    }

    /** Unmaps the spare and deletes its file, if there is one. */
    private void dropSpare() throws IOException {
        SharedMapFile old = spare;
        if (old != null) {
            spare = null;
            old.map.close();
            Files.deleteIfExists(old.path);
        }
    }

    /**
     * The spare made the empty data file of {@code generation}, if its index has {@code slots}
     * slots, its data region {@link SharedMapFormat#fitsRewrite fits} {@code liveBytes} and no
     * process maps it for reading (then this holds its exclusive lock while it renames and
     * re-heads it: see {@link SharedMapFile#recycle}); else null, and the spare is deleted.
     */
    private SharedMapFile recycleSpare(long generation, long slots, long liveBytes) throws IOException {
        SharedMapFile old = spare;
        if (old == null || old.slots != slots || !fitsRewrite(old.fileBytes - old.dataOffset, liveBytes)) {
            dropSpare();
            return null;
        }
        FileLock exclusive = lock.exclusive(old.generation);
        if (exclusive == null) {
            dropSpare(); // a process still reads it: it keeps its mapping, the name goes
            return null;
        }
        spare = null;
        Path target = dataFile(directory, generation);
        try {
            // One step: a reader that loads the old generation now finds no file of its name.
            Files.move(old.path, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            exclusive.release();
            old.map.close(); // deleted by a writer's recovery meanwhile
            return null;
        } catch (IOException | RuntimeException e) {
            exclusive.release();
            old.map.close();
            Files.deleteIfExists(old.path);
            throw e;
        }
        try {
            SharedMapFile recycled = old.recycle(target, generation);
            rewritesInPlace++;
            return recycled;
        } catch (RuntimeException | Error e) {
            old.map.close();
            Files.deleteIfExists(target);
            throw e;
        } finally {
            exclusive.release();
        }
    }

    /**
     * Deletes the data files of generations before {@code oldest}: no writer rewrites them any
     * more (a writer rewrites in place only the generation just before the current one, and only
     * if it made the current one), and readers that map them keep their mappings.
     */
    private void deleteGenerationsBefore(long oldest) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, DATA_PREFIX + "*")) {
            for (Path file : files) {
                String suffix = file.getFileName().toString().substring(DATA_PREFIX.length());
                if (!suffix.isEmpty() && suffix.chars().allMatch(c -> c >= '0' && c <= '9') && suffix.length() < 19
                        && Long.parseLong(suffix) < oldest) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    private void deleteOtherGenerations(long keep) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, DATA_PREFIX + "*")) {
            for (Path file : files) {
                if (!file.getFileName().toString().equals(DATA_PREFIX + keep)) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /** The value of {@code key} now, copied; under the lock. */
    private static byte[] valueOf(SharedMapFile f, MemorySegment key) {
        return COPY.apply(f, f.find(key, SEGMENT, f.hash(key, 0, key.byteSize())), null);
    }

    /**
     * Puts {@code value} for {@code key}, or removes the key if {@code value} is null; under the
     * lock. The sequence is odd while the slot changes, for {@link #getAll}.
     *
     * @return whether the map changed
     */
    private boolean store(SharedMapFile f, MemorySegment key, MemorySegment value) throws IOException {
        long hash = f.hash(key, 0, key.byteSize());
        long slot = f.find(key, SEGMENT, hash);
        long ref = slot >= 0 ? f.ref(slot) : 0;
        if (value == null) {
            if (ref <= 0) {
                return false;
            }
            f.bumpSequence();
            f.publish(slot, ref | REMOVED);
            count(f, -1, 0, -f.recordBytesAt(ref));
            f.bumpSequence();
            return true;
        }
        long bytes = recordBytes(key.byteSize(), value.byteSize());
        if (slot == NO_SLOT || !f.fits(bytes) || (slot < 0 && !hasRoomForKey(f.usedSlots(), f.slots))) {
            Map<ByteBuffer, MemorySegment> change = new HashMap<>();
            change.put(key.asByteBuffer(), value);
            rewrite(f, change);
            return true;
        }
        long record = f.append(key, value, crc);
        f.bumpSequence();
        if (slot < 0) {
            f.publishNew(~slot, hash, record);
            count(f, 1, 1, bytes);
        } else {
            f.publish(slot, record);
            count(f, ref > 0 ? 0 : 1, 0, ref > 0 ? bytes - f.recordBytesAt(ref) : bytes);
        }
        f.bumpSequence();
        return true;
    }

    private static void count(SharedMapFile f, long keys, long usedSlots, long liveBytes) {
        f.setWord(D_KEYS, f.keys() + keys);
        f.setWord(D_USED_SLOTS, f.usedSlots() + usedSlots);
        f.setWord(D_LIVE_BYTES, f.liveBytes() + liveBytes);
    }

    /**
     * Writes the live entries of {@code f}, with {@code changes} applied (a null value removes its
     * key), into the data file of the next generation, then makes it current with one release
     * store of the generation: growth, compaction and {@link #putAll} in one step. A kill before
     * that store leaves the old generation current and the new file to delete; after it, the old
     * file to delete.
     */
    private void rewrite(SharedMapFile f, Map<ByteBuffer, MemorySegment> changes) throws IOException {
        // The slots whose keys the changes replace, sorted: the copy skips them by slot number,
        // without reading their keys. The new file is sized from the header's counters, exact
        // under the writer lock (a recovery recounts them), less what the changes replace plus
        // what they add: no pass over the records (at 1 M keys, a cache miss for each).
        long[] replaced = new long[changes.size()];
        int count = 0;
        long keys = f.keys();
        long bytes = f.liveBytes();
        if (keys < 0 || keys > f.slots) {
            throw new CorruptStoreException(f.path, D_KEYS, "keys", Long.toUnsignedString(keys),
                    "at most the " + f.slots + " slots");
        }
        if (bytes < 0 || bytes > f.dataEnd() - f.dataOffset) {
            throw new CorruptStoreException(f.path, D_LIVE_BYTES, "live bytes", Long.toUnsignedString(bytes),
                    "at most the " + (f.dataEnd() - f.dataOffset) + " bytes of records written");
        }
        long liveReplaced = 0;
        for (Map.Entry<ByteBuffer, MemorySegment> change : changes.entrySet()) {
            MemorySegment key = MemorySegment.ofBuffer(change.getKey());
            long slot = f.find(key, SEGMENT, f.hash(key, 0, key.byteSize()));
            if (slot >= 0) {
                replaced[count++] = slot;
                long ref = f.ref(slot);
                if (ref > 0) {
                    keys--;
                    liveReplaced++;
                    bytes -= f.recordBytesAt(ref);
                }
            }
            if (change.getValue() != null) {
                keys++;
                bytes += recordBytes(key.byteSize(), change.getValue().byteSize());
            }
        }
        Arrays.sort(replaced, 0, count);
        if (keys < 0 || bytes < 0) {
            throw new CorruptStoreException(f.path, D_KEYS, "keys and live bytes", f.keys() + " and " + f.liveBytes(),
                    "at least the keys and bytes of the live records");
        }
        long generation = f.generation + 1;
        long slots = slotsFor(keys);
        SharedMapFile next = recycleSpare(generation, slots, bytes);
        if (next == null) {
            next = SharedMapFile.create(dataFile(directory, generation), generation, seed, slots, dataBytesFor(bytes));
        }
        try {
            copyLive(f, next, replaced, count, f.keys() - liveReplaced);
            for (Map.Entry<ByteBuffer, MemorySegment> change : changes.entrySet()) {
                if (change.getValue() != null) {
                    MemorySegment key = MemorySegment.ofBuffer(change.getKey());
                    long hash = next.hash(key, 0, key.byteSize());
                    next.publishNew(next.freeSlot(hash), hash, next.append(key, change.getValue(), crc));
                }
            }
            next.setCounts(keys, keys, bytes);
            if (next.dataEnd() - next.dataOffset != bytes) {
                throw new CorruptStoreException(f.path, D_LIVE_BYTES, "live bytes", Long.toString(f.liveBytes()),
                        "the bytes of the live records");
            }
        } catch (IOException | RuntimeException | Error e) {
            next.map.close();
            Files.deleteIfExists(next.path);
            throw e;
        }
        // Readers' cached lookups of f stop holding before the switch (the release store of the
        // generation publishes the marks on f's slots), so none outlives it.
        f.markReplaced();
        // The switch: from here on, every process finds the new file.
        WORD.setRelease(control, C_GENERATION, generation);
        writing = next;
        spare = f; // its file stays, for the next rewrite to write into in place
        try {
            current(); // this handle's readers move on now, unmapping f's reading mapping at once
        } catch (RuntimeException e) {
            // They move on at their next read; f is not rewritten in place while they map it.
        }
        deleteGenerationsBefore(f.generation); // spares of writers that died, or other handles' left behind
    }

    /** How many live records the copy of a rewrite reads ahead, so that their cache misses overlap. */
    private static final int COPY_BATCH = 32;

    /**
     * Copies every live record of {@code f} but those in the {@code count} sorted {@code replaced}
     * slots into {@code next}, with its slot. In batches: first one load of each record of the
     * batch and of its home slot in {@code next}, independent loads whose cache misses the
     * processor overlaps, then the copies, which find them cached; record by record, a rewrite
     * of 1 M keys waited on two misses at a time.
     *
     * @param atMost the live keys the header's counters promise: more is damage, reported rather
     *               than filling the new index past its load factor
     */
    private void copyLive(SharedMapFile f, SharedMapFile next, long[] replaced, int count, long atMost)
            throws CorruptStoreException {
        long[] refs = new long[COPY_BATCH];
        long[] hashes = new long[COPY_BATCH];
        long copied = 0;
        long touched = 0;
        for (long slot = 0; slot < f.slots; ) {
            int n = 0;
            for (; n < COPY_BATCH && slot < f.slots; slot++) {
                long ref = f.ref(slot);
                if (ref > 0 && (count == 0 || Arrays.binarySearch(replaced, 0, count, slot) < 0)) {
                    refs[n] = ref;
                    hashes[n++] = f.slotHash(slot); // the key's, with the map's one seed: no need to hash it again
                }
            }
            for (int i = 0; i < n; i++) {
                long record = refs[i]; // checked when copied; a damaged one past the end is not read ahead
                touched += (record <= f.fileBytes - Long.BYTES ? f.file.get(LONG, record) : 0)
                        + next.rawRef(hashes[i] & next.mask);
            }
            if ((copied += n) > atMost) {
                throw new CorruptStoreException(f.path, D_KEYS, "keys", Long.toString(f.keys()),
                        "at least the number of live slots, " + copied + " or more");
            }
            for (int i = 0; i < n; i++) {
                if (!next.fits(f.recordBytesAt(refs[i]))) {
                    throw new CorruptStoreException(f.path, D_LIVE_BYTES, "live bytes", Long.toString(f.liveBytes()),
                            "at least the bytes of the live records");
                }
                next.publishNew(next.freeSlot(hashes[i]), hashes[i], next.copyRecord(f, refs[i]));
            }
        }
        copySink = touched;
    }

    /** Where the loads that read ahead go, so that the compiler keeps them. */
    private long copySink;

    // ---------------------------------------------------------------------------------------------
    // Checks

    private void checkOpen() {
        if (!open) {
            throw new IllegalStateException("the shared map " + directory + " is closed");
        }
    }

    static void checkKey(long length) {
        if (length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key of " + length + " bytes is over the limit of a shared map key, "
                    + MAX_KEY_BYTES + " bytes");
        }
    }

    static void checkValue(long length) {
        if (length > MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("value of " + length + " bytes is over the limit of a shared map value, "
                    + MAX_VALUE_BYTES + " bytes");
        }
    }

    /** The caller's key, not copied: every write copies it into the file before it returns. */
    private static MemorySegment keySegment(byte[] key) {
        checkKey(Objects.requireNonNull(key, "key").length);
        return MemorySegment.ofArray(key);
    }

    private static MemorySegment keySegment(String key) {
        byte[] bytes = Objects.requireNonNull(key, "key").getBytes(UTF_8);
        checkKey(bytes.length);
        return MemorySegment.ofArray(bytes);
    }

    private static MemorySegment valueSegment(byte[] value) {
        checkValue(Objects.requireNonNull(value, "value").length);
        return MemorySegment.ofArray(value);
    }

    // ---------------------------------------------------------------------------------------------
    // Public nested types

    /**
     * How a new map is sized and seeded: immutable, each {@code with} method returns a copy. An
     * existing map keeps its own; a map grows by itself whatever these say.
     *
     * <pre>{@code
     * SharedMap.open(dir, SharedMap.Options.DEFAULT.withExpectedKeys(1_000_000).withExpectedBytes(200 << 20));
     * }</pre>
     */
    public static final class Options {
        /** A random seed, room for 1024 keys and 1 MiB of records before the first rewrite. */
        public static final Options DEFAULT = new Options(OptionalLong.empty(), 1024, 1 << 20);

        private final OptionalLong seed;
        private final long expectedKeys;
        private final long expectedBytes;

        private Options(OptionalLong seed, long expectedKeys, long expectedBytes) {
            this.seed = seed;
            this.expectedKeys = expectedKeys;
            this.expectedBytes = expectedBytes;
        }

        /**
         * These options with a fixed seed for the key hash. The default, a random seed per map,
         * keeps anyone who chooses keys from making them collide; fix it only for keys you trust.
         *
         * @param seed the XXH64 seed
         * @return a copy with this seed
         */
        public Options withSeed(long seed) {
            return new Options(OptionalLong.of(seed), expectedKeys, expectedBytes);
        }

        /**
         * These options with the index of a new map sized for {@code keys} keys, so that filling
         * it to that many takes no rewrite.
         *
         * @param keys from 0 to 2<sup>38</sup>
         * @return a copy with this size
         * @throws IllegalArgumentException if {@code keys} is outside that range
         */
        public Options withExpectedKeys(long keys) {
            if (keys < 0 || keys > 1L << 38) {
                throw new IllegalArgumentException("expected keys " + keys + " is outside [0, 2^38]");
            }
            return new Options(seed, keys, expectedBytes);
        }

        /**
         * These options with the data region of a new map sized for {@code bytes} bytes of records
         * (each key and value plus 16 bytes, rounded up to 8). The file is sparse: room not yet
         * written takes no disk space.
         *
         * @param bytes from 0 to 2<sup>40</sup>
         * @return a copy with this size
         * @throws IllegalArgumentException if {@code bytes} is outside that range
         */
        public Options withExpectedBytes(long bytes) {
            if (bytes < 0 || bytes > 1L << 40) {
                throw new IllegalArgumentException("expected bytes " + bytes + " is outside [0, 2^40]");
            }
            return new Options(seed, expectedKeys, bytes);
        }

        /**
         * The fixed seed, if any.
         *
         * @return the seed, or empty for a random one per map
         */
        public OptionalLong seed() {
            return seed;
        }

        /**
         * The keys a new map's index is sized for.
         *
         * @return the expected number of keys
         */
        public long expectedKeys() {
            return expectedKeys;
        }

        /**
         * The record bytes a new map's data region is sized for.
         *
         * @return the expected bytes
         */
        public long expectedBytes() {
            return expectedBytes;
        }

        /** Lists the options. */
        @Override
        public String toString() {
            return "Options[seed=" + (seed.isPresent() ? Long.toString(seed.getAsLong()) : "random")
                    + ", expectedKeys=" + expectedKeys + ", expectedBytes=" + expectedBytes + "]";
        }
    }

    /**
     * A key and its value: zero-copy, read-only views of records, which never change.
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
     * The figures of a map at one moment: what {@code mmap4j stat} prints for a shared map.
     *
     * @param directory  the map's directory
     * @param generation the generation of the current data file
     * @param keys       the number of keys
     * @param liveBytes  the bytes of the records of the live values, headers and padding included
     * @param deadBytes  the bytes of overwritten and removed records, reclaimed by the next rewrite
     * @param dataBytes  the data region's size: live, dead and free bytes
     * @param slots      slots in the index
     * @param usedSlots  slots holding a key, live or removed
     * @param fileBytes  the current data file's length (sparse: free space takes no disk)
     * @param seed       the seed of the key hash
     */
    public record Stats(Path directory, long generation, long keys, long liveBytes, long deadBytes, long dataBytes,
                        long slots, long usedSlots, long fileBytes, long seed) {
        /**
         * How full the index is.
         *
         * @return used slots per slot, from 0 to 1
         */
        public double indexLoad() {
            return (double) usedSlots / slots;
        }
    }

    /**
     * One problem {@link #verify(Path)} found, or that made {@link #open} refuse a map.
     *
     * @param file     the file it is in
     * @param offset   the byte offset in that file of the damaged field, slot or record
     * @param field    what is there, as {@code docs/shared-map-format.md} names it
     * @param found    the value found, as text
     * @param expected what the format allows there, as text
     */
    public record Problem(Path file, long offset, String field, String found, String expected) {
        /** The problem as {@link CorruptStoreException} words it. */
        @Override
        public String toString() {
            return file + ": at byte offset " + offset + ": " + field + " is " + found + ", expected " + expected;
        }

        CorruptStoreException exception() {
            return new CorruptStoreException(file, offset, field, found, expected);
        }
    }
}
