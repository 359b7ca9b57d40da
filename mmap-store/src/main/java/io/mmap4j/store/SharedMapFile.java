package io.mmap4j.store;

import static io.mmap4j.store.SharedMapFormat.DATA_MAGIC;
import static io.mmap4j.store.SharedMapFormat.D_DATA_END;
import static io.mmap4j.store.SharedMapFormat.D_DATA_OFFSET;
import static io.mmap4j.store.SharedMapFormat.D_FILE_BYTES;
import static io.mmap4j.store.SharedMapFormat.D_GENERATION;
import static io.mmap4j.store.SharedMapFormat.D_INDEX_OFFSET;
import static io.mmap4j.store.SharedMapFormat.D_KEYS;
import static io.mmap4j.store.SharedMapFormat.D_LIVE_BYTES;
import static io.mmap4j.store.SharedMapFormat.D_MAGIC;
import static io.mmap4j.store.SharedMapFormat.D_RESERVED;
import static io.mmap4j.store.SharedMapFormat.D_SEED;
import static io.mmap4j.store.SharedMapFormat.D_SEQUENCE;
import static io.mmap4j.store.SharedMapFormat.D_SLOTS;
import static io.mmap4j.store.SharedMapFormat.D_USED_SLOTS;
import static io.mmap4j.store.SharedMapFormat.D_VERSION;
import static io.mmap4j.store.SharedMapFormat.INDEX_OFFSET;
import static io.mmap4j.store.SharedMapFormat.INT;
import static io.mmap4j.store.SharedMapFormat.LONG;
import static io.mmap4j.store.SharedMapFormat.MAX_KEY_BYTES;
import static io.mmap4j.store.SharedMapFormat.MAX_SLOTS;
import static io.mmap4j.store.SharedMapFormat.MAX_VALUE_BYTES;
import static io.mmap4j.store.SharedMapFormat.MOVED;
import static io.mmap4j.store.SharedMapFormat.PAGE;
import static io.mmap4j.store.SharedMapFormat.RECORD_ALIGNMENT;
import static io.mmap4j.store.SharedMapFormat.RECORD_HEADER_BYTES;
import static io.mmap4j.store.SharedMapFormat.REMOVED;
import static io.mmap4j.store.SharedMapFormat.R_CRC;
import static io.mmap4j.store.SharedMapFormat.R_KEY_LENGTH;
import static io.mmap4j.store.SharedMapFormat.R_VALUE_LENGTH;
import static io.mmap4j.store.SharedMapFormat.SLOT_BYTES;
import static io.mmap4j.store.SharedMapFormat.SLOT_REF;
import static io.mmap4j.store.SharedMapFormat.VERSION;
import static io.mmap4j.store.SharedMapFormat.WORD;
import static io.mmap4j.store.SharedMapFormat.recordBytes;

import io.mmap4j.MMap;
import io.mmap4j.MapOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * One generation of a shared map: a data file with its header page, its index of slots and its
 * append-only data region, mapped. Readers call the lookups from any thread without a lock; the
 * methods that write are called only by the holder of the writer lock.
 *
 * <p>Two mappings, so that a replaced generation goes back to the system at once. The lookups use
 * {@link #map}, mapped with an explicit lifetime: when a rewrite replaces the generation, its
 * handle closes the map, which unmaps it at once (after the JDK's handshake with every thread),
 * so the deleted file's disk or tmpfs space is freed when the last process moves on, not when a
 * garbage collector gets round to it. A lookup that was still reading it then fails with an
 * {@link IllegalStateException}, and {@link SharedMap} retries it on the new generation (a
 * lookup only reads, so a retry is harmless). What is handed out to callers (value views, entries
 * of an iteration) comes from the second mapping, {@link #views()}: read-only, mapped with
 * {@link MapOption#AUTO_UNMAP} the first time a view is asked for, so that those views stay valid
 * for as long as they are reachable, as the map's contract says. A record is never changed once
 * published, so a view shows the same bytes for as long as it lives. A writing handle has a third
 * mapping, its own, used only under the writer lock and kept after a rewrite replaces the
 * generation, to rewrite into in place once no process maps the file for reading ({@link #recycle}):
 * every mapping for reading, views included, holds a share of its generation
 * ({@link SharedMapLock#share}), which keeps the file from being rewritten under it.
 *
 * <p><b>No allocation between two accesses of {@link #map} in a read.</b> The JDK unmaps a closed
 * shared arena after a handshake with every thread: a thread it finds inside an access of the
 * mapping gets an exception there, and a compiled frame stopped where the compiler had moved the
 * mapping's is-open check away from its access is deoptimized, so that the check runs again. A
 * thread stopped in an allocation's call into the runtime (a large array, a new allocation
 * buffer), between one access and another whose check the compiler shared with the first, is
 * neither: on JDK 25.0.3 it then copies from memory already unmapped and the JVM dies (SIGSEGV in
 * the array copy of a {@code get} of an 8 MiB value racing its handle's rewrite, 1 run in about
 * 25 of {@code SharedMapReadPathTest}'s race; none since this rule). So the reads here copy a key
 * or a value out through {@link #copyKey}/{@link #copyValue}, which fence around their
 * allocation, fence after the view of a {@code byte[]} key they compare with, and hand nothing of
 * {@link #map} to other code (decoders get the copies); a loop that allocates between accesses
 * calls {@link #afterAllocation()} first.
 */
final class SharedMapFile {
    // Kinds of key for the probe, so that one loop serves all three without allocating.
    static final int BYTES = 0;
    static final int SEGMENT = 1;
    static final int STRING = 2;

    /** What {@link #find} returns when every slot is taken and none holds the key: only in a damaged file. */
    static final long NO_SLOT = Long.MIN_VALUE;

    /** Gives back the generation a view mapping shared once no view of it is reachable. */
    private static final Cleaner VIEWS_CLEANER = Cleaner.create();

    final Path path;
    final MMap map;
    final MemorySegment file;
    final long generation;
    final long seed;
    final long slots;
    final long mask;
    final long dataOffset;
    final long fileBytes;
    /** The writer's buffer over the whole file, for CRCs; see {@link #bytes}. */
    private ByteBuffer writerBuffer;
    /** The read-only, garbage-collected mapping that views come from; null until the first view. */
    private volatile SharedMapFile views;
    /** Where a reader's mapping shares its generation ({@link SharedMapLock#share}); null for a writer's. */
    private final SharedMapLock shares;

    private SharedMapFile(Path path, MMap map) {
        this(path, map, null);
    }

    private SharedMapFile(Path path, MMap map, SharedMapLock shares) {
        this.path = path;
        this.map = map;
        this.shares = shares;
        this.file = map.segment();
        this.generation = file.get(LONG, D_GENERATION);
        this.seed = file.get(LONG, D_SEED);
        this.slots = file.get(LONG, D_SLOTS);
        this.mask = slots - 1;
        this.dataOffset = file.get(LONG, D_DATA_OFFSET);
        this.fileBytes = file.get(LONG, D_FILE_BYTES);
    }

    /**
     * Creates the data file of a new generation, sized and headed, its index empty. The file is
     * new: a file of that name left by a writer that died before publishing it is replaced.
     */
    static SharedMapFile create(Path path, long generation, long seed, long slots, long dataBytes) throws IOException {
        long dataOffset = INDEX_OFFSET + slots * SLOT_BYTES;
        long fileBytes = dataOffset + dataBytes;
        Files.deleteIfExists(path);
        MMap map = MMap.open(path, fileBytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        MemorySegment s = map.segment();
        s.set(LONG, D_MAGIC, DATA_MAGIC);
        s.set(INT, D_VERSION, VERSION);
        s.set(INT, D_RESERVED, 0);
        s.set(LONG, D_GENERATION, generation);
        s.set(LONG, D_SEED, seed);
        s.set(LONG, D_SLOTS, slots);
        s.set(LONG, D_INDEX_OFFSET, INDEX_OFFSET);
        s.set(LONG, D_DATA_OFFSET, dataOffset);
        s.set(LONG, D_FILE_BYTES, fileBytes);
        s.set(LONG, D_DATA_END, dataOffset);
        return new SharedMapFile(path, map);
    }

    /**
     * This file, which the caller holds the exclusive lock of ({@link SharedMapLock#exclusive})
     * and renamed to {@code path}, made the empty data file of {@code generation}: the header's
     * generation first (so that a reader still holding the old name's descriptor, should it lock
     * the old generation after the caller lets go, finds a file of another generation and moves
     * on), then the counters, the data end and the index, emptied. The data region is not cleared:
     * bytes past the data end are never read. Through this same mapping, whose pages this process
     * has touched already: writing into them costs no page fault, where a new file's pages each
     * cost one (tens of microseconds on a virtual machine).
     */
    SharedMapFile recycle(Path path, long generation) {
        WORD.setRelease(file, D_GENERATION, generation);
        setCounts(0, 0, 0);
        setWord(D_SEQUENCE, 0);
        setWord(D_DATA_END, dataOffset);
        file.asSlice(INDEX_OFFSET, slots * SLOT_BYTES).fill((byte) 0);
        return new SharedMapFile(path, map);
    }

    /**
     * Opens the data file of {@code generation} and checks its header. A reader's mapping
     * ({@code shares} not null) must hold a share of the generation: its views take one more.
     *
     * @throws java.nio.file.NoSuchFileException if it is gone (a newer generation replaced it)
     * @throws CorruptStoreException             if its header fails a check
     */
    static SharedMapFile open(Path path, long generation, long seed, boolean writable, SharedMapLock shares)
            throws IOException {
        MMap map = writable ? MMap.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : MMap.open(path, StandardOpenOption.READ);
        try {
            List<SharedMap.Problem> problems = checkHeader(path, map.segment(), generation, seed);
            if (!problems.isEmpty()) {
                throw problems.getFirst().exception();
            }
            return new SharedMapFile(path, map, shares);
        } catch (IOException | RuntimeException | Error e) {
            map.close();
            throw e;
        }
    }

    /**
     * This generation as views of it see it: a second, read-only mapping of the same file, with
     * {@link MapOption#AUTO_UNMAP}, made once, on the first call. Its descriptor is closed at once;
     * its memory stays mapped while this object or any slice of it is reachable.
     *
     * @throws IllegalStateException if the file is gone: a newer generation replaced this one
     */
    SharedMapFile views() {
        SharedMapFile v = views;
        if (v != null) {
            return v;
        }
        synchronized (this) {
            boolean interrupted = false;
            try {
                while (views == null) {
                    // The views hold the generation for as long as they are reachable, so that no
                    // writer rewrites the file in place under them: one more share, given back
                    // when the mapping's scope, which every view keeps reachable, is collected.
                    if (!shares.share(generation)) {
                        throw new IllegalStateException("generation " + generation + " of " + path
                                + " is being rewritten for a newer one");
                    }
                    boolean mapped = false;
                    try (MMap readOnly = MMap.open(path, StandardOpenOption.READ, MapOption.AUTO_UNMAP)) {
                        SharedMapFile mapping = new SharedMapFile(path, readOnly);
                        SharedMapLock lock = shares;
                        long g = generation;
                        VIEWS_CLEANER.register(mapping.file.scope(), () -> lock.unshare(g));
                        mapped = true;
                        views = mapping;
                    } catch (ClosedByInterruptException e) {
                        // The caller's thread is interrupted (by its own program: SharedMap takes
                        // back the interrupt a JDK's unmapping sets, see UNMAP_INTERRUPTS). A read
                        // is not interruptible: map again with the flag clear, and set it back after.
                        if (!Thread.interrupted()) {
                            throw new UncheckedIOException("mapping " + path + " for views", e);
                        }
                        interrupted = true;
                    } catch (NoSuchFileException e) {
                        // Gone: SharedMap reads the new generation, or rethrows this if the
                        // generation is still current (then its file is missing: damage).
                        throw new IllegalStateException("generation " + generation + " could not be mapped for views: "
                                + path + " is gone", e);
                    } catch (IOException e) {
                        throw new UncheckedIOException("mapping " + path + " for views", e);
                    } finally {
                        if (!mapped) {
                            shares.unshare(generation);
                        }
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            return views;
        }
    }

    /** A data file already mapped, whose header {@link #checkHeader} found sound. */
    static SharedMapFile wrap(Path path, MMap map) {
        return new SharedMapFile(path, map);
    }

    /** The header's problems: every field checked against the format and the file's length. */
    static List<SharedMap.Problem> checkHeader(Path path, MemorySegment s, long generation, long seed) {
        List<SharedMap.Problem> problems = new ArrayList<>();
        long length = s.byteSize();
        if (length < PAGE) {
            problems.add(new SharedMap.Problem(path, 0, "file length", Long.toString(length),
                    "at least the " + PAGE + "-byte header page"));
            return problems;
        }
        SharedMapCheck check = new SharedMapCheck(path, s, problems);
        if (!check.equal(D_MAGIC, "magic", DATA_MAGIC, "0x" + Long.toHexString(DATA_MAGIC) + " (ASCII MMAP4JSD)")
                || !check.equalInt(D_VERSION, "version", VERSION)) {
            return problems;
        }
        check.equalInt(D_RESERVED, "reserved", 0);
        check.equal(D_GENERATION, "generation", generation, generation + ", the generation in its name and the control file");
        check.equal(D_SEED, "seed", seed, Long.toUnsignedString(seed) + ", the control file's seed");
        long slots = s.get(LONG, D_SLOTS);
        boolean slotsSound = slots > 0 && slots <= MAX_SLOTS && Long.bitCount(slots) == 1;
        if (!slotsSound) {
            problems.add(new SharedMap.Problem(path, D_SLOTS, "slots", Long.toUnsignedString(slots),
                    "a power of two from 1 to " + MAX_SLOTS));
        }
        check.equal(D_INDEX_OFFSET, "index offset", INDEX_OFFSET, Long.toString(INDEX_OFFSET));
        long dataOffset = s.get(LONG, D_DATA_OFFSET);
        if (slotsSound) {
            check.equal(D_DATA_OFFSET, "data offset", INDEX_OFFSET + slots * SLOT_BYTES,
                    (INDEX_OFFSET + slots * SLOT_BYTES) + " (index offset + 16 * slots)");
        }
        long fileBytes = s.get(LONG, D_FILE_BYTES);
        if (fileBytes != length) {
            problems.add(new SharedMap.Problem(path, D_FILE_BYTES, "file bytes", Long.toUnsignedString(fileBytes),
                    length + ", the file's length"));
        } else if (Long.compareUnsigned(dataOffset, fileBytes) > 0) {
            problems.add(new SharedMap.Problem(path, D_DATA_OFFSET, "data offset", Long.toUnsignedString(dataOffset),
                    "at most the file's length " + length));
        }
        if (problems.isEmpty()) {
            long dataEnd = s.get(LONG, D_DATA_END);
            if (dataEnd < dataOffset || dataEnd > fileBytes || dataEnd % RECORD_ALIGNMENT != 0) {
                problems.add(new SharedMap.Problem(path, D_DATA_END, "data end", Long.toUnsignedString(dataEnd),
                        "a multiple of 8 in [" + dataOffset + ", " + fileBytes + "]"));
            }
        }
        return problems;
    }

    // ---------------------------------------------------------------------------------------------
    // Lookups: any thread, no lock.

    /** The XXH64 of a key's bytes, with this file's seed. */
    long hash(MemorySegment key, long offset, long length) {
        return StaticKeyHash.hash(key, offset, length, seed);
    }

    long hash(String key) {
        return StaticKeyHash.hashUtf8(key, seed);
    }

    /**
     * The slot holding {@code key}, live or removed; if none does, {@code ~slot} of the empty slot
     * that ends its probe (where an insert puts it), or {@link #NO_SLOT} if every slot is taken.
     * Linear probing from {@code hash & mask}; a slot's key never changes once published, so a
     * probe racing the writer sees each slot either empty or holding its one key for good.
     */
    long find(Object key, int kind, long hash) {
        long slot = hash & mask;
        for (long i = 0; i < slots; i++) {
            long at = INDEX_OFFSET + slot * SLOT_BYTES;
            // Acquire: the hash and the record were written before the reference was released.
            long ref = (long) WORD.getAcquire(file, at + SLOT_REF) & ~MOVED;
            if (ref == 0) {
                return ~slot;
            }
            if (file.get(LONG, at) == hash && keyEquals(ref & ~REMOVED, at, key, kind)) {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        return NO_SLOT;
    }

    /** The record of the live value in {@code slot}, a {@link #find} result, or -1 if there is none. */
    long liveRecord(long slot) {
        if (slot < 0) {
            return -1;
        }
        long ref = ref(slot);
        return ref < 0 ? -1 : ref; // REMOVED is the sign bit
    }

    /** Where the reference of {@code slot} is in the file. */
    static long refAt(long slot) {
        return INDEX_OFFSET + slot * SLOT_BYTES + SLOT_REF;
    }

    /**
     * Whether the slot reference at {@code refAt} of the data file mapped at {@code file} still
     * holds {@code ref}, a reference without {@link SharedMapFormat#MOVED} loaded from it before:
     * then its generation is still current (a rewrite sets {@code MOVED} on every slot before it
     * switches) and whatever a lookup found there is still so. One load.
     *
     * @throws IllegalStateException if the handle unmapped {@code file} meanwhile
     */
    static boolean unchanged(MemorySegment file, long refAt, long ref) {
        return (long) WORD.getAcquire(file, refAt) == ref;
    }

    /** The reference in {@code slot}, with acquire: its record is whole when seen. Without {@code MOVED}. */
    long ref(long slot) {
        return rawRef(slot) & ~MOVED;
    }

    /** The reference in {@code slot} as it is, {@code MOVED} included, with acquire. */
    long rawRef(long slot) {
        return (long) WORD.getAcquire(file, refAt(slot));
    }

    long slotHash(long slot) {
        return file.get(LONG, INDEX_OFFSET + slot * SLOT_BYTES);
    }

    private boolean keyEquals(long record, long slotAt, Object key, int kind) {
        long keyLength = keyLength(record, slotAt);
        long keyAt = record + RECORD_HEADER_BYTES;
        return switch (kind) {
            case BYTES -> {
                byte[] bytes = (byte[]) key;
                if (keyLength != bytes.length) {
                    yield false;
                }
                // A view of the caller's array, which escape analysis takes away; should it not,
                // the fence makes the access after it check the mapping again (class comment).
                MemorySegment view = MemorySegment.ofArray(bytes);
                afterAllocation();
                yield MemorySegment.mismatch(file, keyAt, keyAt + keyLength, view, 0, keyLength) < 0;
            }
            case SEGMENT -> {
                MemorySegment bytes = (MemorySegment) key;
                yield keyLength == bytes.byteSize()
                        && MemorySegment.mismatch(file, keyAt, keyAt + keyLength, bytes, 0, keyLength) < 0;
            }
            default -> StaticKeyHash.equalsUtf8(file, keyAt, keyLength, (String) key);
        };
    }

    /**
     * The key length of the record at {@code record}, named by the slot at {@code slotAt}, after
     * checking that the record and its key lie in the data region; a damaged slot or record is a
     * {@link CorruptEntryException}, never an out-of-bounds access.
     */
    long keyLength(long record, long slotAt) {
        if (record < dataOffset || record > fileBytes - RECORD_HEADER_BYTES || record % RECORD_ALIGNMENT != 0) {
            throw new CorruptEntryException(path, slotAt + SLOT_REF, "the slot names record offset " + record
                    + ", which is not a multiple of " + RECORD_ALIGNMENT + " in the data region [" + dataOffset
                    + ", " + fileBytes + ")");
        }
        long keyLength = Integer.toUnsignedLong(file.get(INT, record + R_KEY_LENGTH));
        if (keyLength > MAX_KEY_BYTES || keyLength > fileBytes - record - RECORD_HEADER_BYTES) {
            throw new CorruptEntryException(path, record + R_KEY_LENGTH, "key length " + keyLength
                    + " is over the limit of " + MAX_KEY_BYTES + " or runs past the file's end " + fileBytes);
        }
        return keyLength;
    }

    /** The value length of the record at {@code record}, whose key length is checked; checked against the file. */
    long valueLength(long record, long keyLength) {
        long valueLength = file.get(LONG, record + R_VALUE_LENGTH);
        long valueAt = record + RECORD_HEADER_BYTES + keyLength;
        if (valueLength < 0 || valueLength > MAX_VALUE_BYTES || valueLength > fileBytes - valueAt) {
            throw new CorruptEntryException(path, record + R_VALUE_LENGTH, "value length "
                    + Long.toUnsignedString(valueLength) + " is over the limit of " + MAX_VALUE_BYTES
                    + " or runs past the file's end " + fileBytes);
        }
        return valueLength;
    }

    /** A read-only view of the key of the record at {@code record}. */
    MemorySegment key(long record) {
        return file.asSlice(record + RECORD_HEADER_BYTES, keyLength(record, record)).asReadOnly();
    }

    /** A read-only view of the value of the record at {@code record}. */
    MemorySegment value(long record) {
        long keyLength = keyLength(record, record);
        MemorySegment value = file.asSlice(record + RECORD_HEADER_BYTES + keyLength, valueLength(record, keyLength));
        return value.isReadOnly() ? value : value.asReadOnly();
    }

    /**
     * Copies the value of the record at {@code record} into the start of {@code into} if it fits.
     *
     * @return the value's length, copied only if at most {@code into}'s size
     */
    long copyValue(long record, MemorySegment into) {
        long keyLength = keyLength(record, record);
        long valueLength = valueLength(record, keyLength);
        if (valueLength <= into.byteSize()) {
            MemorySegment.copy(file, record + RECORD_HEADER_BYTES + keyLength, into, 0, valueLength);
        }
        return valueLength;
    }

    /** A copy of the value of the record at {@code record}; safe after allocations (see the class comment). */
    byte[] copyValue(long record) {
        afterAllocation();
        long keyLength = keyLength(record, record);
        return copy(record + RECORD_HEADER_BYTES + keyLength, valueLength(record, keyLength));
    }

    /** A copy of the key of the record at {@code record}; safe after allocations (see the class comment). */
    byte[] copyKey(long record) {
        afterAllocation();
        return copy(record + RECORD_HEADER_BYTES, keyLength(record, record));
    }

    /** A copy of {@code length} bytes at {@code offset}, into an array allocated before it is copied. */
    private byte[] copy(long offset, long length) {
        byte[] bytes = new byte[(int) length];
        afterAllocation();
        MemorySegment.copy(file, ValueLayout.JAVA_BYTE, offset, bytes, 0, bytes.length);
        return bytes;
    }

    /**
     * Makes the next access of a mapping check again that it is open, whatever was allocated
     * since the last one: a fence, which the compiler may not move a load across, so that the
     * next access loads the arena's state afresh rather than reuse the load of an earlier check
     * (see the class comment). Costs no instruction on x86.
     */
    static void afterAllocation() {
        VarHandle.acquireFence();
    }

    /** The bytes the record at {@code record} takes, padding included. */
    long recordBytesAt(long record) {
        long keyLength = keyLength(record, record);
        return recordBytes(keyLength, valueLength(record, keyLength));
    }

    // ---------------------------------------------------------------------------------------------
    // The header's counters. Read with acquire by anyone; written by the lock holder.

    long word(long offset) {
        return (long) WORD.getAcquire(file, offset);
    }

    void setWord(long offset, long value) {
        WORD.setRelease(file, offset, value);
    }

    long dataEnd() {
        return word(D_DATA_END);
    }

    long keys() {
        return word(D_KEYS);
    }

    long usedSlots() {
        return word(D_USED_SLOTS);
    }

    long liveBytes() {
        return word(D_LIVE_BYTES);
    }

    long sequence() {
        return word(D_SEQUENCE);
    }

    // ---------------------------------------------------------------------------------------------
    // Writing: the writer lock's holder only.

    /** Whether a record of this many bytes fits in what is left of the data region. */
    boolean fits(long recordBytes) {
        return recordBytes <= fileBytes - dataEnd();
    }

    /**
     * Appends a record at the data end and moves the data end past it (release), so that a writer
     * killed from here on leaves the record counted as used space, never reused while a slot may
     * name it. Returns the record's offset. The caller checked that it {@link #fits}.
     */
    long append(MemorySegment key, MemorySegment value, CRC32C crc) {
        long at = dataEnd();
        long keyLength = key.byteSize();
        long valueLength = value.byteSize();
        long keyAt = at + RECORD_HEADER_BYTES;
        MemorySegment.copy(key, 0, file, keyAt, keyLength);
        MemorySegment.copy(value, 0, file, keyAt + keyLength, valueLength);
        long end = at + recordBytes(keyLength, valueLength);
        file.asSlice(keyAt + keyLength + valueLength, end - keyAt - keyLength - valueLength).fill((byte) 0);
        crc.reset();
        crc.update(bytes(keyAt, keyLength + valueLength));
        file.set(INT, at + R_KEY_LENGTH, (int) keyLength);
        file.set(INT, at + R_CRC, (int) crc.getValue());
        file.set(LONG, at + R_VALUE_LENGTH, valueLength);
        setWord(D_DATA_END, end);
        return at;
    }

    /**
     * A buffer over {@code length} bytes of the file at {@code at}, for the CRC of a record just
     * written (of the bytes in the file, whatever the caller's arrays hold by now). Made once per
     * file and moved, since making a buffer over a mapping cost most of a put; the lock holder's
     * thread is the only one that uses it. A file over 2 GiB gets a new buffer each time.
     */
    private ByteBuffer bytes(long at, long length) {
        if (fileBytes > Integer.MAX_VALUE) {
            return file.asSlice(at, length).asByteBuffer();
        }
        if (writerBuffer == null) {
            writerBuffer = file.asByteBuffer();
        }
        return writerBuffer.limit((int) (at + length)).position((int) at);
    }

    /** Copies the whole record at {@code record} of {@code from} to the data end; as {@link #append}. */
    long copyRecord(SharedMapFile from, long record) {
        long bytes = from.recordBytesAt(record);
        long at = dataEnd();
        MemorySegment.copy(from.file, record, file, at, bytes);
        setWord(D_DATA_END, at + bytes);
        return at;
    }

    /** Gives the empty slot {@code slot} its key's hash and publishes its record (release). */
    void publishNew(long slot, long hash, long record) {
        long at = INDEX_OFFSET + slot * SLOT_BYTES;
        file.set(LONG, at, hash);
        WORD.setRelease(file, at + SLOT_REF, record);
    }

    /** Points the slot {@code slot}, which holds the key already, at another record or marks it removed (release). */
    void publish(long slot, long ref) {
        WORD.setRelease(file, INDEX_OFFSET + slot * SLOT_BYTES + SLOT_REF, ref);
    }

    /** The empty slot where a key of {@code hash} goes in an index nobody reads yet. */
    long freeSlot(long hash) {
        long slot = hash & mask;
        while (file.get(LONG, INDEX_OFFSET + slot * SLOT_BYTES + SLOT_REF) != 0) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    /** Sets the counters of the header, for a rewrite or a recovery: the truth about the index. */
    void setCounts(long keys, long usedSlots, long liveBytes) {
        setWord(D_KEYS, keys);
        setWord(D_USED_SLOTS, usedSlots);
        setWord(D_LIVE_BYTES, liveBytes);
    }

    /**
     * Marks this generation as about to be replaced, before the control file names the next: sets
     * {@link SharedMapFormat#MOVED} on every slot, empty ones included, so that no reader's cached
     * lookup of this file holds any more (see {@link #unchanged}). Opaque stores: the release store
     * of the generation that follows publishes them.
     */
    void markReplaced() {
        for (long slot = 0; slot < slots; slot++) {
            long at = refAt(slot);
            WORD.setOpaque(file, at, (long) WORD.getOpaque(file, at) | MOVED);
        }
    }

    /** Clears {@link SharedMapFormat#MOVED} from every slot: a rewrite died between marking and switching. */
    private void clearMoved() {
        for (long slot = 0; slot < slots; slot++) {
            long at = refAt(slot);
            long ref = (long) WORD.getOpaque(file, at);
            if ((ref & MOVED) != 0) {
                WORD.setRelease(file, at, ref & ~MOVED);
            }
        }
    }

    /**
     * Recounts keys, used slots and live bytes from the index, evens the sequence and clears the
     * moved marks (of a rewrite that died before its switch): after a writer died.
     */
    void recount() {
        long keys = 0;
        long used = 0;
        long live = 0;
        for (long slot = 0; slot < slots; slot++) {
            long ref = ref(slot);
            if (ref != 0) {
                used++;
                if (ref > 0) {
                    keys++;
                    live += recordBytesAt(ref);
                }
            }
        }
        setCounts(keys, used, live);
        long sequence = sequence();
        if ((sequence & 1) != 0) {
            setWord(D_SEQUENCE, sequence + 1);
        }
        clearMoved();
    }

    /**
     * Marks a change in progress (the sequence goes odd) or done (even again), for readers taking
     * a consistent snapshot. Volatile, a full fence: the odd value is visible before any slot the
     * change publishes, and every slot it published before the even value. Through {@link MMap},
     * like every read-modify-write of a mapped word here, so that a file cut short by another
     * process throws {@link InternalError} rather than faulting in the VM.
     */
    void bumpSequence() {
        map.getAndAddLong(D_SEQUENCE, 1L);
    }
}
