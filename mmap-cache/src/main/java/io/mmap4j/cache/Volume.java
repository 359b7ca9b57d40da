package io.mmap4j.cache;

import static io.mmap4j.cache.CacheFormat.BUCKET_DEPTH;
import static io.mmap4j.cache.CacheFormat.COPY_HEADER_BYTES;
import static io.mmap4j.cache.CacheFormat.ENTRY_BYTES;
import static io.mmap4j.cache.CacheFormat.KIND_OBJECT;
import static io.mmap4j.cache.CacheFormat.KIND_TOMBSTONE;
import static io.mmap4j.cache.CacheFormat.MAX_VALUE_BYTES;
import static io.mmap4j.cache.CacheFormat.RECORD_HEADER_BYTES;
import static io.mmap4j.cache.CacheFormat.UNIT;

import io.mmap4j.cache.DirectoryCopy.Checked;
import io.mmap4j.cache.DirectoryCopy.Counts;
import io.mmap4j.cache.DirectoryCopy.State;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * The engine of a {@link CacheVolume}: the ring of records, the write cursor, the aggregation
 * buffer, the directory, recovery and sync. {@code CacheVolume} adds the public contract (argument
 * checks, the closed state, the sync timer); {@link VolumeVerifier} runs the recovery read-only.
 *
 * <h2>Positions</h2>
 * A ring position is a byte count since the volume was created, never wrapping; it lives at data
 * offset {@code position mod D}. The cursor {@code C} is the end of the last reserved record;
 * {@code F <= C} the end of what has reached the file; {@code [F, C)} sits in the two aggregation
 * buffers (the one being filled, and the one the I/O thread may be writing), and records never
 * straddle a buffer's ends. A record at {@code p} is intact while
 * {@code C <= p + D}: the bytes at its offset are only rewritten once a record reaches
 * {@code p + D}, and reserving always precedes writing. A directory entry keeps {@code p mod D}
 * in units of 512 bytes and the parity of {@code p / D} (the phase), which with {@code C} give back
 * {@code p} or tell that the entry's data is gone: Traffic Server's rule, no read needed.
 *
 * <h2>Threads</h2>
 * One writer at a time holds {@link #lock}; readers never lock (except to drop an entry they found
 * damaged). Readers validate what they read: the directory through its segment versions, record
 * bytes by reading {@code C} (or the start of the buffer they copied from) again after the copy.
 */
final class Volume {
    /** A probe's answer when the record at an entry holds the key asked for. */
    static final int SAME_KEY = 1;
    static final int OTHER_KEY = 0;
    /** The record is damaged: its header or lengths do not check, while its bytes were stable. */
    static final int DAMAGED = -1;
    /** The record was overwritten or moved while it was read: a plain miss. */
    static final int GONE = -2;

    /** {@link #locate}'s answer for a record in the file. */
    private static final long FILE = -1;
    /** {@link #locate}'s answer for a record in neither buffer nor the file: it moved meanwhile. */
    private static final long MOVED = -2;
    /** The start of a buffer that holds nothing. */
    private static final long NOWHERE = Long.MAX_VALUE;
    /** Bytes of a value copied, then checksummed, at a time: well within a core's L2 cache. */
    private static final int CRC_PIECE = 64 << 10;

    final VolumeHeader header;
    final VolumeGeometry g;
    final long dataBytes;
    final MemorySegment file;
    /** Every write and force of the file, on a thread no caller can interrupt; null when only reading. */
    private final ChannelWriter io;
    final Directory dir;
    private final long totalBuckets;
    /**
     * The writers' lock. Fair: a sync (and a reader that waits for a busy segment) queues behind the
     * writers already waiting, instead of losing the lock to a writer that barges in again and
     * again, so the background sync makes progress under constant writes.
     */
    final ReentrantLock lock = new ReentrantLock(true);
    private final ReentrantLock syncLock = new ReentrantLock();
    private final Arena aggArena;
    /** The two aggregation buffers: the writer fills one while the I/O thread writes the other. */
    private final MemorySegment[] agg;
    final int aggBytes;
    /**
     * One directory copy's bytes, reused by every sync under {@link #syncLock} (Traffic Server keeps
     * its sync buffer too): the snapshot the sync writes, so that a sync never needs memory it might
     * not get, and the writers wait only for a memory copy. Native, as the I/O thread writes it.
     */
    private final MemorySegment syncBuffer;
    /**
     * The CRC of the long checks of recovery (directory copies, replayed records): direct for a
     * volume opened to write, which holds its file's lock; through a heap copy for the verifier's
     * read-only volume, whose file another process may cut short under it.
     */
    final MappedCrc mappedCrc;
    /** Reused under {@link #lock} to checksum a record as it is copied in. */
    private final CRC32C writeCrc = new CRC32C();

    /** The write cursor C: end of the last reserved record. Written under {@link #lock}. */
    private volatile long cursor;
    /**
     * F: end of what has been written to the file. Records at or past it are in a buffer. Written
     * under {@link #lock} only, once the write that took it there is known to be done.
     */
    private volatile long flushed;
    /**
     * The ring position of each buffer's first byte, or {@link #NOWHERE}: buffer {@link #fill}
     * holds {@code [start, C)}; the other, until it is refilled, what it held when it was handed to
     * the I/O thread. A buffer's start changes before it is refilled, so a reader that copied from
     * it and sees the same start again copied stable bytes.
     */
    private volatile long start0 = NOWHERE;
    private volatile long start1 = NOWHERE;
    /** The buffer being filled, 0 or 1. Under {@link #lock}. */
    private int fill;
    /** The write of the other buffer, under way or not yet waited for, and its ring positions; under {@link #lock}. */
    private Future<?> pending;
    private long pendingFrom;
    private long pendingTo;
    /** The sync serial of the last directory copy; records written now carry it. Under {@link #lock}. */
    private volatile long serial;
    private int nextCopy;
    private long lastClean;
    private long[] segmentCleaned;
    private volatile long recoveries;

    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder corrupt = new LongAdder();
    private volatile long evictions;
    private volatile long bytesWritten;
    private volatile long syncs;

    /** The writer's filter for {@link Directory#removeIf}; used under {@link #lock} only. */
    private final Sweep sweep = new Sweep();

    Volume(VolumeHeader header, MemorySegment file, ChannelWriter io, int aggBytes) {
        this.header = header;
        this.g = header.geometry();
        this.dataBytes = g.dataBytes();
        this.file = file;
        this.io = io;
        this.dir = new Directory(g);
        this.totalBuckets = (long) g.segments() * g.bucketsPerSegment();
        this.aggBytes = aggBytes;
        this.aggArena = Arena.ofShared();
        this.agg = io == null ? new MemorySegment[] {MemorySegment.NULL, MemorySegment.NULL}
                : new MemorySegment[] {aggArena.allocate(aggBytes, CacheFormat.PAGE),
                        aggArena.allocate(aggBytes, CacheFormat.PAGE)};
        this.mappedCrc = io == null ? MappedCrc.guarded() : MappedCrc.DIRECT;
        this.syncBuffer = io == null ? MemorySegment.NULL : aggArena.allocate(g.copyBytes(), CacheFormat.PAGE);
        this.segmentCleaned = new long[g.segments()];
    }

    // ---------------------------------------------------------------------------------------------
    // Keys and positions

    long hash(byte[] key) {
        return SipHash.hash(header.hashKey0(), header.hashKey1(), key);
    }

    static int tag(long hash) {
        return (int) hash & DirEntry.MAX_TAG;
    }

    int segment(long hash) {
        return (int) (Long.remainderUnsigned(hash >>> 12, totalBuckets) / g.bucketsPerSegment());
    }

    int bucket(long hash) {
        return (int) (Long.remainderUnsigned(hash >>> 12, totalBuckets) % g.bucketsPerSegment());
    }

    /** The ring position of an entry's record given the cursor {@code c}, or -1 if its data is gone. */
    long position(long lo, short hi, long c) {
        long units = DirEntry.offset(lo, hi);
        if (units == 0) {
            return -1;
        }
        long off = (units - 1) * UNIT;
        long lap = c / dataBytes;
        long at = c - lap * dataBytes;
        int phase = (int) (lap & 1);
        if (off < at) {
            return DirEntry.phase(lo) == phase ? lap * dataBytes + off : -1;
        }
        return DirEntry.phase(lo) != phase && lap > 0 && off < dataBytes ? (lap - 1) * dataBytes + off : -1;
    }

    long cursor() {
        return cursor;
    }

    /** The buffer every sync snapshots the directory into; for tests. */
    MemorySegment syncBuffer() {
        return syncBuffer;
    }

    long serial() {
        return serial;
    }

    // ---------------------------------------------------------------------------------------------
    // Reading

    /**
     * Probes {@code key}'s bucket: the ring position of its record, or -1 on a miss. With
     * {@code dataNeeded} false, the first entry with the key's tag whose data is not overwritten
     * (no record read); else the one whose record's key is {@code key}, read and compared, passing
     * over tag collisions with other keys (Traffic Server's {@code last_collision}). A damaged
     * record found on the way is dropped from the directory and counted.
     */
    private long find(byte[] key, long hash, boolean dataNeeded) {
        int seg = segment(hash);
        int tag = tag(hash);
        int head = bucket(hash) * BUCKET_DEPTH;
        boolean locked = false;
        try {
            for (int attempt = 0; ; attempt++) {
                if (attempt == 64) {
                    lock.lock(); // a writer that keeps changing this segment: wait for it once
                    locked = true;
                }
                long v = dir.readBegin(seg);
                int e = head;
                boolean restart = false;
                for (int steps = 0; steps <= dir.perSegment; steps++) {
                    long lo = dir.lo(seg, e);
                    short hi = dir.hi(seg, e);
                    if (Directory.isEmpty(lo, hi)) {
                        break;
                    }
                    if (DirEntry.tag(lo) == tag) {
                        long p = position(lo, hi, cursor);
                        if (p >= 0) {
                            if (!dir.readValid(seg, v)) {
                                restart = true;
                                break;
                            }
                            if (!dataNeeded) {
                                return p;
                            }
                            int m = matches(p, key, DirEntry.approxBytes(lo));
                            if (m == SAME_KEY) {
                                return p;
                            }
                            if (m == DAMAGED) {
                                dropDamaged(seg, head / BUCKET_DEPTH, p);
                                restart = true;
                                break;
                            }
                            if (m == GONE) {
                                return -1;
                            }
                            if (!dir.readValid(seg, v)) {
                                restart = true;
                                break;
                            }
                        }
                    }
                    e = DirEntry.next(lo);
                    if (e == 0) {
                        break;
                    }
                }
                if (!restart && dir.readValid(seg, v)) {
                    return -1;
                }
            }
        } finally {
            if (locked) {
                lock.unlock();
            }
        }
    }

    /** Whether the directory holds an entry for {@code key}'s tag whose data is not overwritten: no data read. */
    boolean contains(byte[] key) {
        return find(key, hash(key), false) >= 0;
    }

    /** The value of {@code key}, or null on a miss, including every fault. */
    byte[] get(byte[] key) {
        long hash = hash(key);
        while (true) {
            long p = find(key, hash, true);
            long loc = p < 0 ? MOVED : locate(p);
            long length = loc == MOVED ? GONE : valueLength(p, loc, key.length, hash);
            if (length == GONE) {
                misses.increment();
                return null;
            }
            if (length == DAMAGED) {
                continue;
            }
            MemorySegment s = source(loc);
            int bodyCrc = Records.bodyCrc(s, offset(p, loc));
            byte[] value = new byte[(int) length];
            MemorySegment.copy(s, ValueLayout.JAVA_BYTE, Records.keyAt(offset(p, loc)) + key.length, value, 0,
                    value.length);
            CRC32C crc = new CRC32C();
            crc.update(key);
            crc.update(value);
            if (verified(p, loc, (int) crc.getValue(), bodyCrc, hash)) {
                return value;
            }
            if (!stillThere(p, loc)) {
                return null;
            }
        }
    }

    /** Copies the value of {@code key} into {@code dst} if it fits: its length, or -1 on a miss. */
    long get(byte[] key, MemorySegment dst) {
        long hash = hash(key);
        while (true) {
            long p = find(key, hash, true);
            long loc = p < 0 ? MOVED : locate(p);
            long length = loc == MOVED ? GONE : valueLength(p, loc, key.length, hash);
            if (length == GONE) {
                misses.increment();
                return -1;
            }
            if (length == DAMAGED) {
                continue;
            }
            if (length > dst.byteSize()) {
                hits.increment();
                return length; // the caller sees it did not fit
            }
            MemorySegment s = source(loc);
            int bodyCrc = Records.bodyCrc(s, offset(p, loc));
            MemorySegment.copy(s, Records.keyAt(offset(p, loc)) + key.length, dst, 0, length);
            CRC32C crc = new CRC32C();
            crc.update(key);
            CacheFormat.update(crc, dst, 0, length);
            if (verified(p, loc, (int) crc.getValue(), bodyCrc, hash)) {
                return length;
            }
            if (!stillThere(p, loc)) {
                return -1;
            }
        }
    }

    /**
     * Where the record at {@code p} is now: {@link #FILE}; or a buffer, as its start plus its index
     * (starts are multiples of 512); or {@link #MOVED}. The buffer whose start is the greatest at
     * or before {@code p} holds it, unless it reached the file meanwhile: F is read after the
     * starts, so a start that changed because its buffer was refilled comes with an F past
     * {@code p}.
     */
    private long locate(long p) {
        long s0 = start0;
        long s1 = start1;
        if (p < flushed) {
            return FILE;
        }
        if (s0 <= p && (s1 > p || s0 > s1)) {
            return s0;
        }
        return s1 <= p ? s1 | 1 : MOVED;
    }

    private MemorySegment source(long loc) {
        return loc == FILE ? file : agg[(int) (loc & 1)];
    }

    private long offset(long p, long loc) {
        return loc == FILE ? g.fileOffset(p) : p - (loc & ~1L);
    }

    /**
     * The value length of the record at {@code p}, whose header {@link #matches} checked: or
     * {@link #GONE} if the record was overwritten meanwhile, or {@link #DAMAGED} if it runs past
     * where it can (its entry then dropped: probe again).
     */
    private long valueLength(long p, long loc, int keyLength, long hash) {
        MemorySegment s = source(loc);
        long at = offset(p, loc);
        if (loc != FILE && at > aggBytes - RECORD_HEADER_BYTES) {
            return GONE; // a start read before its buffer was refilled
        }
        long length = Records.valueLength(s, at);
        long end = RECORD_HEADER_BYTES + keyLength + length;
        if (length <= MAX_VALUE_BYTES && end <= dataBytes - p % dataBytes && (loc == FILE || at + end <= aggBytes)) {
            return length;
        }
        if (stillThere(p, loc)) {
            dropDamaged(segment(hash), bucket(hash), p);
            return DAMAGED;
        }
        return GONE;
    }

    /**
     * After a value was copied: whether it is the record's, whole. Counts a hit; a copy the
     * cursor overtook counts a miss; a CRC that fails while the bytes were stable drops the entry.
     */
    private boolean verified(long p, long loc, int crc, int bodyCrc, long hash) {
        if (!stillThere(p, loc)) {
            misses.increment();
            return false;
        }
        if (crc != bodyCrc) {
            dropDamaged(segment(hash), bucket(hash), p);
            return false;
        }
        hits.increment();
        return true;
    }

    /**
     * Whether the record at {@code p} holds {@code key}: {@link #SAME_KEY}, {@link #OTHER_KEY},
     * {@link #DAMAGED} or {@link #GONE}. Reads the header and the key, not the value.
     */
    int matches(long p, byte[] key, long approxBytes) {
        long loc = locate(p);
        if (loc == MOVED) {
            return GONE;
        }
        MemorySegment s = source(loc);
        long at = offset(p, loc);
        long room = Math.min(approxBytes, dataBytes - p % dataBytes);
        if (loc != FILE) {
            if (at > aggBytes - RECORD_HEADER_BYTES) {
                return GONE; // a start read before its buffer was refilled
            }
            room = Math.min(room, aggBytes - at);
        }
        int result;
        if (!Records.headerAt(s, at, p, header.volumeId(), room) || Records.kind(s, at) != KIND_OBJECT) {
            result = DAMAGED;
        } else if (Records.keyLength(s, at) != key.length) {
            result = OTHER_KEY;
        } else {
            result = Records.keyEquals(s, at, key) ? SAME_KEY : OTHER_KEY;
        }
        return stillThere(p, loc) ? result : GONE;
    }

    /** After reading the record at {@code p} from where {@link #locate} said: whether those bytes were stable. */
    private boolean stillThere(long p, long loc) {
        // The reads of the record must not move after the re-read of the start or of C.
        VarHandle.loadLoadFence();
        return loc == FILE ? cursor <= p + dataBytes : start((int) (loc & 1)) == (loc & ~1L);
    }

    private long start(int buffer) {
        return buffer == 0 ? start0 : start1;
    }

    /** Says where buffer {@code buffer} starts now: before any byte of its new records is written into it. */
    private void setStart(int buffer, long position) {
        if (buffer == 0) {
            start0 = position;
        } else {
            start1 = position;
        }
        VarHandle.storeStoreFence();
    }

    /** Drops the entry of the record at {@code p} that a reader found damaged, and counts it. */
    private void dropDamaged(int seg, int bucket, long p) {
        lock.lock();
        try {
            dir.writeBegin(seg);
            try {
                long c = cursor;
                int n = dir.removeIf(seg, bucket, (lo, hi) -> position(lo, hi, c) == p);
                corrupt.add(n);
            } finally {
                dir.writeEnd(seg);
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Writing (under lock)

    /** Stores {@code value} under {@code key}: appends the record, then publishes its entry. */
    void set(byte[] key, byte[] value) throws IOException {
        long hash = hash(key);
        long p = append(KIND_OBJECT, key, value);
        publish(key, hash, p, CacheFormat.recordBytes(key.length, value.length));
        maybeClean();
    }

    /** Removes {@code key}'s entry; if there was one, appends a tombstone so that recovery removes it too. */
    boolean remove(byte[] key) throws IOException {
        long hash = hash(key);
        int seg = segment(hash);
        dir.writeBegin(seg);
        int removed;
        try {
            removed = sweep.sameKey(key, tag(hash)).run(seg, bucket(hash));
        } finally {
            dir.writeEnd(seg);
        }
        if (removed > 0) {
            append(KIND_TOMBSTONE, key, new byte[0]);
            maybeClean();
        }
        return removed > 0;
    }

    /** Puts the entry of the record at {@code p} in the directory, replacing the key's older entry. */
    private void publish(byte[] key, long hash, long p, long recordBytes) {
        int seg = segment(hash);
        int bucket = bucket(hash);
        int tag = tag(hash);
        long lo = DirEntry.make(p % dataBytes / UNIT + 1, recordBytes, tag, (int) (p / dataBytes & 1));
        short hi = DirEntry.offsetHigh(p % dataBytes / UNIT + 1);
        dir.writeBegin(seg);
        try {
            sweep.sameKey(key, tag).run(seg, bucket);
            if (dir.insert(seg, bucket, lo, hi) < 0) {
                if (cursor - segmentCleaned[seg] >= dataBytes / 16) {
                    segmentCleaned[seg] = cursor;
                    for (int b = 0; b < g.bucketsPerSegment(); b++) {
                        sweep.stale().run(seg, b);
                    }
                }
                if (dir.insert(seg, bucket, lo, hi) < 0) {
                    sweep.oldest(seg, bucket).run(seg, bucket);
                    dir.insert(seg, bucket, lo, hi);
                }
            }
        } finally {
            dir.writeEnd(seg);
        }
    }

    /** Appends a record and returns its ring position; it is in a buffer or the file. */
    private long append(int kind, byte[] key, byte[] value) throws IOException {
        long bytes = CacheFormat.recordBytes(key.length, value.length);
        if (bytes > aggBytes) {
            return appendLarge(kind, key, value, bytes);
        }
        if (cursor - start(fill) + bytes > aggBytes) {
            seal();
        }
        long p = reserve(bytes);
        MemorySegment buf = agg[fill];
        long at = p - start(fill);
        long keyAt = Records.keyAt(at);
        CRC32C crc = writeCrc;
        crc.reset();
        MemorySegment.copy(key, 0, buf, ValueLayout.JAVA_BYTE, keyAt, key.length);
        crc.update(key);
        // The checksum of each piece right after its copy, while the piece is in the CPU's cache:
        // one pass over the value from memory instead of two.
        for (int done = 0; done < value.length; done += CRC_PIECE) {
            int n = Math.min(CRC_PIECE, value.length - done);
            MemorySegment.copy(value, done, buf, ValueLayout.JAVA_BYTE, keyAt + key.length + done, n);
            crc.update(value, done, n);
        }
        long end = keyAt + key.length + value.length;
        buf.asSlice(end, at + bytes - end).fill((byte) 0);
        Records.writeHeader(buf, at, kind, key.length, value.length, p, serial, (int) crc.getValue(),
                header.volumeId());
        return p;
    }

    /**
     * Appends a record larger than a buffer through one, a buffer's bytes at a time, so that no
     * single write is larger than a buffer (what a crash can tear stays bounded). Its entry is
     * published once it is all in the file.
     */
    private long appendLarge(int kind, byte[] key, byte[] value, long bytes) throws IOException {
        CRC32C crc = writeCrc;
        crc.reset();
        crc.update(key);
        crc.update(value);
        int bodyCrc = (int) crc.getValue();
        flushAggregate();
        long p = reserve(bytes);
        MemorySegment buf = agg[fill];
        long done = 0; // bytes of the record written
        while (done < bytes) {
            long n = Math.min(aggBytes, bytes - done);
            buf.asSlice(0, n).fill((byte) 0);
            // The record is header | key | value | zeros; copy the part [done, done + n) of it.
            long keyFrom = RECORD_HEADER_BYTES;
            long valueFrom = keyFrom + key.length;
            copyPart(buf, key, keyFrom, done, n);
            copyPart(buf, value, valueFrom, done, n);
            if (done == 0) {
                Records.writeHeader(buf, 0, kind, key.length, value.length, p, serial, bodyCrc, header.volumeId());
            }
            io.write(buf.asSlice(0, n), g.fileOffset(p + done));
            done += n;
        }
        bytesWritten += bytes;
        // No record of the buffer's own was in it (it was empty): it starts again, empty, at C.
        setStart(fill, cursor);
        flushed = cursor;
        return p;
    }

    /** Copies the bytes of {@code part}, which sits at {@code from} in a record, that fall in the window [done, done + n). */
    private static void copyPart(MemorySegment buf, byte[] part, long from, long done, long n) {
        long start = Math.max(from, done);
        long end = Math.min(from + part.length, done + n);
        if (start < end) {
            MemorySegment.copy(part, (int) (start - from), buf, ValueLayout.JAVA_BYTE, start - done, (int) (end - start));
        }
    }

    /**
     * Reserves {@code bytes} at the cursor, skipping the rest of the lap when they do not fit before
     * its end. A buffer goes to the file in one write at its start's offset, so it only ever holds
     * one lap's bytes: a record that starts the next lap, after a skip or right after a record that
     * ended exactly at the lap's end, first sends the buffer to the file.
     */
    private long reserve(long bytes) throws IOException {
        long p = cursor;
        long at = p % dataBytes;
        if (at + bytes > dataBytes) {
            p += dataBytes - at;
        }
        long s = start(fill);
        if (p != cursor || s < cursor && s / dataBytes != p / dataBytes) {
            flushAggregate();
            if (p != cursor) {
                cursor = p;
                setStart(fill, p);
                flushed = p;
            }
        }
        // Published before the bytes are written: readers of what these bytes overwrite see C move first.
        cursor = p + bytes;
        return p;
    }

    /**
     * Hands the buffer being filled to the I/O thread, to be written in one large sequential write,
     * and goes on filling the other one, once that one's own write is done. The new write is queued
     * before the wait, so that the I/O thread starts it the moment the other ends, never idle
     * while a full buffer waits for the writer to wake up; it still runs one write at a time, in
     * ring order, so what a crash can tear stays one buffer past the last whole record.
     */
    private void seal() throws IOException {
        long from = start(fill);
        long to = cursor;
        if (from >= to) {
            return;
        }
        assert from % dataBytes + (to - from) <= dataBytes : "buffer [" + from + ", " + to + ") crosses a lap's end";
        Future<?> write = io.start(agg[fill].asSlice(0, to - from), g.fileOffset(from));
        try {
            awaitWrite(); // the other buffer's write: done before the buffer is refilled
        } finally {
            pending = write;
            pendingFrom = from;
            pendingTo = to;
            fill ^= 1;
            setStart(fill, to);
        }
    }

    /**
     * Waits for the write under way, if any; then F is its end. If it failed, the records it held
     * never reached the file: their entries are dropped (a cache may drop objects), then the
     * failure is reported.
     */
    private void awaitWrite() throws IOException {
        Future<?> write = pending;
        if (write == null) {
            return;
        }
        pending = null;
        try {
            ChannelWriter.await(write);
        } catch (IOException | RuntimeException e) {
            long from = pendingFrom;
            long to = pendingTo;
            for (int seg = 0; seg < g.segments(); seg++) {
                dir.writeBegin(seg);
                try {
                    for (int b = 0; b < g.bucketsPerSegment(); b++) {
                        long c = cursor;
                        dir.removeIf(seg, b, (lo, hi) -> {
                            long q = position(lo, hi, c);
                            return q >= from && q < to;
                        });
                    }
                } finally {
                    dir.writeEnd(seg);
                }
            }
            flushed = to;
            throw e;
        }
        bytesWritten += pendingTo - pendingFrom;
        // The records are in the file: readers go there from now, so the buffer may be refilled.
        flushed = pendingTo;
    }

    /** Writes the buffered records to the file and waits for every write under way: then F is C. */
    void flushAggregate() throws IOException {
        seal();
        awaitWrite();
    }

    /** Drops the entries whose data the cursor has passed, every quarter lap, so that none outlives two laps. */
    private void maybeClean() {
        // Sweeps at most D/4 + one record (at most D/4) + a skipped tail (under D/4) apart: one
        // always falls in the lap during which an entry's phase says its data is gone.
        if (cursor - lastClean >= dataBytes / 4) {
            lastClean = cursor;
            evictions += sweepAll(sweep.stale());
        }
    }

    /** Drops every entry whose data the cursor has passed, so that the count of objects is exact. */
    void sweepStale() {
        lock.lock();
        try {
            evictions += sweepAll(sweep.stale());
        } finally {
            lock.unlock();
        }
    }

    private long sweepAll(Sweep s) {
        long removed = 0;
        for (int seg = 0; seg < g.segments(); seg++) {
            dir.writeBegin(seg);
            try {
                for (int b = 0; b < g.bucketsPerSegment(); b++) {
                    removed += dir.removeIf(seg, b, s);
                }
            } finally {
                dir.writeEnd(seg);
            }
        }
        return removed;
    }

    /**
     * The writer's entry filter, one instance reused under the lock: drops entries whose data is
     * gone (counted as evictions) and, in {@link #sameKey} mode, the key's older entries (found by
     * reading their records' keys: a tag match of another key is kept) and damaged ones.
     */
    private final class Sweep implements Directory.Filter {
        private static final int STALE = 0;
        private static final int SAME_KEY_MODE = 1;
        private static final int OLDEST = 2;
        private static final int RANGE = 3;
        private int mode;
        private byte[] key;
        private int tag;
        private long target;
        private long end;

        Sweep sameKey(byte[] key, int tag) {
            this.mode = SAME_KEY_MODE;
            this.key = key;
            this.tag = tag;
            return this;
        }

        Sweep stale() {
            this.mode = STALE;
            return this;
        }

        /** Drops entries of records at ring positions in [from, to): those a crash may have torn. */
        Sweep range(long from, long to) {
            this.mode = RANGE;
            this.target = from;
            this.end = to;
            return this;
        }

        /** Drops the oldest entry of the bucket: the one the cursor will overwrite first. */
        Sweep oldest(int seg, int bucket) {
            long c = cursor;
            long oldest = Long.MAX_VALUE;
            int e = bucket * BUCKET_DEPTH;
            for (int steps = 0; steps <= dir.perSegment; steps++) {
                long lo = dir.lo(seg, e);
                long p = position(lo, dir.hi(seg, e), c);
                oldest = Math.min(oldest, p < 0 ? Long.MIN_VALUE : p);
                e = DirEntry.next(lo);
                if (e == 0) {
                    break;
                }
            }
            this.mode = OLDEST;
            this.target = oldest;
            return this;
        }

        int run(int seg, int bucket) {
            return dir.removeIf(seg, bucket, this);
        }

        @Override
        public boolean drop(long lo, short hi) {
            long p = position(lo, hi, cursor);
            if (p < 0) {
                if (mode != RANGE) {
                    evictions++;
                }
                return true;
            }
            switch (mode) {
                case SAME_KEY_MODE -> {
                    if (DirEntry.tag(lo) != tag) {
                        return false;
                    }
                    int m = matches(p, key, DirEntry.approxBytes(lo));
                    if (m == DAMAGED) {
                        corrupt.increment();
                    }
                    return m != OTHER_KEY;
                }
                case OLDEST -> {
                    if (p == target) {
                        target = Long.MIN_VALUE + 1; // one entry only
                        evictions++;
                        return true;
                    }
                    return false;
                }
                case RANGE -> {
                    return p >= target && p < end;
                }
                default -> {
                    return false;
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Sync and recovery

    /**
     * Saves the directory to the copy not written last: flushes the aggregation buffer, takes a
     * snapshot under the lock, forces the data, writes header, entries and footer, forces again.
     * Traffic Server's order: a copy never names data that is not on the disk before it.
     */
    void sync(boolean clean) throws IOException {
        syncLock.lock();
        try {
            MemorySegment buf = syncBuffer;
            State state;
            int copy;
            lock.lock();
            try {
                flushAggregate();
                serial = serial + 1;
                state = new State(serial, cursor, dir.used(), recoveries, aggBytes, clean, counts());
                MemorySegment.copy(dir.entries, 0, buf, COPY_HEADER_BYTES, dir.entries.byteSize());
                copy = nextCopy;
                nextCopy ^= 1;
            } finally {
                lock.unlock();
            }
            io.force();
            DirectoryCopy.encode(buf, g, state);
            io.write(buf, g.copyOffset(copy));
            io.force();
            syncs++;
        } finally {
            syncLock.unlock();
        }
    }

    /**
     * Loads the newer valid directory copy, then replays the records written after it, as
     * Traffic Server's {@code recover_data}: from the copy's cursor, every record written there since
     * that sync (its position and serial say so, its CRCs check) is applied in order (a set puts its
     * entry, a removal removes), up to the first that is not; the cursor resumes there. Entries of the
     * previous lap that the interrupted write may have torn are dropped. With no valid copy, the whole
     * data region is scanned instead.
     */
    CacheVolume.Recovery recover(Directory.Reporter reporter) {
        Checked a = DirectoryCopy.check(file, g, 0, mappedCrc);
        Checked b = DirectoryCopy.check(file, g, 1, mappedCrc);
        Checked chosen = DirectoryCopy.newer(a, b);
        long droppedAtLoad = 0;
        long replayed = 0;
        long replayedBytes = 0;
        String note;
        boolean clean;
        if (chosen != null) {
            State s = chosen.state();
            MemorySegment.copy(file, g.copyOffset(chosen.copy()) + COPY_HEADER_BYTES, dir.entries, 0,
                    g.entries() * ENTRY_BYTES);
            long maxUnits = dataBytes / UNIT;
            droppedAtLoad = dir.rebuild((lo, hi) -> DirEntry.offset(lo, hi) > maxUnits || DirEntry.head(lo) != 1
                    || DirEntry.pinned(lo) != 0 || DirEntry.token(lo) != 0, reporter);
            cursor = s.cursor();
            flushed = s.cursor();
            serial = s.serial();
            recoveries = s.recoveries();
            Checked other = chosen == a ? b : a;
            note = "copy " + DirectoryCopy.NAMES[chosen.copy()] + " (sync serial " + s.serial() + ")"
                    + (other.valid() ? "" : "; copy " + DirectoryCopy.NAMES[other.copy()] + " not valid: "
                    + other.problem());
            sweepAll(sweep.stale());
            lastClean = s.cursor();
            long[] counts = replay(s.cursor(), s.serial(), true);
            replayed = counts[0];
            replayedBytes = counts[1];
            clean = s.clean() && replayed == 0;
            nextCopy = chosen.copy() ^ 1;
            serial = Math.max(serial, counts[2]) + 2; // past any serial a torn sync or record may carry
            if (!clean) {
                sweepAll(sweep.stale()); // what the replay's cursor passed: evictions, not damage
                droppedAtLoad += dropTorn(s.writeBytes(), counts[2]);
            }
        } else {
            note = "no valid directory copy (copy A: " + a.problem() + "; copy B: " + b.problem()
                    + "): the data region was scanned";
            long[] end = scanAll();
            cursor = end[0];
            flushed = end[0];
            long[] counts = replay(Math.max(0, end[0] - dataBytes), 0, false);
            replayed = counts[0];
            replayedBytes = counts[1];
            serial = end[1] + 2;
            clean = false;
            sweepAll(sweep.stale());
            droppedAtLoad += dropTorn(aggBytes, 0);
        }
        // The copy may hold entries whose data the cursor has since passed: the half-lap sweeps
        // start from a swept directory, so no entry outlives two laps (where its phase would lie).
        sweepAll(sweep.stale());
        lastClean = cursor;
        java.util.Arrays.fill(segmentCleaned, cursor);
        fill = 0;
        setStart(0, cursor); // both buffers empty: the first fills from the cursor
        setStart(1, NOWHERE);
        long dropped = droppedAtLoad;
        if (!clean) {
            recoveries++;
        }
        // The counts go on from the loaded copy's (what this recovery swept is not counted).
        Counts base = chosen == null ? Counts.NONE : chosen.state().counts();
        hits.reset();
        hits.add(base.hits());
        misses.reset();
        misses.add(base.misses());
        evictions = base.evictions();
        bytesWritten = base.bytesWritten();
        corrupt.reset();
        corrupt.add(base.corruptDropped());
        return new CacheVolume.Recovery(false, clean, chosen == null ? "none" : DirectoryCopy.NAMES[chosen.copy()],
                chosen == null ? 0 : chosen.state().serial(), replayed, replayedBytes, dropped, note);
    }

    /**
     * Drops the entries of the previous lap whose bytes the interrupted writer may have overwritten
     * past the cursor: one write of at most {@code writeBytes}, or the pieces of a large record
     * whose header made it. If the cursor is near the lap's end, the writer may have skipped to the
     * next lap's start, so the same is done there.
     */
    private long dropTorn(int writeBytes, long minSerial) {
        long p = cursor;
        long dropped = sweepAll(sweep.range(p - dataBytes, p - dataBytes + tornBytes(p, writeBytes, minSerial)));
        if (dataBytes - p % dataBytes < dataBytes / 4 + UNIT) {
            long lapStart = p - p % dataBytes + dataBytes;
            dropped += sweepAll(sweep.range(lapStart - dataBytes,
                    lapStart - dataBytes + tornBytes(lapStart, writeBytes, minSerial)));
        }
        return dropped;
    }

    private long tornBytes(long p, int writeBytes, long minSerial) {
        long at = g.fileOffset(p);
        if (Records.headerAt(file, at, p, header.volumeId(), dataBytes - p % dataBytes)
                && Records.serial(file, at) >= minSerial) {
            return Math.max(writeBytes, CacheFormat.recordBytes(Records.keyLength(file, at), Records.valueLength(file, at)));
        }
        return writeBytes;
    }

    /**
     * Applies the records from ring position {@code from}: while each is sound, carries a serial
     * of at least {@code minSerial} and no lower than the one before (when {@code strict}), or, not
     * strict, every sound record up to the cursor, stepping 512 bytes over what is not one.
     *
     * @return records applied, their bytes, the highest serial seen
     */
    private long[] replay(long from, long minSerial, boolean strict) {
        long p = from;
        long applied = 0;
        long bytes = 0;
        long last = minSerial;
        long end = strict ? Long.MAX_VALUE : cursor;
        while (p < end) {
            long length = soundRecord(p, strict ? last : 0);
            if (length < 0 && strict && p % dataBytes != 0) {
                long lapStart = p - p % dataBytes + dataBytes; // the writer skips a lap's tail a record did not fit
                length = soundRecord(lapStart, last);
                if (length >= 0) {
                    p = lapStart;
                }
            }
            if (length < 0) {
                if (strict) {
                    break;
                }
                p += UNIT;
                continue;
            }
            long at = g.fileOffset(p);
            if (strict) {
                cursor = p + length;
                flushed = cursor;
                last = Records.serial(file, at);
            }
            byte[] key = file.asSlice(Records.keyAt(at), Records.keyLength(file, at)).toArray(ValueLayout.JAVA_BYTE);
            long hash = hash(key);
            if (Records.kind(file, at) == KIND_OBJECT) {
                publish(key, hash, p, length);
            } else {
                int seg = segment(hash);
                dir.writeBegin(seg);
                try {
                    sweep.sameKey(key, tag(hash)).run(seg, bucket(hash));
                } finally {
                    dir.writeEnd(seg);
                }
            }
            applied++;
            bytes += length;
            p += length;
            if (strict) {
                maybeClean(); // a replay may span laps
            }
        }
        return new long[] {applied, bytes, last};
    }

    /** The length of the sound record written at {@code p} with a serial of at least {@code minSerial}, or -1. */
    private long soundRecord(long p, long minSerial) {
        long at = g.fileOffset(p);
        long room = dataBytes - p % dataBytes;
        if (!Records.headerAt(file, at, p, header.volumeId(), room) || Records.serial(file, at) < minSerial
                || !Records.bodySound(file, at, mappedCrc)) {
            return -1;
        }
        return CacheFormat.recordBytes(Records.keyLength(file, at), Records.valueLength(file, at));
    }

    /** With no directory: the end of the newest sound record anywhere, and the highest serial. */
    private long[] scanAll() {
        long end = 0;
        long maxSerial = 0;
        for (long off = 0; off + RECORD_HEADER_BYTES <= dataBytes; off += UNIT) {
            long at = g.dataOffset() + off;
            long p = file.get(CacheFormat.LONG, at + CacheFormat.R_POSITION);
            if (p >= 0 && p % dataBytes == off && Records.headerAt(file, at, p, header.volumeId(), dataBytes - off)) {
                end = Math.max(end, p + CacheFormat.recordBytes(Records.keyLength(file, at), Records.valueLength(file, at)));
                maxSerial = Math.max(maxSerial, Records.serial(file, at));
            }
        }
        return new long[] {end, maxSerial};
    }

    // ---------------------------------------------------------------------------------------------
    // Figures

    long evictions() {
        return evictions;
    }

    /** The counts over the volume's life: what a sync saves. */
    Counts counts() {
        return new Counts(hits.sum(), misses.sum(), evictions, bytesWritten, corrupt.sum());
    }

    long bytesWritten() {
        return bytesWritten;
    }

    long recoveries() {
        return recoveries;
    }

    long syncs() {
        return syncs;
    }

    void close() {
        if (io != null) {
            io.close();
        }
        dir.close();
        aggArena.close();
    }
}
