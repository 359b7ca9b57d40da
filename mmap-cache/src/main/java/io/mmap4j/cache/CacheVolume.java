package io.mmap4j.cache;

import static io.mmap4j.cache.CacheFormat.MAX_KEY_BYTES;
import static io.mmap4j.cache.CacheFormat.MAX_VALUE_BYTES;
import static io.mmap4j.cache.CacheFormat.RECORD_HEADER_BYTES;

import io.mmap4j.MMap;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A disk cache volume after Apache Traffic Server: one pre-sized file written as a ring, a compact
 * directory in memory, allowed to drop data and never allowed to return wrong data. What CDNs and
 * caching proxies keep their objects in; in Java, with Traffic Server's real recovery.
 *
 * <pre>{@code
 * try (CacheVolume cache = CacheVolume.open(path, 1L << 30)) {   // creates, or opens and recovers
 *     cache.set(key, value);
 *     byte[] hit = cache.get(key);                              // null on a miss, including every fault
 * }                                                             // close saves the directory
 * }</pre>
 *
 * <h2>The file</h2>
 * One file of the size given at creation, little-endian, specified byte by byte in
 * {@code docs/cache-volume-format.md}: a volume header, two copies (A and B) of the directory, then
 * the data region. Each {@link #set} appends a record (header, key, value, each record CRC-checked)
 * at the write cursor, which goes round the data region as a ring: the newest data overwrites the
 * oldest, and nothing is ever compacted or rewritten in place. Records gather in an aggregation
 * buffer ({@link Options#withAggregationBytes}, 4 MiB by default) and reach the file in large
 * sequential writes, made by a thread of the volume's own while the writer fills a second buffer. The directory holds one ten-byte entry per object (Traffic Server's layout:
 * a 40-bit offset in 512-byte units, so volumes up to 512 TiB; an approximate size; a 12-bit tag of
 * the key's hash; a phase bit), about one per {@linkplain Options#withAverageObjectBytes average
 * object size} of data, kept in memory and saved to copy A and B in turn.
 *
 * <h2>What a get returns</h2>
 * An entry is valid only while the cursor has not passed its data (its offset and phase against
 * the cursor say so, without a read). A get then reads the record, checks its header (magic, the
 * position it was written at, a CRC32C), compares the full key, and checks the CRC32C of key and
 * value: a 12-bit tag shared with another key is a miss for the other key, never an eviction of it.
 * A record that fails a check is a miss, and its entry is dropped and counted
 * ({@link Stats#corruptDropped()}); {@link #get} never throws for damage. A record overwritten while it
 * is read is a miss too: readers check the cursor again after copying.
 *
 * <h2>Crashes</h2>
 * A directory entry is published only after its record is complete, and a directory copy only
 * names data that was forced to the disk before it. {@link #open} takes the newer valid copy (its
 * header and footer carry the same sync serial and the entries' CRC), then scans forward from its
 * cursor: every record written since that sync whose CRCs check is replayed into the directory, up
 * to the first torn one; entries whose data the interrupted write may have overwritten are dropped.
 * So after {@code kill -9} every object whose set returned and whose bytes reached the file is
 * still there, and every hit is exact. {@link #recovery()} says what open found and did. The
 * directory is saved every {@linkplain Options#withSyncInterval sync interval} (10 s by default), by
 * {@link #flush()}, and by {@link #close()}.
 *
 * <h2>Threads and processes</h2>
 * Any number of threads use a volume at once. Sets and removes take turns (records go to the ring
 * one after another); gets and contains never lock: they read the directory optimistically
 * (segment versions) and validate what they read. One process opens a volume at a time: it holds
 * an exclusive lock on the file, and a second process (or a second open in this JVM) gets a
 * {@link FileSystemException} saying so. {@link #verify(Path)} and {@link #stats(Path)} read a
 * volume that another process has open, without disturbing it. An interrupt does not disturb a
 * volume either: its file is written and forced by a thread of its own, and opened, verified and
 * read by {@link #stats(Path)} on one too, so an open, set, remove, flush, close, verify or stats
 * whose thread is interrupted completes as usual and leaves the thread's interrupt status set (a
 * {@code FileChannel} used by the interrupted thread itself would have closed, for everyone).
 *
 * <h2>Limits and errors</h2>
 * Keys are 0 to {@value CacheFormat#MAX_KEY_BYTES} bytes; values 0 to 16 MiB less 8 KiB
 * ({@value CacheFormat#MAX_VALUE_BYTES} bytes) and at most what fits in a quarter of the data
 * region ({@link #maxValueBytes(int)}); beyond, an {@link IllegalArgumentException} names the length
 * and the limit. Volumes are 2 MiB to 512 TiB. A null argument is a {@link NullPointerException};
 * any call after {@link #close()} an {@link IllegalStateException}. A file that is not a cache
 * volume is refused with a {@link CorruptVolumeException} and left untouched.
 */
public final class CacheVolume implements AutoCloseable {
    private final Path path;
    private final MMap map;
    private final FileChannel channel;
    private final Volume volume;
    private final Recovery recovery;
    private final ScheduledExecutorService syncer;
    private final Object fileKey;
    private volatile boolean closed;
    private volatile IOException syncFailure;

    private CacheVolume(Path path, MMap map, FileChannel channel, Volume volume, Recovery recovery, Options options,
                        Object fileKey) {
        this.path = path;
        this.map = map;
        this.channel = channel;
        this.volume = volume;
        this.recovery = recovery;
        this.fileKey = fileKey;
        if (options.syncInterval().isZero()) {
            this.syncer = null;
        } else {
            this.syncer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "mmap4j-cache-sync " + path.getFileName());
                t.setDaemon(true);
                return t;
            });
            long millis = options.syncInterval().toMillis();
            syncer.scheduleWithFixedDelay(this::backgroundSync, millis, millis, TimeUnit.MILLISECONDS);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Opening

    /**
     * Opens the volume at {@code path} with the {@linkplain Options#DEFAULT default options},
     * creating it with {@code sizeBytes} bytes if there is no file there (or an empty one).
     *
     * @param path      the volume's file; its directory must exist
     * @param sizeBytes the volume's size: for a new volume, its file's length; for an existing one,
     *                  it must be the size it was created with
     * @return the open volume; {@link #recovery()} says what opening found
     * @throws CorruptVolumeException   if the file is not a cache volume or its header is damaged; it is untouched
     * @throws FileSystemException      if another process, or another open in this JVM, has the volume open
     * @throws IOException              if the file cannot be created, opened, locked or mapped
     * @throws IllegalArgumentException if {@code sizeBytes} is outside [2 MiB, 512 TiB], or differs from
     *                                  an existing volume's size
     */
    public static CacheVolume open(Path path, long sizeBytes) throws IOException {
        return open(path, sizeBytes, Options.DEFAULT);
    }

    /**
     * Opens the volume at {@code path}, creating it with {@code sizeBytes} bytes and
     * {@code options} if there is no file there (or an empty one). An existing volume keeps the
     * directory size it was created with; the other options apply to this open.
     *
     * @param path      the volume's file; its directory must exist
     * @param sizeBytes as for {@link #open(Path, long)}
     * @param options   average object size (new volumes), aggregation buffer, sync interval
     * @return the open volume
     * @throws CorruptVolumeException   if the file is not a cache volume or its header is damaged; it is untouched
     * @throws FileSystemException      if another process, or another open in this JVM, has the volume open
     * @throws IOException              if the file cannot be created, opened, locked or mapped
     * @throws IllegalArgumentException as for {@link #open(Path, long)}
     */
    public static CacheVolume open(Path path, long sizeBytes, Options options) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        VolumeGeometry geometry = VolumeGeometry.of(sizeBytes, options.averageObjectBytes());
        return VolumeFiles.open(path, geometry, options);
    }

    /**
     * Opens an existing volume at whatever size it was created with.
     *
     * @param path the volume's file
     * @return the open volume
     * @throws CorruptVolumeException if the file is not a cache volume or its header is damaged
     * @throws FileSystemException    if another process, or another open in this JVM, has it open
     * @throws IOException            if the file does not exist or cannot be opened, locked or mapped
     */
    public static CacheVolume open(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        return VolumeFiles.open(path, null, Options.DEFAULT);
    }

    static CacheVolume opened(Path path, MMap map, FileChannel channel, Volume volume, Recovery recovery,
                              Options options, Object fileKey) {
        return new CacheVolume(path, map, channel, volume, recovery, options, fileKey);
    }

    // ---------------------------------------------------------------------------------------------
    // Objects

    /**
     * Stores {@code value} under {@code key}, replacing any earlier value. The record goes to the
     * aggregation buffer (when it is full, the buffer goes to the file while the record goes to the
     * second buffer); a get sees it at once. It reaches the file when the buffer fills, at the next sync, {@link #flush()} or
     * {@link #close()}. Older objects whose space the cursor reaches are evicted.
     *
     * @param key   the key, 0 to {@value CacheFormat#MAX_KEY_BYTES} bytes
     * @param value the value, up to {@link #maxValueBytes(int)}
     * @throws IllegalArgumentException if the key or value is too long (the message names the length and the limit)
     * @throws IOException              if writing an aggregation buffer to the file failed (this set's
     *                                  or an earlier one's); the objects it held are then dropped, as a
     *                                  cache may
     */
    public void set(byte[] key, byte[] value) throws IOException {
        checkKey(key);
        Objects.requireNonNull(value, "value");
        long max = maxValueBytes(key.length);
        if (value.length > max) {
            throw new IllegalArgumentException("value of " + value.length + " bytes is over the limit of " + max
                    + " bytes for a key of " + key.length + " bytes in this volume (16 MiB less 8 KiB, and at most"
                    + " a quarter of the " + volume.dataBytes + "-byte data region with the record's header)");
        }
        volume.lock.lock();
        try {
            checkOpen();
            volume.set(key, value);
        } finally {
            volume.lock.unlock();
        }
    }

    /**
     * The value stored under {@code key}, copied into a new array.
     *
     * @param key the key
     * @return the value, or null on a miss: never stored, evicted, removed, or found damaged (then dropped and counted)
     */
    public byte[] get(byte[] key) {
        checkKey(key);
        checkOpen();
        return volume.get(key);
    }

    /**
     * Copies the value stored under {@code key} into {@code dst}, from its offset 0, without
     * allocating: for reads into a reused buffer, or into native or mapped memory.
     *
     * @param key the key
     * @param dst where to copy the value; a value longer than it is not copied
     * @return the value's length (when it is over {@code dst.byteSize()}, nothing was copied: retry
     *         with a larger buffer), or -1 on a miss
     * @throws IllegalArgumentException if {@code dst} is read-only
     */
    public long get(byte[] key, MemorySegment dst) {
        checkKey(key);
        Objects.requireNonNull(dst, "dst");
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("dst is a read-only segment");
        }
        checkOpen();
        return volume.get(key, dst);
    }

    /**
     * Whether the directory has an object for {@code key}, without reading any data: an entry with
     * the key's 12-bit tag in its bucket whose data the cursor has not overwritten. May answer true
     * for a key that another key shares a tag with (about one chance in 4,096 per object in the
     * bucket), or whose record turns out damaged; {@link #get} then misses.
     *
     * @param key the key
     * @return whether a get would probably hit
     */
    public boolean contains(byte[] key) {
        checkKey(key);
        checkOpen();
        return volume.contains(key);
    }

    /**
     * Removes {@code key}'s object. Its bytes stay in the ring until the cursor reaches them; a
     * small tombstone record is appended so that a crash before the next sync does not bring the
     * object back.
     *
     * @param key the key
     * @return whether there was an object to remove
     * @throws IOException if writing the aggregation buffer to the file fails
     */
    public boolean remove(byte[] key) throws IOException {
        checkKey(key);
        volume.lock.lock();
        try {
            checkOpen();
            return volume.remove(key);
        } finally {
            volume.lock.unlock();
        }
    }

    /**
     * Saves everything now: writes the aggregation buffer to the file, forces the data to the disk,
     * then writes the directory to the next copy and forces it. After it returns, a crash (or power
     * loss) loses nothing set before the call. Costs a write of the directory (about ten bytes per
     * entry) and two {@code fsync}s.
     *
     * @throws IOException if a write or force fails
     */
    public void flush() throws IOException {
        checkOpen();
        volume.sync(false);
    }

    /**
     * The largest value this volume takes with a key of {@code keyLength} bytes: 16 MiB less 8 KiB,
     * or less in a small volume, where a record may take at most a quarter of the data region.
     *
     * @param keyLength the key's length
     * @return the largest value length, in bytes
     * @throws IllegalArgumentException if {@code keyLength} is negative or over the key limit
     */
    public long maxValueBytes(int keyLength) {
        if (keyLength < 0 || keyLength > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key length " + keyLength + " is outside [0, " + MAX_KEY_BYTES + "]");
        }
        long quarter = volume.dataBytes / 4 / CacheFormat.UNIT * CacheFormat.UNIT;
        return Math.min(MAX_VALUE_BYTES, quarter - RECORD_HEADER_BYTES - keyLength);
    }

    // ---------------------------------------------------------------------------------------------
    // Inspection

    /**
     * What {@link #open} found and did: whether the volume was created, closed cleanly, or
     * recovered, from which directory copy, how many records it replayed and entries it dropped.
     *
     * @return the report of this open
     */
    public Recovery recovery() {
        return recovery;
    }

    /**
     * The volume's figures now. Counts are over the volume's life: those its directory copy held
     * when this open loaded it, and this open's since. Costs a sweep of the directory (entries whose data the cursor has passed are dropped
     * first, so that the count of objects is exact) under the writers' lock.
     *
     * @return a snapshot
     */
    public Stats stats() {
        checkOpen();
        Volume v = volume;
        v.sweepStale();
        VolumeGeometry g = v.g;
        long cursor = v.cursor();
        return new Stats(path, g.volumeBytes(), g.dataBytes(), g.entries(), v.dir.used(),
                Math.min(cursor, g.dataBytes()) / (double) g.dataBytes(), cursor, v.serial(), v.hits.sum(),
                v.misses.sum(), v.evictions(), v.bytesWritten(), v.corrupt.sum(), v.recoveries());
    }

    /**
     * The figures of the volume in {@code path} as of its last directory sync, read-only and
     * without a lock: it may be open in another process. Every sync saves the counts (hits, misses,
     * evictions, bytes written, corrupt entries dropped) with the directory, so these are the
     * counts over the volume's life up to that sync; what the process that has it open counted
     * since is not in the file yet.
     *
     * @param path a volume's file
     * @return the figures of the newer valid directory copy
     * @throws CorruptVolumeException if the file is not a cache volume, or neither copy is valid, or
     *                                another process cuts it short while it is read
     * @throws IOException            if the file cannot be read
     */
    public static Stats stats(Path path) throws IOException {
        return VolumeVerifier.stats(Objects.requireNonNull(path, "path"));
    }

    /**
     * Checks the volume in {@code path} in full, read-only, as {@code fsck -n} checks a file
     * system: the volume header; both directory copies; every entry of the newer valid one (its
     * fields, its chain, no entry in two chains); then, as open would, the records written since
     * that sync; then every entry's record (header, position, CRCs, and that its key hashes to the
     * entry's bucket and tag). Never writes and never throws for damage. If another process has the
     * volume open, the records and the copy being rewritten are not checked (they change under the
     * check), so a live volume reports no false problems.
     *
     * @param path a volume's file
     * @return every problem found; empty if the volume is sound. A copy torn by a crash during a
     *         sync is listed (open recovers from it). A file another process cuts short during the
     *         check is listed first, as its {@code file length} (the check reads the mapping through
     *         a heap copy, so the cut is reported and never kills the JVM); at most 1000 problems
     * @throws IOException if the file cannot be opened or mapped at all
     */
    public static List<Problem> verify(Path path) throws IOException {
        return VolumeVerifier.verify(Objects.requireNonNull(path, "path"));
    }

    /**
     * The volume's file.
     *
     * @return the path it was opened with
     */
    public Path path() {
        return path;
    }

    /**
     * Whether the volume is open.
     *
     * @return false once {@link #close()} has begun
     */
    public boolean isOpen() {
        return !closed;
    }

    /**
     * Saves the directory (marking the volume cleanly closed), releases the file and its lock, and
     * frees the memory. Idempotent. Every later call throws {@link IllegalStateException}.
     *
     * @throws IOException if the final save fails (the volume is closed anyway; the next open recovers)
     */
    @Override
    public void close() throws IOException {
        volume.lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            volume.lock.unlock();
        }
        if (syncer != null) {
            // shutdown: a sync under way finishes (it runs on the volume's I/O thread anyway, which
            // no interrupt reaches: see ChannelWriter)
            syncer.shutdown();
            awaitSyncer();
        }
        IOException failure = null;
        try {
            volume.sync(true);
        } catch (IOException e) {
            failure = e;
        } finally {
            VolumeFiles.release(fileKey);
            volume.lock.lock();
            try {
                volume.close();
            } finally {
                volume.lock.unlock();
            }
            try {
                channel.close();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
            map.close();
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void awaitSyncer() {
        boolean interrupted = false;
        while (true) {
            try {
                if (syncer.awaitTermination(1, TimeUnit.SECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Names the file, the size and the state. */
    @Override
    public String toString() {
        return "CacheVolume[" + path + ", " + volume.g.volumeBytes() + " bytes" + (closed ? ", closed]" : "]");
    }

    private void backgroundSync() {
        try {
            if (!closed) {
                volume.sync(false);
            }
        } catch (IOException e) {
            syncFailure = e;
        } catch (IllegalStateException e) {
            // closed meanwhile
        }
    }

    /**
     * The failure of the last background sync, if it failed.
     *
     * @return the exception, or null if every background sync so far succeeded
     */
    public IOException lastSyncFailure() {
        return syncFailure;
    }

    private static void checkKey(byte[] key) {
        Objects.requireNonNull(key, "key");
        if (key.length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key of " + key.length + " bytes is over the limit of " + MAX_KEY_BYTES
                    + " bytes");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the cache volume " + path + " is closed");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Public nested types

    /**
     * How a volume is sized and run: immutable, each {@code with} method returns a copy.
     *
     * <pre>{@code
     * CacheVolume.open(path, size, Options.DEFAULT.withAverageObjectBytes(64 << 10).withSyncInterval(Duration.ofSeconds(1)));
     * }</pre>
     */
    public static final class Options {
        /** 8,000-byte average objects (Traffic Server's default), a 4 MiB aggregation buffer, a sync every 10 s. */
        public static final Options DEFAULT = new Options(8000, 4 << 20, Duration.ofSeconds(10));

        private final int averageObjectBytes;
        private final int aggregationBytes;
        private final Duration syncInterval;

        private Options(int averageObjectBytes, int aggregationBytes, Duration syncInterval) {
            this.averageObjectBytes = averageObjectBytes;
            this.aggregationBytes = aggregationBytes;
            this.syncInterval = syncInterval;
        }

        /**
         * These options with another average object size, which sizes a new volume's directory: one
         * ten-byte entry per this many bytes of data. Objects smaller on average than this fill the
         * directory before the ring, and the oldest of a full bucket is then evicted early.
         *
         * @param bytes from 512 to 1 GiB; the default is 8,000
         * @return a copy with this size
         * @throws IllegalArgumentException if {@code bytes} is outside [512, 1 GiB]
         */
        public Options withAverageObjectBytes(int bytes) {
            if (bytes < VolumeGeometry.MIN_AVERAGE_OBJECT || bytes > VolumeGeometry.MAX_AVERAGE_OBJECT) {
                throw new IllegalArgumentException("average object size " + bytes + " is outside ["
                        + VolumeGeometry.MIN_AVERAGE_OBJECT + ", " + VolumeGeometry.MAX_AVERAGE_OBJECT + "]");
            }
            return new Options(bytes, aggregationBytes, syncInterval);
        }

        /**
         * These options with another aggregation buffer size: records reach the file in writes of
         * this size, and no write is larger (what a crash can tear). Larger buffers make fewer,
         * larger writes; they cost twice their size in native memory (one buffer fills while the
         * other is written).
         *
         * @param bytes a multiple of 4096 from 64 KiB to 64 MiB; the default is 4 MiB
         * @return a copy with this size
         * @throws IllegalArgumentException if {@code bytes} is outside that range or not a multiple of 4096
         */
        public Options withAggregationBytes(int bytes) {
            if (bytes < (64 << 10) || bytes > (64 << 20) || bytes % CacheFormat.PAGE != 0) {
                throw new IllegalArgumentException("aggregation buffer of " + bytes
                        + " bytes is not a multiple of 4096 in [65536, 67108864]");
            }
            return new Options(averageObjectBytes, bytes, syncInterval);
        }

        /**
         * These options with another interval between directory syncs. A sync writes the whole
         * directory (ten bytes per entry); a crash loses nothing that reached the file (open replays
         * it), so the interval bounds how much open replays rather than what is lost.
         *
         * @param interval at least 10 ms, or {@link Duration#ZERO} for no background sync (only
         *                 {@link #flush()} and {@link #close()}); the default is 10 s
         * @return a copy with this interval
         * @throws IllegalArgumentException if {@code interval} is negative or between 0 and 10 ms
         */
        public Options withSyncInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.isNegative() || !interval.isZero() && interval.toMillis() < 10) {
                throw new IllegalArgumentException("sync interval " + interval + " is neither zero nor at least 10 ms");
            }
            return new Options(averageObjectBytes, aggregationBytes, interval);
        }

        /**
         * The average object size a new volume's directory is sized for.
         *
         * @return bytes per directory entry
         */
        public int averageObjectBytes() {
            return averageObjectBytes;
        }

        /**
         * The aggregation buffer's size.
         *
         * @return bytes
         */
        public int aggregationBytes() {
            return aggregationBytes;
        }

        /**
         * The interval between background directory syncs.
         *
         * @return the interval, zero for none
         */
        public Duration syncInterval() {
            return syncInterval;
        }

        /** Lists the options. */
        @Override
        public String toString() {
            return "Options[averageObjectBytes=" + averageObjectBytes + ", aggregationBytes=" + aggregationBytes
                    + ", syncInterval=" + syncInterval + "]";
        }
    }

    /**
     * What {@link #open} found and did, as bakemono's {@code Init} reports {@code corrupted}, in full.
     *
     * @param created          the file was created (or was empty) and formatted by this open
     * @param clean            the volume was closed cleanly: nothing to recover
     * @param copy             the directory copy loaded, {@code "A"} or {@code "B"}, or {@code "none"}
     *                         when neither was valid and the data region was scanned instead
     * @param syncSerial       the loaded copy's sync serial
     * @param recordsReplayed  records written after that sync and applied to the directory
     * @param bytesReplayed    their bytes
     * @param entriesDropped   entries dropped: damaged in the copy, or pointing at data that the
     *                         interrupted write may have overwritten
     * @param note             which copy, and why the other was not used, in words
     */
    public record Recovery(boolean created, boolean clean, String copy, long syncSerial, long recordsReplayed,
                           long bytesReplayed, long entriesDropped, String note) {
        /**
         * Whether opening had to recover: the volume was neither new nor cleanly closed.
         *
         * @return true after a crash or damage
         */
        public boolean recovered() {
            return !created && !clean;
        }
    }

    /**
     * The figures of a volume: what {@code mmap4j stat} prints for a cache volume. The counts
     * (hits to corrupt entries dropped, and recoveries) are over the volume's life: each sync saves
     * them with the directory, and an open goes on from the saved ones (what a crash cut short of
     * its next sync is not counted).
     *
     * @param path             the file
     * @param volumeBytes      the volume's size
     * @param dataBytes        the data region's size
     * @param directoryEntries entries in the directory (each ten bytes, in memory and in each copy)
     * @param objects          objects cached: entries in use (from a file, as of its last sync, some
     *                         of which the cursor may have passed)
     * @param fill             how much of the data region has been written at least once, 0 to 1
     * @param writeCursor      the write cursor: bytes written to the ring since creation
     * @param syncSerial       the serial of the last directory sync
     * @param hits             gets that returned a value
     * @param misses           gets that did not
     * @param evictions        objects dropped because the cursor overwrote their data or their bucket was full
     * @param bytesWritten     bytes of records written to the file
     * @param corruptDropped   entries dropped because their record failed a check
     * @param recoveries       opens that had to recover, over the volume's life
     */
    public record Stats(Path path, long volumeBytes, long dataBytes, long directoryEntries, long objects, double fill,
                        long writeCursor, long syncSerial, long hits, long misses, long evictions, long bytesWritten,
                        long corruptDropped, long recoveries) {
        /**
         * Hits over gets.
         *
         * @return from 0 to 1; 0 before any get
         */
        public double hitRatio() {
            long gets = hits + misses;
            return gets == 0 ? 0 : (double) hits / gets;
        }

        /**
         * Directory memory per object: ten bytes per entry over the objects cached.
         *
         * @return bytes, or the whole directory's bytes when empty
         */
        public double directoryBytesPerObject() {
            return directoryEntries * (double) CacheFormat.ENTRY_BYTES / Math.max(1, objects);
        }
    }

    /**
     * One problem {@link #verify(Path)} found.
     *
     * @param offset   the byte offset in the file of the damaged field, entry or record
     * @param field    what is there, as {@code docs/cache-volume-format.md} names it
     * @param found    the value found, as text
     * @param expected what the format allows there, as text
     */
    public record Problem(long offset, String field, String found, String expected) {
        /** The problem in words. */
        @Override
        public String toString() {
            return "at byte offset " + offset + ": " + field + " is " + found + ", expected " + expected;
        }

        CorruptVolumeException exception(Path path) {
            return new CorruptVolumeException(path, offset, field, found, expected);
        }
    }
}
