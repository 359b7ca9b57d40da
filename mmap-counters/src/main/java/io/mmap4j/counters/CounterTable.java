package io.mmap4j.counters;

import static io.mmap4j.counters.CountersFormat.NameRecord.FREE;
import static io.mmap4j.counters.CountersFormat.NameRecord.GENERATION;
import static io.mmap4j.counters.CountersFormat.NameRecord.NAME_AT;
import static io.mmap4j.counters.CountersFormat.NameRecord.NAME_HASH;
import static io.mmap4j.counters.CountersFormat.NameRecord.NAME_LENGTH;
import static io.mmap4j.counters.CountersFormat.NameRecord.STATE;
import static io.mmap4j.counters.CountersFormat.NameRecord.WRITING;
import static io.mmap4j.counters.CountersFormat.NameRecord.WRITTEN;

import io.mmap4j.MMap;
import io.mmap4j.counters.CountersFormat.Header;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;

/**
 * The name index and the records of a mapped counters file: lookup, allocation and publication of
 * names, lock-free between processes.
 *
 * <p>A new name is claimed, written and published in three steps, each safe to be cut short by a
 * crash: a compare-and-set increment of the allocated count hands out a record id, and a
 * compare-and-set of the record's state from free to {@code WRITING} takes the record
 * ({@link #claim}); the record is written and marked {@code WRITTEN} with a release store
 * ({@link #write}); then a compare-and-set puts the id into the first empty index entry on the
 * name's probe sequence ({@link #publish}). That CAS is the one moment the name comes into being,
 * so the index is the only source of truth: a record that never made it into the index is no
 * counter. An inserter whose CAS loses, or who meets the same name further along, takes the
 * counter it found, so racers for one name all end with one id; the loser's record is marked
 * {@code FREE} ({@link #free}), and once every id has been handed out, claims take free records
 * (waiting a moment for records still in flight), so only a crash mid-creation costs an id. {@link #find} and {@link #publish} walk the probe
 * sequence with one loop, {@link #probe}.
 *
 * <p>Entries and records are only ever added, and written once before they are published; so an
 * entry that is set stays set and a published record never changes. Everything read from the file
 * is still checked before use, since any process, or a disk, may have scribbled on it.
 */
final class CounterTable {
    /** How long a claim on a full file waits for other creators' records in flight. */
    private static final long IN_FLIGHT_WAIT_NANOS = 200_000_000L;
    private static final long IN_FLIGHT_PAUSE_NANOS = 100_000L;

    private final MMap map;
    private final CountersFormat format;
    private final Path path;
    private final int mask;
    private final int capacity;
    private final int maxName;

    CounterTable(MMap map, CountersFormat format, Path path) {
        this.map = map;
        this.format = format;
        this.path = path;
        this.mask = format.indexEntries - 1;
        this.capacity = format.layout.capacity();
        this.maxName = format.layout.maxNameBytes();
    }

    /** The id of the counter with this name, or -1 if there is none. */
    int find(byte[] name, int hash) throws CorruptCountersException {
        long found = probe(name, hash, hash & mask);
        return found >= 0 ? (int) found : -1;
    }

    /**
     * Publishes record {@code id}, already written with this name, in the first empty entry of the
     * name's probe sequence, unless the index has the name already: returns the id that holds the
     * name now, {@code id} or another process's.
     */
    int publish(byte[] name, int hash, int id) throws CorruptCountersException {
        long entry = ((long) hash << 32) | (id + 1L);
        int position = hash & mask;
        // Each lost CAS is an entry set for good, so a sound index ends this within its size.
        for (int attempt = 0; attempt < format.indexEntries; attempt++) {
            long found = probe(name, hash, position);
            if (found >= 0) {
                return (int) found;
            }
            position = (int) -(found + 1);
            // Volatile, so release: whoever sees the entry sees the record it names (written before).
            if (map.compareAndSetLong(format.entryOffset(position), 0, entry)) {
                return id;
            }
            // Another process filled this entry first; it may hold this very name, so probe on from it.
        }
        throw indexFull();
    }

    /**
     * Walks the name's probe sequence from {@code position}: the id of the entry that names the
     * name, or {@code -(p + 1)} where {@code p} is the first empty entry on the way.
     */
    private long probe(byte[] name, int hash, int position) throws CorruptCountersException {
        for (int probes = 0; probes < format.indexEntries; probes++, position = (position + 1) & mask) {
            long at = format.entryOffset(position);
            // Acquire pairs with the CAS that published the entry: the record it names is complete.
            long entry = map.getLongAcquire(at);
            if (entry == 0) {
                return -(position + 1L);
            }
            if ((int) (entry >>> 32) == hash && Arrays.equals(name, nameBytes(entry, at))) {
                return idOf(entry, at);
            }
        }
        throw indexFull();
    }

    /**
     * Hands out a record id and takes its record (state {@code WRITING}): the next id of the
     * allocated count, by a CAS loop rather than an add, so that a full count does not pass the
     * capacity; once all are handed out, a record given up as {@code FREE}. Before it counts an id
     * as claimed, it checks that the record is free: a damaged allocated count must not hand out
     * a counter that exists, to be overwritten.
     *
     * @return the id, or -1 if every record is a published counter (see {@link #full})
     * @throws CorruptCountersException if the allocated count is out of range, or names a record in use
     */
    int claim() throws CorruptCountersException {
        long allocated = format.allocated(map, path);
        while (allocated < capacity) {
            int id = (int) allocated;
            int state = freeState(id);
            if (state < 0) { // taken since the count was read: look again
                allocated = format.allocated(map, path);
                continue;
            }
            long seen = map.compareAndExchangeLong(Header.ALLOCATED.offset(), allocated, allocated + 1);
            if (seen == allocated) {
                if (!map.compareAndSetInt(STATE.at(format.recordOffset(id)), state, WRITING)) {
                    // Only another claim of the same id, through a count damaged at this moment, gets here.
                    throw new CorruptCountersException(path, Header.ALLOCATED.offset(), "allocated count handed out"
                            + " id " + id + ", whose record another process took at the same moment");
                }
                return id;
            }
            allocated = format.allocated(map, path);
        }
        return takeFree();
    }

    /** What a creator throws when {@link #claim} found no record and the index still lacks its name. */
    IllegalStateException full() {
        return new IllegalStateException("counters file " + path + " is full: all " + capacity
                + " counters of its capacity are taken (a file's capacity is fixed when it is created)");
    }

    /**
     * The state of record {@code id}, which the allocated count said nobody has claimed: 0, or a
     * record that is written but unpublished (given up by a loser of a race, or by mmap4j before
     * it marked such records {@code FREE}); or -1 if the record is in use because another claim
     * took it since the count was read (the count has moved on).
     *
     * @throws CorruptCountersException if the record is in use (being written, or a published
     *                                  counter) while the count still says it is not
     */
    private int freeState(int id) throws CorruptCountersException {
        int state = map.getIntAcquire(STATE.at(format.recordOffset(id)));
        if (state == 0 || state == FREE || (state == WRITTEN && publishedName(id) == null)) {
            return state;
        }
        // A claim moves the count before it takes the record, so a count still at id, read after
        // the record was seen in use, is wrong.
        long allocated = format.allocated(map, path);
        if (allocated != id) {
            return -1;
        }
        String inUse = state == WRITTEN ? "counter " + Names.show(publishedName(id))
                : "in state " + Integer.toUnsignedString(state) + (state == WRITING ? " (being written)" : "");
        throw new CorruptCountersException(path, Header.ALLOCATED.offset(), "allocated count is " + allocated
                + ", so id " + id + " would be handed out next, but its record is " + inUse);
    }

    /**
     * Takes a record given up as FREE, or returns -1 if there is none. While another creator holds
     * a record it has not published (being written, or written and about to lose a race), this
     * waits for it, up to {@link #IN_FLIGHT_WAIT_NANOS}: a loser gives its record up a moment
     * later, and without the wait three creators racing for the last two records would find the
     * file full though it ends with a record to spare. A record left in flight by a crashed
     * creator makes a claim on a full file wait that long before it gives up. Reads every record's
     * state and the whole index on each look.
     */
    private int takeFree() {
        long deadline = System.nanoTime() + IN_FLIGHT_WAIT_NANOS;
        while (true) {
            int written = 0;
            boolean writing = false;
            for (int id = 0; id < capacity; id++) {
                long state = STATE.at(format.recordOffset(id));
                int seen = map.getIntAcquire(state);
                if (seen == FREE && map.compareAndSetInt(state, FREE, WRITING)) {
                    return id;
                }
                writing |= seen == WRITING;
                written += seen == WRITTEN ? 1 : 0;
            }
            boolean inFlight = writing || written > publishedEntries();
            if (!inFlight || System.nanoTime() - deadline > 0) {
                return -1;
            }
            LockSupport.parkNanos(IN_FLIGHT_PAUSE_NANOS);
        }
    }

    /** How many index entries are set: the number of published counters. */
    private int publishedEntries() {
        int set = 0;
        for (int position = 0; position < format.indexEntries; position++) {
            set += map.getLongAcquire(format.entryOffset(position)) != 0 ? 1 : 0;
        }
        return set;
    }

    /**
     * Gives up a claimed, written record that lost the race for its name: any process may take it
     * for a new name once every id is handed out. A release store: a taker sees the record whole.
     */
    void free(int id) {
        map.putIntRelease(STATE.at(format.recordOffset(id)), FREE);
    }

    /**
     * Writes a claimed, unpublished record. {@link #claim} marked it WRITING, so that a crash part
     * way leaves a record that says so; WRITTEN is a release store, so whoever sees it sees the
     * whole record. The generation counts writes, for tools that inspect unpublished records: a
     * record reused after losing a race is written again.
     */
    void write(int id, byte[] name, int hash) {
        long record = format.recordOffset(id);
        GENERATION.write(map, record, GENERATION.read(map, record) + 1);
        NAME_LENGTH.write(map, record, name.length);
        NAME_HASH.write(map, record, hash);
        map.pwrite(record + NAME_AT, name);
        map.fill(record + NAME_AT + name.length, maxName - name.length, (byte) 0);
        // Nobody can have touched the value of an unpublished id; this keeps a reused one clean.
        map.putLong(format.valueOffset(id), 0);
        map.putIntRelease(STATE.at(record), WRITTEN);
    }

    /**
     * The name of the published counter with this id, or null if the id is not published (never
     * claimed, claimed by a process that died, being written, or lost a race): the id is published
     * exactly when a lookup of its record's name finds it.
     */
    String publishedName(int id) throws CorruptCountersException {
        long record = format.recordOffset(id);
        if (map.getIntAcquire(STATE.at(record)) != WRITTEN) {
            return null;
        }
        int length = map.getInt(NAME_LENGTH.at(record));
        if (length < 1 || length > maxName) {
            return null; // an unpublished record may hold anything
        }
        // If the lookup finds this id, its entry's record holds exactly these bytes: the name as
        // published, even if a rewrite was under way while they were read.
        byte[] name = map.pread(record + NAME_AT, length);
        if (find(name, Names.hash(name)) != id) {
            return null;
        }
        return decode(id, name);
    }

    /** Every published counter, id to name, in id order. Reads the whole index and every record it names. */
    SortedMap<Integer, String> published() throws CorruptCountersException {
        SortedMap<Integer, String> published = new TreeMap<>();
        for (int position = 0; position < format.indexEntries; position++) {
            long at = format.entryOffset(position);
            long entry = map.getLongAcquire(at);
            if (entry != 0) {
                published.put(idOf(entry, at), name(entry, at));
            }
        }
        return published;
    }

    /**
     * Checks the whole index and every record it names, for {@code open}: ids in range and unique,
     * each record written with a well-formed name of the entry's hash, names unique, and every
     * entry reachable from its name's home position (else a lookup would miss it and create the
     * name twice). Costs a read of the index and of each published record.
     *
     * @throws CorruptCountersException for the first problem found
     */
    void validate() throws CorruptCountersException {
        check(problem -> {
            throw problem;
        });
    }

    /** Where {@link #check} reports each problem: {@link #validate} stops at the first, a verify collects them all. */
    interface Problems {
        void add(CorruptCountersException problem) throws CorruptCountersException;
    }

    /** Makes the checks of {@link #validate}, reporting each problem to {@code problems} and going on with the next entry. */
    void check(Problems problems) throws CorruptCountersException {
        int start;
        try {
            start = firstEmpty();
        } catch (CorruptCountersException full) {
            problems.add(full); // without an empty entry no probe sequence ends: nothing else can be checked
            return;
        }
        int runStart = (start + 1) & mask; // the first position of the current run of set entries
        BitSet ids = new BitSet();
        Set<String> names = new HashSet<>();
        for (int step = 1; step <= mask; step++) {
            int position = (start + step) & mask;
            long at = format.entryOffset(position);
            long entry = map.getLongAcquire(at);
            if (entry == 0) {
                runStart = (position + 1) & mask;
                continue;
            }
            try {
                checkEntry(position, at, entry, runStart, ids, names);
            } catch (CorruptCountersException problem) {
                problems.add(problem);
            }
        }
        // Read after the entries: an id is claimed before it is published, so it must be counted.
        try {
            long allocated = format.allocated(map, path);
            if (!ids.isEmpty() && ids.length() > allocated) {
                int id = ids.length() - 1;
                problems.add(new CorruptCountersException(path, Header.ALLOCATED.offset(), "allocated count is "
                        + allocated + ", but the index names id " + id));
            }
        } catch (CorruptCountersException problem) {
            problems.add(problem);
        }
    }

    /** Checks one set entry; adds its id and name to those seen so far. */
    private void checkEntry(int position, long at, long entry, int runStart, BitSet ids, Set<String> names)
            throws CorruptCountersException {
        int id = idOf(entry, at);
        if (ids.get(id)) {
            throw new CorruptCountersException(path, at, "index entry " + position + " names id " + id
                    + ", which an earlier entry names too");
        }
        ids.set(id); // ids are unique and below the capacity, so at most capacity entries pass
        int home = (int) (entry >>> 32) & mask;
        if (((position - home) & mask) > ((position - runStart) & mask) && !reachable(home, position)) {
            throw new CorruptCountersException(path, at, "index entry " + position + " (id " + id
                    + ") cannot be found by a lookup: an empty entry lies between it and its home position " + home);
        }
        String name = name(entry, at);
        if (!names.add(name)) {
            throw new CorruptCountersException(path, at, "index entry " + position + " (id " + id + ") names "
                    + Names.show(name) + ", which an earlier entry names too");
        }
    }

    private int firstEmpty() throws CorruptCountersException {
        for (int position = 0; position < format.indexEntries; position++) {
            if (map.getLongAcquire(format.entryOffset(position)) == 0) {
                return position;
            }
        }
        throw indexFull();
    }

    private CorruptCountersException indexFull() {
        return new CorruptCountersException(path, format.indexOffset, "all " + format.indexEntries
                + " index entries are set, but a file of capacity " + capacity + " fills at most half of them");
    }

    /**
     * Whether no entry from {@code home} to {@code position} is empty now. An entry seen empty
     * earlier may have been filled since by another process, never the reverse.
     */
    private boolean reachable(int home, int position) {
        for (int p = home; p != position; p = (p + 1) & mask) {
            if (map.getLongAcquire(format.entryOffset(p)) == 0) {
                return false;
            }
        }
        return true;
    }

    /** The id an entry names, checked to be within the capacity. */
    private int idOf(long entry, long at) throws CorruptCountersException {
        long idPlusOne = entry & 0xFFFF_FFFFL;
        if (idPlusOne < 1 || idPlusOne > capacity) {
            throw new CorruptCountersException(path, at, "index entry names id " + (idPlusOne - 1)
                    + ", outside 0 to " + (capacity - 1));
        }
        return (int) (idPlusOne - 1);
    }

    /** The name of the record an entry names, decoded. */
    private String name(long entry, long at) throws CorruptCountersException {
        return decode(idOf(entry, at), nameBytes(entry, at));
    }

    private String decode(int id, byte[] bytes) throws CorruptCountersException {
        String name = Names.decode(bytes);
        if (name == null) {
            throw new CorruptCountersException(path, format.recordOffset(id) + NAME_AT,
                    "the name of id " + id + " is not well-formed UTF-8");
        }
        return name;
    }

    /**
     * The name bytes of the record an entry names, after checking that the record is written,
     * that its length is within the limit and that the entry's hash, the record's and the name's
     * agree.
     */
    private byte[] nameBytes(long entry, long at) throws CorruptCountersException {
        int id = idOf(entry, at);
        long record = format.recordOffset(id);
        int state = map.getInt(STATE.at(record));
        if (state != WRITTEN) {
            throw new CorruptCountersException(path, STATE.at(record), "record " + id + " is named by index entry at "
                    + at + " but its state is " + Integer.toUnsignedString(state) + ", not " + WRITTEN + " (written)");
        }
        int length = map.getInt(NAME_LENGTH.at(record));
        if (length < 1 || length > maxName) {
            throw new CorruptCountersException(path, NAME_LENGTH.at(record), "record " + id + " has name length "
                    + Integer.toUnsignedString(length) + ", outside 1 to " + maxName);
        }
        int hash = (int) (entry >>> 32);
        int recordHash = map.getInt(NAME_HASH.at(record));
        if (recordHash != hash) {
            throw new CorruptCountersException(path, NAME_HASH.at(record), "record " + id + " has name hash "
                    + hex(recordHash) + ", but its index entry at " + at + " says " + hex(hash));
        }
        byte[] name = map.pread(record + NAME_AT, length);
        if (Names.hash(name) != hash) {
            throw new CorruptCountersException(path, record + NAME_AT, "the name of record " + id + " hashes to "
                    + hex(Names.hash(name)) + ", but the record and its index entry say " + hex(hash));
        }
        return name;
    }

    private static String hex(int value) {
        return String.format("0x%08x", value);
    }
}
