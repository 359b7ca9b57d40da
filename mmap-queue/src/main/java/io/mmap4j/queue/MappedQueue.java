package io.mmap4j.queue;

import static io.mmap4j.queue.QueueFormat.CELL_BYTES;
import static io.mmap4j.queue.QueueFormat.F_ABANDONED;
import static io.mmap4j.queue.QueueFormat.F_CORRUPT;
import static io.mmap4j.queue.QueueFormat.MAX_CELLS;
import static io.mmap4j.queue.QueueFormat.MIN_CELLS;
import static io.mmap4j.queue.QueueFormat.cellsFor;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import io.mmap4j.MMap;
import io.mmap4j.internal.GuardedCrc32c;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A persistent, bounded FIFO queue of byte records in one mapped file, shared by any number of
 * producer and consumer threads and processes on one host: emmap's {@code emmap_queue}, made
 * safe across processes, crash-safe, and reusing its space as a ring.
 *
 * <pre>{@code
 * try (MappedQueue queue = MappedQueue.open(path, 1 << 20)) {   // create, or open the existing one
 *     queue.offer("hello".getBytes(UTF_8));                     // false when full
 *     byte[] record = queue.poll();                             // null when empty
 *     byte[] next = queue.take();                               // waits for one
 * }
 * }</pre>
 *
 * <h2>The file</h2>
 * One file, little-endian, specified byte by byte in {@code docs/queue-format.md} (format 3): a
 * header page, then the ring of 16-byte cells. A record takes one or more consecutive cells: a
 * 16-byte header (a sequence word, the record's length and its CRC32C), then its bytes. One that
 * would cross the end of the ring starts again at its beginning, the cells skipped marked as
 * padding. A file of format 1 (headers in a table of their own) is refused with a
 * {@link CorruptQueueException} naming both versions.
 * Positions are 64-bit and never wrap: no 4 GiB limit. {@link #open(Path, long, OpenOption...)} creates the file
 * complete under a temporary name and links it into place, so no process ever sees a half-made
 * queue and processes creating it at once get the same one; the temporary file of a creator that
 * was killed meanwhile ({@code .NAME.queue-PID-RANDOM.tmp}) is deleted by the next open once it is
 * a minute old and no process has that id. An existing queue keeps the capacity
 * it was created with: opening it with another capacity is an {@link IllegalArgumentException}
 * naming both, and {@link #open(Path, OpenOption...)} opens it at its own.
 *
 * <h2>Capacity</h2>
 * The capacity, in bytes, is rounded up to a whole number of 16-byte cells. A record of {@code n}
 * bytes takes {@code 1 + ceil(n / 16)} cells (its header, then its bytes), so a queue of capacity
 * {@code C} holds {@code C / 80} records of 64 bytes. The largest record is half the capacity less
 * its header ({@link #maxRecordBytes()}), so that a record and the padding before it always fit.
 * {@link #offer(byte[])} returns false when the record does not fit now; the file never grows.
 *
 * <h2>Delivery, crashes and unblocking</h2>
 * Every record whose {@code offer} returned true is delivered exactly once, to exactly one
 * consumer, and the records of one producer (one thread) are delivered in the order it offered
 * them; the records of different producers interleave in the order of their claims. This holds
 * across close and reopen and across processes killed at any instruction:
 * <ul>
 * <li>A producer killed between claiming its cells and publishing its record leaves a claim at
 *     which consumers stop. A consumer that sees the head stuck on unpublished cells for the
 *     <em>unblock timeout</em> ({@link #unblockTimeout()}; 1 s unless set at creation) abandons
 *     every cell that was already claimed when its wait began, and carries on: the dead producer's
 *     record, which its {@code offer} never returned true for, is dropped. A producer that was only
 *     slow finds its claim abandoned when it publishes, claims again and still delivers its record
 *     once (unless it was stopped for the whole timeout between its last check and its publishing
 *     store, two instructions apart: see {@code docs/queue-format.md}). The timeout must exceed
 *     the longest pause a live producer can take between claiming and publishing (its GC pauses);
 *     a longer pause, during which the ring also wraps all the way around, could let its late
 *     bytes land in a newer record, whose checksum then fails.</li>
 * <li>A consumer killed during {@link #poll()} loses at most the record it was taking: a record is
 *     taken by one compare-and-set of the head, after it was copied, so either it stays for
 *     another consumer or it was taken whole.</li>
 * <li>{@link #pollWith(Consumer)} (emmap's {@code try_pop}) removes the head only when its action
 *     returns normally. While the action runs the head is locked and other consumers wait; a
 *     holder killed meanwhile is found dead (its process id) after the unblock timeout and the
 *     record is delivered again, to another consumer: at least once for that path.</li>
 * </ul>
 *
 * <h2>Damage</h2>
 * {@link #open} checks the header (magic, version, checksum, every derived offset, the file's
 * length) and refuses a damaged file with a {@link CorruptQueueException}, never changing it. A
 * record is delivered only if its CRC32C matches. A record whose checksum fails, or a cell whose
 * entry is impossible (a length past the end of the ring, an unknown state), is skipped, counted
 * in {@link Stats#corruptRecords()}, and reported once by the call that met it with an
 * {@link UncheckedIOException} wrapping a {@link CorruptQueueException}; the next call goes on
 * with the next record. A record skipped for a bad length leaves its other cells, which are then
 * unblocked like an abandoned claim. {@link #verify(Path)} lists every problem of a file without
 * changing it, also while other processes use the queue.
 *
 * <h2>Waiting</h2>
 * {@link #poll()}, {@link #peek()} and {@link #offer(byte[])} never wait, with one exception
 * for machines with more busy threads than cores: an offer that finds the queue full, with the head
 * where this handle's offers found it the last 63 times, yields the processor once
 * ({@link Thread#yield()}), since the consumers are then most likely waiting for one; producers
 * spinning on a full queue would otherwise spend whole time slices the consumers need (on 2 cores
 * with 2 producer threads and a consumer, this halved the time per record; see
 * {@code docs/BENCHMARKS.md}). {@link #take()},
 * {@link #put(byte[])} and the timed {@code poll} and {@code offer} wait by spinning (about
 * {@value Backoff#SPINS} {@link Thread#onSpinWait()} rounds, a few microseconds), then yielding,
 * then parking for 1 µs doubling up to 1 ms. So a busy queue hands a record over within
 * microseconds, and an idle waiter costs about a thousand short wake-ups a second and sees new work
 * at most about 1 ms (plus the timer's slack) late. They respond to interrupts.
 *
 * <h2>Threads, processes and cost</h2>
 * A handle is safe for use by many threads; any number of processes may open the same file. An
 * offer is a CRC32C, one compare-and-set of the tail, a copy and one release store that publishes
 * (a compare-and-set instead while a consumer is abandoning claims); a poll one acquire read of
 * the head record's sequence word, a copy, one compare-and-set of the head (an ordered store for
 * a single consumer) and a CRC32C. Producers and consumers touch separate cache lines except for
 * the record and its header, which share theirs. {@link #offer(MemorySegment)} and
 * {@link #poll(MemorySegment)} copy straight between the caller's memory and the file; {@link #poll()} allocates only the returned array. Nothing
 * calls the kernel except {@link #open}, {@link #force()} and parking. {@link #size()} walks the
 * records, as {@link java.util.concurrent.ConcurrentLinkedQueue#size()} does; like it, and like
 * the iterators, it is a snapshot that racing producers and consumers may make stale at once.
 * Figures measured against Agrona's ring buffers, Chronicle Queue and Tape are in
 * {@code docs/BENCHMARKS.md}.
 *
 * <h2>One producer, one consumer</h2>
 * A queue with one producer thread can say so: a handle opened with
 * {@link QueueOption#SINGLE_PRODUCER} claims space with an ordered store of the tail (a plain store
 * on x86-64) instead of a compare-and-set, what a one-to-one ring buffer does, about a quarter of
 * an offer's time. The open takes a lock on the file that the kernel drops if the process dies, so
 * that no other handle of any process can produce meanwhile: a second single producer's open is a
 * {@link java.nio.file.FileSystemException}, an offer through another handle or from another thread
 * of this one an {@link IllegalStateException}, each naming the mode. Consumers, and everything
 * but offers, work through any handle as usual; delivery, unblocking and durability are unchanged.
 * A killed single producer's claim is passed after the unblock timeout, and a new single producer
 * opens at once. {@link QueueOption#SINGLE_CONSUMER} is the mirror image for a queue with one
 * consumer thread: the poll takes a record with an ordered store of the head, polls through other
 * handles are refused, their peeks look without moving the head, and a killed single consumer loses
 * at most the record it took, as any consumer. With both, on one handle or on the handles of the two
 * ends, the queue is a one-to-one ring, Agrona's {@code OneToOneRingBuffer}'s like for like.
 *
 * <h2>Errors and lifetime</h2>
 * A null argument is a {@link NullPointerException}; a record longer than {@link #maxRecordBytes()}
 * an {@link IllegalArgumentException} naming both sizes; a non-positive capacity or timeout an
 * {@link IllegalArgumentException}. {@link #close()} unmaps the file; any later call, from any
 * thread, throws {@link IllegalStateException}, and the JVM never crashes. Records stay in the
 * file, which {@link #force()} makes durable against a machine crash; without it the kernel writes
 * them back in its own time, and they survive any process crash at once.
 *
 * <h2>After a restart of the host</h2>
 * {@link #force()} syncs the ring pages, not the header page with the head and the tail (see its
 * comment), so the first open after the host restarted (the file keeps the host's boot id) rebuilds
 * them from the records' own headers before anything else uses the queue, under a lock on the file:
 * it reads two rings' worth of cells once, and abandons at once the claims the restart killed.
 * Every record forced before the restart and not taken by then is delivered exactly once.
 */
public final class MappedQueue implements AutoCloseable, Iterable<byte[]> {
    /** The unblock timeout of a queue created without one. */
    public static final Duration DEFAULT_UNBLOCK_TIMEOUT = Duration.ofSeconds(1);

    private final MMap map;
    private final Ring ring;
    private final Path path;
    /** The {@link QueueOption#SINGLE_PRODUCER} lock and thread of this handle, or null. */
    private final SingleRole producer;
    /** The {@link QueueOption#SINGLE_CONSUMER} lock and thread of this handle, or null. */
    private final SingleRole consumer;
    private volatile boolean open = true;

    private MappedQueue(MMap map, Ring ring, Path path, SingleRole producer, SingleRole consumer) {
        this.map = map;
        this.ring = ring;
        this.path = path;
        this.producer = producer;
        this.consumer = consumer;
    }

    // ---------------------------------------------------------------------------------------------
    // Opening

    /**
     * Opens the queue at {@code path}, creating it empty with this capacity and the
     * {@linkplain #DEFAULT_UNBLOCK_TIMEOUT default unblock timeout} if the file does not exist.
     *
     * @param path          the queue's file
     * @param capacityBytes the ring's size in bytes, at least 128; rounded up to a multiple of 16
     * @param options       {@link QueueOption}s, if any
     * @return the open queue
     * @throws IllegalArgumentException if the capacity is out of range, or the existing queue has
     *                                  another capacity (the message names both)
     * @throws UnsupportedOperationException if an option is not a {@link QueueOption}
     * @throws CorruptQueueException    if the existing file is not a sound queue
     * @throws java.nio.file.FileSystemException naming the mode if {@link QueueOption#SINGLE_PRODUCER} or
     *                                  {@link QueueOption#SINGLE_CONSUMER} is asked for and another handle holds it
     * @throws IOException              if the file cannot be created, opened or mapped
     */
    public static MappedQueue open(Path path, long capacityBytes, OpenOption... options) throws IOException {
        return open(path, capacityBytes, DEFAULT_UNBLOCK_TIMEOUT, options);
    }

    /**
     * Opens the queue at {@code path}, creating it empty with this capacity and unblock timeout if
     * the file does not exist. The timeout is fixed at creation, so that every process agrees on
     * it; an existing queue keeps its own ({@link #unblockTimeout()}).
     *
     * @param path           the queue's file
     * @param capacityBytes  the ring's size in bytes, at least 128; rounded up to a multiple of 16
     * @param unblockTimeout how long consumers wait on a claim before abandoning it as its
     *                       producer's (see the class comment), positive
     * @param options        {@link QueueOption}s, if any
     * @return the open queue
     * @throws IllegalArgumentException if the capacity or timeout is out of range, or the existing
     *                                  queue has another capacity (the message names both)
     * @throws UnsupportedOperationException if an option is not a {@link QueueOption}
     * @throws CorruptQueueException    if the existing file is not a sound queue
     * @throws java.nio.file.FileSystemException naming the mode if {@link QueueOption#SINGLE_PRODUCER} or
     *                                  {@link QueueOption#SINGLE_CONSUMER} is asked for and another handle holds it
     * @throws IOException              if the file cannot be created, opened or mapped
     */
    public static MappedQueue open(Path path, long capacityBytes, Duration unblockTimeout, OpenOption... options)
            throws IOException {
        return open(path, capacityBytes, unblockTimeout, 0, options);
    }

    /** As {@link #open(Path, long, Duration, OpenOption...)}; a new file gets {@code seqKey}, or a random one if it is 0 (tests fix it). */
    static MappedQueue open(Path path, long capacityBytes, Duration unblockTimeout, long seqKey, OpenOption... options)
            throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(unblockTimeout, "unblockTimeout");
        Set<QueueOption> modes = modes(options);
        long minBytes = MIN_CELLS * CELL_BYTES;
        long maxBytes = MAX_CELLS * CELL_BYTES;
        if (capacityBytes < minBytes || capacityBytes > maxBytes) {
            throw new IllegalArgumentException("capacity " + capacityBytes + " bytes is out of range: " + minBytes
                    + " to " + maxBytes + " bytes");
        }
        if (unblockTimeout.isNegative() || unblockTimeout.isZero()) {
            throw new IllegalArgumentException("unblock timeout " + unblockTimeout + " must be positive");
        }
        long nanos;
        try {
            nanos = unblockTimeout.toNanos();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("unblock timeout " + unblockTimeout + " is over " + Long.MAX_VALUE
                    + " ns", e);
        }
        long cells = QueueFormat.roundUp(capacityBytes, CELL_BYTES) / CELL_BYTES;
        MappedQueue queue = map(QueueFiles.openOrCreate(path, cells, nanos, seqKey), path, modes);
        if (queue.ring.cells != cells) {
            queue.close();
            throw new IllegalArgumentException(path + " is a queue of capacity " + queue.ring.cells * CELL_BYTES
                    + " bytes, not " + cells * CELL_BYTES + " bytes: a queue keeps the capacity it was created"
                    + " with; open(Path) opens it at its own");
        }
        return queue;
    }

    /**
     * Opens an existing queue at the capacity it was created with.
     *
     * @param path    the queue's file
     * @param options {@link QueueOption}s, if any
     * @return the open queue
     * @throws NoSuchFileException   if there is no such file
     * @throws UnsupportedOperationException if an option is not a {@link QueueOption}
     * @throws CorruptQueueException if the file is not a sound queue
     * @throws java.nio.file.FileSystemException naming the mode if {@link QueueOption#SINGLE_PRODUCER} or
     *                               {@link QueueOption#SINGLE_CONSUMER} is asked for and another handle holds it
     * @throws IOException           if the file cannot be opened or mapped
     */
    public static MappedQueue open(Path path, OpenOption... options) throws IOException {
        Objects.requireNonNull(path, "path");
        Set<QueueOption> modes = modes(options);
        QueueFiles.deleteAbandonedTemporaries(path);
        return map(MMap.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE), path, modes);
    }

    /** The {@link QueueOption}s among {@code options}; rejects any other kind of option. */
    private static Set<QueueOption> modes(OpenOption... options) {
        Set<QueueOption> modes = EnumSet.noneOf(QueueOption.class);
        for (OpenOption option : Objects.requireNonNull(options, "options")) {
            if (!(Objects.requireNonNull(option, "option") instanceof QueueOption mode)) {
                throw new UnsupportedOperationException("option " + option + " is not a QueueOption: a queue's file"
                        + " is always opened to read and write, created if absent when a capacity is given");
            }
            modes.add(mode);
        }
        return modes;
    }

    private static MappedQueue map(MMap map, Path path, Set<QueueOption> modes) throws IOException {
        SingleRole producer = null;
        SingleRole consumer = null;
        try {
            List<Problem> problems = new ArrayList<>();
            QueueHeader header = QueueHeader.check(map.segment(), map.size(), problems);
            if (header == null) {
                throw problems.get(0).exception(path);
            }
            Ring ring = new Ring(map.segment(), path, header);
            Problem ends = QueueVerifier.checkEnds(ring);
            if (ends != null) {
                throw ends.exception(path);
            }
            Durability.recoverIfRestarted(ring, path);
            if (modes.contains(QueueOption.SINGLE_PRODUCER)) {
                producer = SingleRole.acquire(SingleRole.Role.PRODUCER, ring);
                ring.claimAlone();
            }
            if (modes.contains(QueueOption.SINGLE_CONSUMER)) {
                consumer = SingleRole.acquire(SingleRole.Role.CONSUMER, ring);
                ring.takeAlone();
            }
            return new MappedQueue(map, ring, path, producer, consumer);
        } catch (IOException | RuntimeException | Error e) {
            try {
                if (producer != null) {
                    producer.close(); // the consumer's lock was refused: give the producer's back
                }
            } finally {
                map.close();
            }
            throw e;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Producing

    /**
     * Appends a record if it fits now.
     *
     * @param record the record's bytes, 0 to {@link #maxRecordBytes()} of them
     * @return true if the record was appended, false if the queue has no room for it now
     * @throws IllegalArgumentException if the record is longer than {@link #maxRecordBytes()}
     */
    public boolean offer(byte[] record) {
        Objects.requireNonNull(record, "record");
        ensureProducer();
        checkLength(record.length);
        return ring.offer(record, null, 0, record.length);
    }

    /**
     * Appends a record copied straight from {@code record} (any memory: heap, native, mapped), if it
     * fits now.
     *
     * @param record the record's bytes, 0 to {@link #maxRecordBytes()} of them
     * @return true if the record was appended, false if the queue has no room for it now
     * @throws IllegalArgumentException if the record is longer than {@link #maxRecordBytes()}
     */
    public boolean offer(MemorySegment record) {
        Objects.requireNonNull(record, "record");
        ensureProducer();
        checkLength(record.byteSize());
        return ring.offer(null, record, 0, (int) record.byteSize());
    }

    /**
     * Appends a record, waiting up to {@code timeout} for room.
     *
     * @param record  the record's bytes
     * @param timeout how long to wait at most; zero or less does not wait
     * @param unit    the unit of {@code timeout}
     * @return true if the record was appended, false if there was no room in time
     * @throws InterruptedException     if interrupted while waiting (nothing was appended)
     * @throws IllegalArgumentException if the record is longer than {@link #maxRecordBytes()}
     */
    public boolean offer(byte[] record, long timeout, TimeUnit unit) throws InterruptedException {
        Objects.requireNonNull(unit, "unit");
        if (offer(record)) {
            return true;
        }
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        Backoff backoff = new Backoff();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            waitStep(backoff, left);
            if (offer(record)) {
                return true;
            }
        }
    }

    /**
     * Appends a record, waiting for room as long as it takes.
     *
     * @param record the record's bytes
     * @throws InterruptedException     if interrupted while waiting (nothing was appended)
     * @throws IllegalArgumentException if the record is longer than {@link #maxRecordBytes()}
     */
    public void put(byte[] record) throws InterruptedException {
        Backoff backoff = new Backoff();
        while (!offer(record)) {
            waitStep(backoff, Long.MAX_VALUE);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Consuming

    /**
     * Removes and returns the record at the head.
     *
     * @return a copy of the record, or null if none is ready (the queue is empty, or the head
     *         record is still being written or is held by a {@link #pollWith} of another consumer)
     * @throws UncheckedIOException wrapping a {@link CorruptQueueException} for a damaged record,
     *                              which is skipped (see the class comment)
     */
    public byte[] poll() {
        ensureConsumer();
        while (true) {
            long head = ring.readyHead(true);
            if (head < 0) {
                return null;
            }
            long lengthAndCrc = ring.lengthAndCrc(head);
            int length = (int) lengthAndCrc;
            if (!ring.lengthFits(head, length)) {
                continue; // the cell was reused under us: the head has moved
            }
            byte[] record = new byte[length];
            MemorySegment.copy(ring.file, JAVA_BYTE, ring.dataOffset(head), record, 0, length);
            if (ring.takeHead(head, head + cellsFor(length))) {
                checkCrc(head, lengthAndCrc, Ring.crc(record, length), true);
                return record;
            }
        }
    }

    /**
     * Removes the record at the head, copying it into {@code destination} (any memory), without
     * allocating.
     *
     * @param destination where to copy the record, from its start
     * @return the record's length, or -1 if none is ready
     * @throws IllegalArgumentException if the record is longer than {@code destination}; it then
     *                                  stays at the head
     * @throws UncheckedIOException     wrapping a {@link CorruptQueueException} for a damaged record
     */
    public int poll(MemorySegment destination) {
        Objects.requireNonNull(destination, "destination");
        ensureConsumer();
        while (true) {
            long head = ring.readyHead(true);
            if (head < 0) {
                return -1;
            }
            long lengthAndCrc = ring.lengthAndCrc(head);
            int length = (int) lengthAndCrc;
            if (!ring.lengthFits(head, length)) {
                continue;
            }
            if (length > destination.byteSize()) {
                if (ring.head() != head) {
                    continue;
                }
                throw new IllegalArgumentException("the record at the head is " + length + " bytes, longer than the "
                        + destination.byteSize() + "-byte destination; it stays at the head");
            }
            MemorySegment.copy(ring.file, ring.dataOffset(head), destination, 0, length);
            if (ring.takeHead(head, head + cellsFor(length))) {
                checkCrc(head, lengthAndCrc, Ring.crc(destination, 0, length), true);
                return length;
            }
        }
    }

    /**
     * Removes and returns the record at the head, waiting up to {@code timeout} for one.
     *
     * @param timeout how long to wait at most; zero or less does not wait
     * @param unit    the unit of {@code timeout}
     * @return a copy of the record, or null if none was ready in time
     * @throws InterruptedException if interrupted while waiting (nothing was removed)
     * @throws UncheckedIOException wrapping a {@link CorruptQueueException} for a damaged record
     */
    public byte[] poll(long timeout, TimeUnit unit) throws InterruptedException {
        Objects.requireNonNull(unit, "unit");
        byte[] record = poll();
        if (record != null) {
            return record;
        }
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        Backoff backoff = new Backoff();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            waitStep(backoff, left);
            record = poll();
            if (record != null) {
                return record;
            }
        }
    }

    /**
     * Removes and returns the record at the head, waiting for one as long as it takes.
     *
     * @return a copy of the record
     * @throws InterruptedException if interrupted while waiting (nothing was removed)
     * @throws UncheckedIOException wrapping a {@link CorruptQueueException} for a damaged record
     */
    public byte[] take() throws InterruptedException {
        Backoff backoff = new Backoff();
        while (true) {
            byte[] record = poll();
            if (record != null) {
                return record;
            }
            waitStep(backoff, Long.MAX_VALUE);
        }
    }

    /**
     * Passes the record at the head to {@code action} and removes it only if the action returns
     * normally (emmap's {@code try_pop}). The action sees a read-only view of the record in the
     * file, valid only during the call; no copy is made. While it runs, the head is held: other
     * consumers see no ready record. If the action throws, the record stays at the head and the
     * exception propagates.
     *
     * @param action what to do with the record
     * @return true if a record was passed and removed, false if none was ready
     * @throws UncheckedIOException  wrapping a {@link CorruptQueueException} for a damaged record,
     *                               which is skipped and never passed to the action
     * @throws IllegalStateException if the action ran longer than the unblock timeout and its
     *                               process was taken for dead (the record is then delivered again)
     * @throws UncheckedIOException  wrapping a {@link CorruptQueueException} naming both lengths if
     *                               another process cut the file short under the record (the
     *                               checksum is computed through a guarded copy, so this is an
     *                               exception, not a crash of the JVM); the record stays
     */
    public boolean pollWith(Consumer<? super MemorySegment> action) {
        Objects.requireNonNull(action, "action");
        ensureConsumer();
        while (true) {
            long head = ring.readyHead(true);
            if (head < 0) {
                return false;
            }
            if (!ring.lockHead(head)) {
                continue;
            }
            long lengthAndCrc = ring.lengthAndCrc(head);
            int length = (int) lengthAndCrc;
            long next = head + cellsFor(length);
            MemorySegment view = ring.file.asSlice(ring.dataOffset(head), length).asReadOnly();
            int crc;
            try {
                crc = guardedCrc(view, length);
            } catch (InternalError fault) {
                throw cutShort(fault, () -> ring.unlockHead(head, head));
            }
            if (crc != (int) (lengthAndCrc >>> 32)) {
                ring.unlockHead(head, next);
                throw ring.corruptRecord(head, lengthAndCrc >>> 32, Integer.toUnsignedLong(crc));
            }
            try {
                action.accept(view);
            } catch (RuntimeException | Error e) {
                ring.unlockHead(head, head);
                throw e;
            }
            if (!ring.unlockHead(head, next)) {
                throw new IllegalStateException("the action held the head record (position " + head + ") longer than"
                        + " the unblock timeout of " + unblockTimeout() + " and another consumer took it back for"
                        + " delivery again");
            }
            return true;
        }
    }

    /**
     * Removes records from the head one by one, folding each into an accumulator, until the queue
     * has no ready record or {@code stop} holds for the accumulator (emmap's fold-and-pop with
     * {@code halt}). Each record is removed only if {@code fold} returns normally, as with
     * {@link #pollWith}; if it throws, that record stays and the exception propagates.
     *
     * @param <A>     the accumulator's type
     * @param initial the accumulator to start with
     * @param fold    combines the accumulator and a read-only view of a record (valid during the call)
     * @param stop    tested on the accumulator before each record: true stops the drain
     * @return the last accumulator
     */
    public <A> A drain(A initial, BiFunction<? super A, ? super MemorySegment, ? extends A> fold,
                       Predicate<? super A> stop) {
        Objects.requireNonNull(fold, "fold");
        Objects.requireNonNull(stop, "stop");
        List<A> accumulator = new ArrayList<>(1);
        accumulator.add(initial);
        while (!stop.test(accumulator.get(0))
                && pollWith(record -> accumulator.set(0, fold.apply(accumulator.get(0), record)))) {
            // each round removed one record
        }
        return accumulator.get(0);
    }

    // ---------------------------------------------------------------------------------------------
    // Looking without removing

    /**
     * Returns a copy of the record at the head without removing it.
     *
     * @return a copy of the head record, or null if none is ready
     * @throws UncheckedIOException wrapping a {@link CorruptQueueException} for a damaged record
     */
    public byte[] peek() {
        ensureOpen();
        while (true) {
            long head = ring.readyHead(false);
            if (head < 0) {
                return null;
            }
            byte[] record = copyIfStill(head);
            if (record != null) {
                return record;
            }
        }
    }

    /**
     * Returns a copy of the newest committed record (emmap's {@code peek_back}) without removing it.
     *
     * @return a copy of the newest record, or null if there is none
     * @throws UncheckedIOException wrapping a {@link CorruptQueueException} for a damaged record
     */
    public byte[] peekLast() {
        Iterator<byte[]> newestFirst = descendingIterator();
        return newestFirst.hasNext() ? newestFirst.next() : null;
    }

    /**
     * Iterates over copies of the records from the head to the tail (emmap's {@code peek/3})
     * without removing them. Weakly consistent, as the iterators of
     * {@link java.util.concurrent.ConcurrentLinkedQueue}: it never returns a record twice or a
     * torn one, returns the records that stay in the queue throughout, and may or may not return
     * those added or removed meanwhile.
     *
     * @return an iterator, oldest record first; {@code remove} is not supported
     */
    @Override
    public Iterator<byte[]> iterator() {
        ensureOpen();
        return new RecordIterator(false);
    }

    /**
     * Iterates over copies of the records from the tail to the head (emmap's {@code rpeek/3}),
     * weakly consistent as {@link #iterator()}.
     *
     * @return an iterator, newest record first; {@code remove} is not supported
     */
    public Iterator<byte[]> descendingIterator() {
        ensureOpen();
        return new RecordIterator(true);
    }

    /**
     * Copies the committed record at {@code position}, or returns null if consumers removed it
     * meanwhile. The copy is sound when the head has not passed the record after it was made,
     * since producers reuse only cells the head has passed; then its checksum is checked.
     */
    private byte[] copyIfStill(long position) {
        long lengthAndCrc = ring.lengthAndCrc(position);
        int length = (int) lengthAndCrc;
        long s = ring.seqAt(position);
        if (!ring.lengthFits(position, length)) {
            return null;
        }
        byte[] record = new byte[length];
        MemorySegment.copy(ring.file, JAVA_BYTE, ring.dataOffset(position), record, 0, length);
        if (ring.head() > position || ring.seqAt(position) != s) {
            return null;
        }
        checkCrc(position, lengthAndCrc, Ring.crc(record, length), false);
        return record;
    }

    private final class RecordIterator implements Iterator<byte[]> {
        private final boolean descending;
        /** Ascending: where to look next; descending: the position below which to look next. */
        private long cursor;
        private byte[] next;

        RecordIterator(boolean descending) {
            this.descending = descending;
            this.cursor = descending ? ring.tail() : ring.head();
        }

        @Override
        public boolean hasNext() {
            while (next == null) {
                ensureOpen();
                long p = descending ? ring.previousCommitted(cursor) : ring.nextCommitted(cursor, true);
                if (p < 0) {
                    return false;
                }
                next = copyIfStill(p);
                if (next != null) {
                    cursor = descending ? p : p + cellsFor(next.length);
                } else if (descending) {
                    return false; // consumers removed it, so also every older record
                }
            }
            return true;
        }

        @Override
        public byte[] next() {
            if (!hasNext()) {
                throw new NoSuchElementException("no more records in " + path);
            }
            byte[] record = next;
            next = null;
            return record;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Figures

    /**
     * The number of committed records in the queue, counted by walking them (see the class comment).
     *
     * @return the number of records
     */
    public long size() {
        ensureOpen();
        return ring.countCommitted();
    }

    /**
     * Whether no record is ready at the head.
     *
     * @return true if a {@link #peek()} now would find nothing
     */
    public boolean isEmpty() {
        ensureOpen();
        return ring.readyHead(false) < 0;
    }

    /**
     * The ring's size in bytes, as created (a multiple of 16).
     *
     * @return the capacity in bytes
     */
    public long capacity() {
        ensureOpen();
        return ring.cells * CELL_BYTES;
    }

    /**
     * The longest record the queue takes: half its capacity (see the class comment).
     *
     * @return the limit in bytes
     */
    public int maxRecordBytes() {
        ensureOpen();
        return (int) ring.maxRecordBytes;
    }

    /**
     * How long consumers wait on an unpublished claim before abandoning it, fixed at creation.
     *
     * @return the unblock timeout
     */
    public Duration unblockTimeout() {
        ensureOpen();
        return Duration.ofNanos(ring.unblockNanos);
    }

    /**
     * The queue's file.
     *
     * @return the path it was opened with
     */
    public Path path() {
        return path;
    }

    /**
     * A snapshot of the queue's figures: what {@code mmap4j stat} shows for a queue.
     *
     * @return the figures now
     */
    public Stats stats() {
        ensureOpen();
        long head = ring.head();
        long tail = ring.tail();
        long records = ring.countCommitted();
        return new Stats(path, map.size(), records, Math.max(0, tail - head) * CELL_BYTES, ring.cells * CELL_BYTES,
                head * CELL_BYTES, tail * CELL_BYTES, ring.counter(F_ABANDONED), ring.counter(F_CORRUPT),
                ring.maxRecordBytes, Duration.ofNanos(ring.unblockNanos));
    }

    /**
     * The figures of the queue file at {@code path}, read without changing it.
     *
     * @param path the queue's file
     * @return the figures now
     * @throws CorruptQueueException if the file is not a sound queue, or another process cut it short
     *                               while its records were counted (the message names both lengths)
     * @throws IOException           if it cannot be opened
     */
    public static Stats stats(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        try (MMap map = MMap.open(path, StandardOpenOption.READ)) {
            return stats(map, path);
        }
    }

    /** {@link #stats(Path)} of a file already mapped (whole) by {@code map}. */
    static Stats stats(MMap map, Path path) throws IOException {
        List<Problem> problems = new ArrayList<>();
        try {
            QueueHeader header = QueueHeader.check(map.segment(), map.size(), problems);
            if (header == null) {
                throw problems.get(0).exception(path);
            }
            return new MappedQueue(map, new Ring(map.segment(), path, header), path, null, null).stats();
        } catch (InternalError fault) {
            // A mapped page faulted (the JVM's SIGBUS) while the records were walked: the file was cut
            // short by another process, which is what to report, as verify does.
            throw cutShort(fault, path, map.size());
        }
    }

    /**
     * The error to throw for {@code fault}, a mapped page that faulted: if the file is now shorter than
     * {@code mapped} bytes, another process cut it, and that is a {@link CorruptQueueException} naming
     * both lengths; otherwise (a device that failed) the fault itself, which is not the queue's.
     */
    static CorruptQueueException cutShort(InternalError fault, Path path, long mapped) throws IOException {
        long now = Files.size(path);
        if (now >= mapped) {
            throw fault;
        }
        CorruptQueueException e = new CorruptQueueException(path, now, "file length", now + " bytes, cut short by"
                + " another process while it was mapped", mapped + " bytes, as when it was opened");
        e.initCause(fault);
        return e;
    }

    /**
     * {@link #cutShort(InternalError, Path, long)} for a handle's hot path: first {@code undo} (whose
     * own fault, on a file cut below its header page, is ignored), then the exception wrapped.
     */
    private RuntimeException cutShort(InternalError fault, Runnable undo) {
        try {
            undo.run();
        } catch (InternalError headerGone) {
            // the header page went too: nothing left to undo
        }
        try {
            return new UncheckedIOException(cutShort(fault, path, map.size()));
        } catch (IOException e) {
            return new UncheckedIOException(e);
        }
    }

    /**
     * The CRC32C of a record in the mapping, through a heap copy (one per thread, reused): the JDK's
     * CRC32C over a mapping is an intrinsic the JVM does not guard, so a file another process cuts
     * under it would kill the JVM with SIGBUS; the copy is a guarded read that throws
     * {@link InternalError} instead.
     */
    private static int guardedCrc(MemorySegment record, long length) {
        GuardedCrc32c crc = GUARDED_CRC.get();
        crc.reset();
        crc.update(record, 0, length);
        return (int) crc.getValue();
    }

    private static final ThreadLocal<GuardedCrc32c> GUARDED_CRC = ThreadLocal.withInitial(GuardedCrc32c::new);

    /**
     * Checks the queue file at {@code path} and lists every problem found: the header, the head and
     * tail, and every record between the head and the tail (state, length and CRC32C). It only
     * reads, and it may run while other processes produce and consume: it judges a record only if
     * the record stayed in place while it was read, so what racing writers do is never reported as
     * damage. A file another process cuts short during the check is one problem, at its new end.
     *
     * @param path the queue's file
     * @return the problems, empty if the file is sound
     * @throws IOException if the file cannot be opened or mapped
     * @throws InternalError if a mapped page faults while the file keeps its length (the device
     *                       failed), as any read of a mapping would
     */
    public static List<Problem> verify(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        try (MMap map = MMap.open(path, StandardOpenOption.READ)) {
            return verify(map, path);
        }
    }

    /** {@link #verify(Path)} of a file already mapped (whole) by {@code map}. */
    static List<Problem> verify(MMap map, Path path) throws IOException {
        try {
            return QueueVerifier.verify(map.segment(), map.size(), path);
        } catch (InternalError fault) {
            // A mapped page faulted (the JVM's SIGBUS): if another process cut the file short under
            // the check, that is the problem to report; anything else (a device gone) is not ours.
            long now = Files.size(path);
            if (now >= map.size()) {
                throw fault;
            }
            return List.of(new Problem(now, "file length", now + " bytes, cut short by another process while being"
                    + " checked", map.size() + " bytes, as when the check began"));
        }
    }

    /**
     * Makes the queue durable against a power cut or a crash of the host: when this returns, every
     * record whose offer returned before the call, by any process, is on the storage device, and so
     * is the removal of every record a poll took before the call. After a restart the queue then
     * delivers each of those records that was not taken exactly once; a record offered after the
     * last {@code force()} may be lost, and one taken after it may be delivered again (or, if its
     * cells were already reused, reported damaged and skipped). Without a restart nothing is lost
     * whether or not anyone forces: the kernel's page cache is the file.
     *
     * <p>It marks the records taken since the last force as such in their own headers, then syncs
     * the ring ({@code msync(MS_SYNC)} of its range: only the pages changed since the last force, and
     * no file metadata, since the file never changes size). The header page, with the head and the
     * tail, is synced only once every half ring of records: the first open after a restart rebuilds
     * the head and the tail from the ring pages (see {@code docs/queue-format.md}, "Durability"). So a
     * record offered, polled and forced writes one page, as a bare write and {@code fdatasync} do.
     *
     * @throws IOException if the kernel reports an error
     */
    public void force() throws IOException {
        ensureOpen();
        try {
            Durability.force(ring);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Unmaps the file. Idempotent; every later call throws {@link IllegalStateException}. */
    @Override
    public void close() {
        open = false;
        // Unmapped first: a single producer's or consumer's store still under way in another thread
        // then lands before it or fails, never after the roles cleared their marks (see SingleRole).
        try {
            map.close();
        } finally {
            try {
                if (consumer != null) {
                    consumer.close();
                }
            } finally {
                if (producer != null) {
                    producer.close();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "MappedQueue[" + path + (open ? "" : ", closed") + "]";
    }

    // ---------------------------------------------------------------------------------------------

    private void ensureOpen() {
        if (!open) {
            throw new IllegalStateException("the queue " + path + " is closed");
        }
    }

    /** {@link #ensureOpen()}, and for a single producer's handle, that this is its producer thread. */
    private void ensureProducer() {
        ensureOpen();
        if (producer != null) {
            producer.checkThread();
        }
    }

    /** {@link #ensureOpen()}, and for a single consumer's handle, that this is its consumer thread. */
    private void ensureConsumer() {
        ensureOpen();
        if (consumer != null) {
            consumer.checkThread();
        }
    }

    private void checkLength(long length) {
        if (length > ring.maxRecordBytes) {
            throw new IllegalArgumentException("record of " + length + " bytes is longer than the largest this queue"
                    + " takes, " + ring.maxRecordBytes + " bytes (half its capacity of " + ring.cells * CELL_BYTES
                    + " bytes, less the record's " + QueueFormat.HEADER_BYTES + "-byte header)");
        }
    }

    private void checkCrc(long position, long lengthAndCrc, int crc, boolean taken) {
        long expected = lengthAndCrc >>> 32;
        if (crc != (int) expected) {
            throw taken ? ring.corruptRecord(position, expected, Integer.toUnsignedLong(crc))
                    : ring.checksumMismatch(position, expected, Integer.toUnsignedLong(crc));
        }
    }

    private static void waitStep(Backoff backoff, long maxNanos) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        backoff.idle(maxNanos);
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * The figures of a queue at one moment: what {@code mmap4j stat} prints for a queue file.
     *
     * @param path            the file
     * @param fileBytes       the file's length
     * @param records         committed records between the head and the tail
     * @param bytesUsed       bytes of the ring between the head and the tail: records, padding,
     *                        claims being written, in whole 16-byte cells
     * @param capacity        the ring's size in bytes
     * @param head            the head's position, in bytes since the queue was created
     * @param tail            the tail's position, in bytes since the queue was created
     * @param abandonedClaims claims that consumers have abandoned as their producers' (unblocking)
     * @param corruptRecords  damaged records and cells skipped so far
     * @param maxRecordBytes  the longest record the queue takes
     * @param unblockTimeout  how long consumers wait on a claim before abandoning it
     */
    public record Stats(Path path, long fileBytes, long records, long bytesUsed, long capacity, long head, long tail,
                        long abandonedClaims, long corruptRecords, long maxRecordBytes, Duration unblockTimeout) {
    }

    /**
     * One problem {@link #verify(Path)} found, or that made {@link #open} refuse a file.
     *
     * @param offset   the byte offset in the file of the damaged field, entry or record
     * @param field    what is there, as {@code docs/queue-format.md} names it
     * @param found    the value found, as text
     * @param expected what the format allows there, as text
     */
    public record Problem(long offset, String field, String found, String expected) {
        /** The problem as {@link CorruptQueueException} words it. */
        @Override
        public String toString() {
            return "at byte offset " + offset + ": " + field + " is " + found + ", expected " + expected;
        }

        CorruptQueueException exception(Path path) {
            return new CorruptQueueException(path, offset, field, found, expected);
        }
    }
}
