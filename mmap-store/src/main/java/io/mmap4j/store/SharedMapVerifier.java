package io.mmap4j.store;

import static io.mmap4j.store.SharedMapFormat.CONTROL_FILE;
import static io.mmap4j.store.SharedMapFormat.C_GENERATION;
import static io.mmap4j.store.SharedMapFormat.C_SEED;
import static io.mmap4j.store.SharedMapFormat.D_DATA_END;
import static io.mmap4j.store.SharedMapFormat.D_KEYS;
import static io.mmap4j.store.SharedMapFormat.D_LIVE_BYTES;
import static io.mmap4j.store.SharedMapFormat.D_USED_SLOTS;
import static io.mmap4j.store.SharedMapFormat.INDEX_OFFSET;
import static io.mmap4j.store.SharedMapFormat.INT;
import static io.mmap4j.store.SharedMapFormat.LOCK_FILE;
import static io.mmap4j.store.SharedMapFormat.LONG;
import static io.mmap4j.store.SharedMapFormat.REMOVED;
import static io.mmap4j.store.SharedMapFormat.R_CRC;
import static io.mmap4j.store.SharedMapFormat.SLOT_BYTES;
import static io.mmap4j.store.SharedMapFormat.WORD;
import static io.mmap4j.store.SharedMapFormat.dataFile;
import static io.mmap4j.store.SharedMapFormat.recordBytes;

import io.mmap4j.MMap;
import io.mmap4j.internal.GuardedCrc32c;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link SharedMap#verify(Path)}: a read-only check of a whole map, tolerant of live writers. A
 * published record never changes and a slot's key never changes, so what a pass finds wrong in
 * them is damage whatever writers do meanwhile; only the header's counters move under a pass, and
 * they are compared with the index only over a pass that no write overlapped.
 */
final class SharedMapVerifier {
    private static final int MAX_PROBLEMS = 1000;
    /** Passes tried for one that no write overlaps, before the counters are left unchecked. */
    private static final int PASSES = 5;

    private final List<SharedMap.Problem> problems = new ArrayList<>();
    private long leftOut;

    private SharedMapVerifier() {
    }

    /** A map's directory from its directory or its control file. */
    static Path directoryOf(Path path) {
        Path name = path.getFileName();
        if (!Files.isDirectory(path) && name != null && name.toString().equals(CONTROL_FILE) && path.getParent() != null) {
            return path.getParent();
        }
        return path;
    }

    static List<SharedMap.Problem> verify(Path dir) throws IOException {
        Path controlPath = dir.resolve(CONTROL_FILE);
        try (MMap control = MMap.open(controlPath, StandardOpenOption.READ)) {
            MemorySegment c = control.segment();
            List<SharedMap.Problem> header = SharedMap.checkControl(controlPath, c);
            if (!header.isEmpty()) {
                return header;
            }
            long seed = c.get(LONG, C_SEED);
            // Readers share the generation they map, so that no writer rewrites its file in place under them.
            // The real path: this JVM's maps of the directory share one lock file (SharedMapLock).
            SharedMapLock lock = SharedMapLock.acquire(dir.toRealPath().resolve(LOCK_FILE), false);
            try {
                return verify(c, controlPath, seed, lock, dir);
            } finally {
                lock.release();
            }
        }
    }

    private static List<SharedMap.Problem> verify(MemorySegment c, Path controlPath, long seed, SharedMapLock lock,
                                                  Path dir) throws IOException {
        for (int pass = 1; ; pass++) {
            long generation = lock.shareNamed(() -> (long) WORD.getAcquire(c, C_GENERATION));
            if (generation == 0) {
                return List.of(SharedMap.refusedProblem(controlPath, (long) WORD.getAcquire(c, C_GENERATION)));
            }
            Path data = dataFile(dir, generation);
            SharedMapVerifier verifier = new SharedMapVerifier();
            try (MMap map = MMap.open(data, StandardOpenOption.READ)) {
                verifier.problems.addAll(SharedMapFile.checkHeader(data, map.segment(), generation, seed));
                if (!verifier.problems.isEmpty()) {
                    return verifier.problems;
                }
                boolean settled = verifier.check(SharedMapFile.wrap(data, map), pass >= PASSES);
                if (settled || pass >= PASSES) {
                    return verifier.result();
                }
            } catch (NoSuchFileException e) {
                if ((long) WORD.getAcquire(c, C_GENERATION) == generation) {
                    return List.of(SharedMap.missingProblem(controlPath, generation));
                }
            } finally {
                lock.unshare(generation);
            }
        }
    }

    /**
     * Checks every slot and record of {@code f}, then, if no write overlapped the pass, the
     * header's counters against them.
     *
     * @param last whether this is the last pass: its problems are kept even if a write overlapped it
     * @return whether the pass is final: no write overlapped it, or it found damage in the index
     */
    private boolean check(SharedMapFile f, boolean last) {
        long sequence = f.sequence();
        long keys = 0;
        long used = 0;
        long live = 0;
        long end = f.dataOffset;
        GuardedCrc32c crc = new GuardedCrc32c();
        for (long slot = 0; slot < f.slots; slot++) {
            long ref = f.ref(slot);
            if (ref == 0) {
                continue;
            }
            used++;
            long bytes = checkRecord(f, slot, ref & ~REMOVED, crc);
            if (bytes < 0) {
                continue;
            }
            end = Math.max(end, (ref & ~REMOVED) + bytes);
            if (ref > 0) {
                keys++;
                live += bytes;
            }
        }
        // The data end moves before a slot names a record past it: read after the slots.
        long dataEnd = f.dataEnd();
        if (end > dataEnd) {
            add(new SharedMap.Problem(f.path, D_DATA_END, "data end", Long.toString(dataEnd),
                    "at least " + end + ", the end of the last record a slot names"));
        }
        // The counters are read before the sequence is read again, so that a quiet pass vouches for
        // them too: read after it, a write that began in between would change them under the check.
        long keysFound = f.file.get(LONG, D_KEYS);
        long usedFound = f.file.get(LONG, D_USED_SLOTS);
        long liveFound = f.file.get(LONG, D_LIVE_BYTES);
        VarHandle.acquireFence();
        boolean quiet = f.sequence() == sequence && (sequence & 1) == 0;
        if (!quiet && problems.isEmpty() && !last) {
            return false;
        }
        if (quiet && problems.isEmpty()) { // counts over damaged slots would only repeat the damage
            counter(f, D_KEYS, "keys", keysFound, keys);
            counter(f, D_USED_SLOTS, "used slots", usedFound, used);
            counter(f, D_LIVE_BYTES, "live bytes", liveFound, live);
        }
        return true;
    }

    /** Checks the record a slot names; returns its size in bytes, or -1 if it is damaged. */
    private long checkRecord(SharedMapFile f, long slot, long record, GuardedCrc32c crc) {
        long slotAt = INDEX_OFFSET + slot * SLOT_BYTES;
        try {
            long keyLength = f.keyLength(record, slotAt);
            long valueLength = f.valueLength(record, keyLength);
            MemorySegment key = f.key(record);
            crc.reset();
            crc.update(f.file, record + SharedMapFormat.RECORD_HEADER_BYTES, keyLength + valueLength);
            int stored = f.file.get(INT, record + R_CRC);
            if ((int) crc.getValue() != stored) {
                add(new SharedMap.Problem(f.path, record + R_CRC, "record CRC32C", Integer.toUnsignedString(stored),
                        Long.toString(crc.getValue()) + ", the CRC32C of the record's key and value"));
            }
            long hash = f.hash(key, 0, keyLength);
            if (f.slotHash(slot) != hash) {
                add(new SharedMap.Problem(f.path, slotAt, "slot hash", Long.toUnsignedString(f.slotHash(slot)),
                        Long.toUnsignedString(hash) + ", the XXH64 of the key of record " + record));
            } else if (f.find(key, SharedMapFile.SEGMENT, hash) != slot) {
                add(new SharedMap.Problem(f.path, slotAt, "slot", Long.toString(slot),
                        "the slot a lookup of its key finds, " + f.find(key, SharedMapFile.SEGMENT, hash)
                                + " (a key in two slots, or an empty slot on its probe)"));
            }
            return recordBytes(keyLength, valueLength);
        } catch (CorruptEntryException e) {
            add(new SharedMap.Problem(f.path, e.offset(), "record", e.getMessage(), "a record inside the data region"));
            return -1;
        }
    }

    private void counter(SharedMapFile f, long offset, String field, long found, long counted) {
        if (found != counted) {
            add(new SharedMap.Problem(f.path, offset, field, Long.toString(found), counted + ", as counted in the index"));
        }
    }

    private void add(SharedMap.Problem problem) {
        if (problems.size() < MAX_PROBLEMS - 1) {
            problems.add(problem);
        } else {
            leftOut++;
        }
    }

    private List<SharedMap.Problem> result() {
        if (leftOut > 0) {
            problems.add(new SharedMap.Problem(problems.getLast().file(), 0, "problems", leftOut + " more",
                    "none; only the first " + (MAX_PROBLEMS - 1) + " are listed"));
        }
        return problems;
    }
}
