package io.mmap4j.counters;

import static java.nio.file.StandardOpenOption.READ;

import io.mmap4j.MMap;
import io.mmap4j.ReadOnlyMapException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * Persistent named counters in one memory-mapped file, updated at once by any number of threads
 * and processes, lock-free, at the speed of an {@link java.util.concurrent.atomic.AtomicLong}.
 *
 * <pre>{@code
 * try (Counters counters = Counters.open(Path.of("/var/lib/app/app.counters"))) {
 *     Counter hits = counters.counter("http.hits");   // created if new; same id in every process
 *     hits.incrementAndGet();                         // one atomic add on the mapped value
 * }
 * }</pre>
 *
 * <p>Counters also have ids, 0 up in order of creation, so emmap's index-based calls are one line
 * each. Its README's sequence, on counter 0 of a new file (each call returns the old value, as
 * emmap's do):
 * <pre>{@code
 * try (Counters c = Counters.open(path)) {
 *     c.counter("events");                      // a new file's first counter has id 0
 *     long n1 = c.counter(0).getAndIncrement(); // 0   emmap:inc_counter(F, 0)
 *     long n2 = c.counter(0).getAndAdd(5);      // 1   emmap:inc_counter(F, 0, 5)
 *     long n3 = c.counter(0).getAndIncrement(); // 6
 *     long n4 = c.counter(0).getAndAdd(2);      // 7
 *     long n5 = c.counter(0).getAndSet(15);     // 9   emmap:set_counter(F, 0, 15)
 *     long n6 = c.counter(0).get();             // 15  emmap:read_counter(F, 0)
 * }
 * }</pre>
 *
 * <h2>The file</h2>
 * Little-endian, page-aligned regions: a header, a hash index of names, one record per name and
 * one padded value slot per counter; {@code docs/counters-format.md} specifies it byte by byte.
 * A file is created complete under a temporary name and then linked into place, so no process
 * ever sees it half-made and processes that create it at the same moment share one file. Opening
 * checks the header, the index and every record it names, and never writes. A new file is
 * owner-only ({@code rw-------}) unless file attributes say otherwise. Values reach the disk when
 * the kernel writes the pages back, or at once with {@link #force()}.
 *
 * <h2>Names</h2>
 * Names are 1 to {@link CountersLayout#maxNameBytes()} bytes of UTF-8 (240 by default); a longer
 * name is refused, never cut. Creating a name is lock-free between processes and safe against a
 * process killed at any instant; processes that create the same name at the same moment all get
 * the same counter, and the record of each loser goes back to be reused, so a file holds as many
 * names as its capacity says. Only a process killed in the middle of creating a name costs an id
 * of capacity; the name itself either exists completely or not at all. Counters are never deleted.
 *
 * <h2>Errors</h2>
 * <ul>
 * <li>A damaged file is a {@link CorruptCountersException} naming the file, the byte offset and
 *     the problem, and is left exactly as found: thrown as is when found by {@code open}, wrapped
 *     in an {@link java.io.UncheckedIOException} when a lookup meets an index entry or record
 *     damaged since, or a new name meets an allocated count that would hand out a record in
 *     use.</li>
 * <li>A name that could never exist (empty, not well-formed Unicode, longer than the limit) is an
 *     {@link IllegalArgumentException}; an id outside the capacity an
 *     {@link IndexOutOfBoundsException}, one no counter has a {@link NoSuchElementException}.</li>
 * <li>A new name in a file opened {@linkplain #openReadOnly read-only} is a
 *     {@link ReadOnlyMapException}; in a full file an {@link IllegalStateException} naming its
 *     capacity.</li>
 * <li>After {@link #close()}, every method but {@code close}, {@code isOpen}, {@code isReadOnly},
 *     {@code layout}, {@code path} and {@code toString} throws {@link IllegalStateException}, as
 *     every {@link Counter} of the file does.</li>
 * </ul>
 *
 * <h2>Lifetime</h2>
 * {@link #close()} lets names other threads are creating at that moment finish, then unmaps the
 * file; every {@link Counter} then throws {@link IllegalStateException}, from any thread, and the
 * JVM never crashes. A file another process truncates while it is mapped makes accesses fail with
 * {@link InternalError} (the JVM's {@code SIGBUS}); don't truncate it.
 *
 * <h2>Memory ordering</h2>
 * A value is read and updated with the sequentially consistent atomics of {@code AtomicLong}
 * ({@link Counter}). A name's record is written completely before the compare-and-set that
 * publishes it in the index, and every lookup reads index entries with acquire semantics, so a
 * counter another process has just created is seen whole or not at all.
 * {@code docs/counters-format.md} gives the order of each step.
 *
 * <h2>Threads and cost</h2>
 * Safe for use by many threads. {@link #counter(String)} and {@link #counter(int)} cost a lookup in
 * the file's hash index the first time in this process for each name, and then return a cached
 * {@link Counter} without allocating; keep the {@code Counter} for hot paths, where an update is one
 * atomic instruction. {@link #find(String)} of a name not in the file looks in the index every
 * time, allocating the name's UTF-8 form. {@link #counters()} and {@link #snapshot()} read the
 * whole index. Measured figures, against {@code AtomicLong} and Agrona's counters, are in
 * {@code docs/BENCHMARKS.md}.
 */
public final class Counters implements AutoCloseable {
    private final MMap map;
    private final Path path;
    private final CountersFormat format;
    private final CounterTable table;
    private final ConcurrentHashMap<String, Counter> byName = new ConcurrentHashMap<>();
    private final AtomicReferenceArray<Counter> byId;
    /**
     * Held shared while a name is looked up and created, exclusively by {@link #close()}: a
     * creation cut short by the unmap would leave its claimed id behind, in state WRITING for good.
     * Creations do not exclude each other: between them the file's CAS rules suffice, as between
     * processes.
     */
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();

    private Counters(MMap map, Path path, CountersFormat format, CounterTable table) {
        this.map = map;
        this.path = path;
        this.format = format;
        this.table = table;
        this.byId = new AtomicReferenceArray<>(format.layout.capacity());
    }

    /**
     * Opens the counters file for reading and writing, creating it with
     * {@link CountersLayout#DEFAULT} (1024 counters, names up to 240 bytes) if it does not exist,
     * as {@link #open(Path, CountersLayout, FileAttribute...)}.
     *
     * @param path the counters file
     * @return the open counters; close them to unmap the file
     * @throws CorruptCountersException if the file exists but is not a valid counters file
     * @throws IOException              if the file cannot be created, opened or mapped
     */
    public static Counters open(Path path) throws IOException {
        return open(path, CountersLayout.DEFAULT);
    }

    /**
     * Opens the counters file for reading and writing, creating it with {@code layout} if it does
     * not exist. The layout of an existing file is the one it was created with; {@link #layout()}
     * tells it. Costs an {@code open} and an {@code mmap} system call and a read of the header and
     * of every published record; creating the file also writes it under a temporary name, forces
     * it to the disk ({@code msync} and {@code fsync}) and links it into place.
     *
     * @param path       the counters file
     * @param layout     the layout of a file this call creates; ignored if the file exists
     * @param attributes file attributes for a new file (permissions); without any, a new file is
     *                   owner-only where the file system has POSIX permissions
     * @return the open counters; close them to unmap the file
     * @throws CorruptCountersException if the file exists but is not a valid counters file
     * @throws IOException              if the file cannot be created, opened or mapped, or the file
     *                                  system has no hard links (needed to publish a new file atomically)
     */
    public static Counters open(Path path, CountersLayout layout, FileAttribute<?>... attributes) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(attributes, "attributes");
        return checked(CounterFiles.openOrCreate(path, layout, attributes), path);
    }

    /**
     * Opens an existing counters file read-only, for monitoring: counters can be found and read,
     * while other processes go on creating and updating them, but not created or changed. Costs an
     * {@code open} and an {@code mmap} system call, and a read of the header and of every published
     * record.
     *
     * @param path the counters file
     * @return the open counters, read-only; close them to unmap the file
     * @throws java.nio.file.NoSuchFileException if the file does not exist
     * @throws CorruptCountersException         if it is not a valid counters file
     * @throws IOException                      if it cannot be opened or mapped
     */
    public static Counters openReadOnly(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        return checked(MMap.open(path, READ), path);
    }

    /**
     * Checks a counters file in full, read-only, and returns every problem found, like
     * {@code fsck -n}: the checks {@link #openReadOnly} makes (docs/counters-format.md, "What a
     * reader must check"), where open stops at the first problem. A problem in the header ends the
     * check, since the header places every other region; past the header, each index entry is
     * checked on its own, so one bad entry does not hide the next. Never writes, and may run while
     * other processes update the file (counters they create meanwhile may or may not be checked).
     * Costs a read of the header, the index and every record it names.
     *
     * @param path the counters file
     * @return the problems in file order within each region (header, index, allocated count), or
     *         an empty list for a sound file
     * @throws java.nio.file.NoSuchFileException if the file does not exist
     * @throws IOException                      if it cannot be opened or mapped
     */
    public static List<CountersProblem> verify(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        try (MMap map = MMap.open(path, READ)) {
            CountersFormat format;
            try {
                format = CountersFormat.read(map, path);
            } catch (CorruptCountersException e) {
                return List.of(CountersProblem.of(e));
            }
            List<CountersProblem> problems = new ArrayList<>();
            new CounterTable(map, format, path).check(e -> problems.add(CountersProblem.of(e)));
            return problems;
        }
    }

    private static Counters checked(MMap map, Path path) throws IOException {
        try {
            CountersFormat format = CountersFormat.read(map, path);
            CounterTable table = new CounterTable(map, format, path);
            table.validate();
            return new Counters(map, path, format, table);
        } catch (IOException | RuntimeException | Error e) {
            map.close();
            throw e;
        }
    }

    /**
     * The counter with this name, created (with value 0) if it does not exist yet. Processes that
     * create the same name at the same moment all get the same counter. A name this process has
     * looked up before costs one {@code ConcurrentHashMap} lookup and allocates nothing. A new one
     * takes a shared lock that only {@link #close()} waits for, is encoded to UTF-8 and looked up
     * in the file's index; a name new to the file then claims an id, has its record written and is
     * published in the index, each step an atomic operation on the file.
     *
     * @param name the counter's name
     * @return the counter, cached: later calls with the same name return the same object
     */
    public Counter counter(String name) {
        Counter cached = cached(name);
        if (cached != null) {
            return cached;
        }
        byte[] bytes = Names.encode(name, format.layout.maxNameBytes(), path);
        int hash = Names.hash(bytes);
        Lock open = lifecycle.readLock();
        open.lock();
        try {
            ensureOpen(); // again: a close may have run while this thread waited for the lock
            int id = table.find(bytes, hash);
            if (id < 0) {
                if (map.isReadOnly()) {
                    throw new ReadOnlyMapException("cannot create counter " + Names.show(name) + ": " + path
                            + " was opened read-only");
                }
                id = create(bytes, hash);
            }
            return cache(id, name);
        } catch (CorruptCountersException e) {
            throw new UncheckedIOException(e);
        } finally {
            open.unlock();
        }
    }

    /**
     * The counter with this name, if it exists; never creates one. A name no process has created
     * costs a lookup in the file's index every time.
     *
     * @param name the counter's name
     * @return the counter, or empty if no process has created it (yet)
     */
    public Optional<Counter> find(String name) {
        Counter cached = cached(name);
        if (cached != null) {
            return Optional.of(cached);
        }
        byte[] bytes = Names.encode(name, format.layout.maxNameBytes(), path);
        try {
            int id = table.find(bytes, Names.hash(bytes));
            return id < 0 ? Optional.empty() : Optional.of(cache(id, name));
        } catch (CorruptCountersException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The counter with this id. Ids run from 0 up in order of creation and are the same in every
     * process; a new file's first counter is 0. An id this process has seen before costs an array
     * read; another a read of its record.
     *
     * @param id the counter's id, from 0 to {@code layout().capacity() - 1}
     * @return the counter, cached: later calls with the same id return the same object
     * @throws NoSuchElementException if no counter has this id (yet)
     */
    public Counter counter(int id) {
        ensureOpen();
        int capacity = format.layout.capacity();
        if (id < 0 || id >= capacity) {
            throw new IndexOutOfBoundsException("counter id " + id + " is outside 0 to " + (capacity - 1)
                    + ", the ids of " + path);
        }
        Counter cached = byId.get(id);
        if (cached != null) {
            return cached;
        }
        try {
            String name = table.publishedName(id);
            if (name == null) {
                throw new NoSuchElementException("no counter has id " + id + " in " + path);
            }
            return cache(id, name);
        } catch (CorruptCountersException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every counter, in id order, as it is now: counters other processes create later are not in
     * the list. Reads the whole index and the name of every record it names.
     *
     * @return the counters, in a new modifiable list
     */
    public List<Counter> counters() {
        ensureOpen();
        SortedMap<Integer, String> published;
        try {
            published = table.published();
        } catch (CorruptCountersException e) {
            throw new UncheckedIOException(e);
        }
        List<Counter> counters = new ArrayList<>(published.size());
        published.forEach((id, name) -> counters.add(cache(id, name)));
        return counters;
    }

    /**
     * Calls {@code action} with every counter, in id order, as {@link #counters()} lists them.
     *
     * @param action what to do with each counter
     */
    public void forEach(Consumer<? super Counter> action) {
        Objects.requireNonNull(action, "action");
        counters().forEach(action);
    }

    /**
     * Every counter's name and value, in id order, as {@link #counters()} lists them. Each value is
     * read atomically, but the values of different counters at slightly different moments while
     * other threads update them.
     *
     * @return each counter's name mapped to its value, in a new map in id order
     */
    public Map<String, Long> snapshot() {
        Map<String, Long> snapshot = new LinkedHashMap<>();
        for (Counter counter : counters()) {
            snapshot.put(counter.name(), counter.get());
        }
        return snapshot;
    }

    /**
     * The layout the file was created with: capacity, name limit, value slot size.
     *
     * @return the file's layout, read from its header when it was opened
     */
    public CountersLayout layout() {
        return format.layout;
    }

    /**
     * The file.
     *
     * @return the path this was opened with
     */
    public Path path() {
        return path;
    }

    /**
     * Whether this was opened with {@link #openReadOnly}.
     *
     * @return whether counters can only be read
     */
    public boolean isReadOnly() {
        return map.isReadOnly();
    }

    /**
     * Whether {@link #close()} has not been called yet.
     *
     * @return whether the file is still mapped
     */
    public boolean isOpen() {
        return map.isOpen();
    }

    /**
     * Writes every modified page to the disk and waits until it is there ({@code msync}, then
     * {@code fsync}), so that values and names survive a crash of the machine.
     *
     * @throws IOException if the file cannot be written
     */
    public void force() throws IOException {
        map.force();
    }

    /**
     * Unmaps the file, after the {@link #counter(String)} calls other threads are making at this
     * moment have finished (each reads a few index entries and writes at most one record).
     * Closing again does nothing. Costs what {@link MMap#close()} costs: a
     * handshake with every thread of the JVM, an {@code munmap} and a {@code close}.
     *
     * @throws UncheckedIOException if closing the file fails
     */
    @Override
    public void close() {
        Lock exclusive = lifecycle.writeLock();
        exclusive.lock();
        try {
            if (!map.isOpen()) {
                return;
            }
            map.close();
        } finally {
            exclusive.unlock();
        }
    }

    /** The path, capacity and state, for logs. */
    @Override
    public String toString() {
        return "Counters[" + path + ", capacity " + format.layout.capacity() + (map.isReadOnly() ? ", read-only" : "")
                + (isOpen() ? "" : ", closed") + "]";
    }

    /** Translates a failed access to a counter's value into the exception that says why. */
    RuntimeException accessFailed(Counter counter, RuntimeException e) {
        String what = "counter " + Names.show(counter.name()) + " (id " + counter.id() + ") of " + path;
        if (!map.isOpen()) {
            return new IllegalStateException(what + " is closed: its Counters was closed", e);
        }
        if (map.isReadOnly()) {
            return new ReadOnlyMapException(what + " is read-only: the file was opened with openReadOnly");
        }
        return e;
    }

    private Counter cached(String name) {
        Objects.requireNonNull(name, "name");
        ensureOpen();
        return byName.get(name);
    }

    private int create(byte[] name, int hash) throws CorruptCountersException {
        int id = table.claim();
        if (id < 0) {
            // The wait for records in flight may have ended with this name published by another creator.
            int published = table.find(name, hash);
            if (published >= 0) {
                return published;
            }
            throw table.full();
        }
        table.write(id, name, hash);
        int holder = table.publish(name, hash, id);
        if (holder != id) {
            table.free(id); // another thread or process published the name first: the record is anyone's
        }
        return holder;
    }

    private Counter cache(int id, String name) {
        Counter counter = byId.get(id);
        if (counter != null) {
            return counter; // whoever put it there also puts it into byName
        }
        Counter fresh = new Counter(this, id, name, map.slice(format.valueOffset(id), Long.BYTES));
        counter = byId.compareAndExchange(id, null, fresh);
        if (counter != null) {
            return counter;
        }
        byName.putIfAbsent(name, fresh);
        return fresh;
    }

    private void ensureOpen() {
        if (!map.isOpen()) {
            throw new IllegalStateException("counters file " + path + " is closed");
        }
    }
}
