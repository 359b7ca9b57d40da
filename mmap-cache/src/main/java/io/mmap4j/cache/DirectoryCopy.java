package io.mmap4j.cache;

import static io.mmap4j.cache.CacheFormat.COPY_HEADER_BYTES;
import static io.mmap4j.cache.CacheFormat.COPY_MAGIC;
import static io.mmap4j.cache.CacheFormat.C_BYTES_WRITTEN;
import static io.mmap4j.cache.CacheFormat.C_CORRUPT;
import static io.mmap4j.cache.CacheFormat.C_CRC;
import static io.mmap4j.cache.CacheFormat.C_CURSOR;
import static io.mmap4j.cache.CacheFormat.C_ENTRIES;
import static io.mmap4j.cache.CacheFormat.C_ENTRIES_CRC;
import static io.mmap4j.cache.CacheFormat.C_EVICTIONS;
import static io.mmap4j.cache.CacheFormat.C_FLAGS;
import static io.mmap4j.cache.CacheFormat.C_HITS;
import static io.mmap4j.cache.CacheFormat.C_MAGIC;
import static io.mmap4j.cache.CacheFormat.C_MISSES;
import static io.mmap4j.cache.CacheFormat.C_OBJECTS;
import static io.mmap4j.cache.CacheFormat.C_RECOVERIES;
import static io.mmap4j.cache.CacheFormat.C_RESERVED;
import static io.mmap4j.cache.CacheFormat.C_SERIAL;
import static io.mmap4j.cache.CacheFormat.C_WRITE_BYTES;
import static io.mmap4j.cache.CacheFormat.ENTRY_BYTES;
import static io.mmap4j.cache.CacheFormat.FLAG_CLEAN;
import static io.mmap4j.cache.CacheFormat.FOOTER_MAGIC;
import static io.mmap4j.cache.CacheFormat.F_CRC;
import static io.mmap4j.cache.CacheFormat.F_ENTRIES_CRC;
import static io.mmap4j.cache.CacheFormat.F_MAGIC;
import static io.mmap4j.cache.CacheFormat.F_RESERVED;
import static io.mmap4j.cache.CacheFormat.F_SERIAL;
import static io.mmap4j.cache.CacheFormat.INT;
import static io.mmap4j.cache.CacheFormat.LONG;
import static io.mmap4j.cache.CacheFormat.UNIT;

import io.mmap4j.cache.CacheVolume.Problem;
import java.lang.foreign.MemorySegment;

/**
 * A directory copy, A or B: a header, the entries as they were in memory, a footer. Both header
 * and footer carry the sync serial and the entries' CRC32C, so a copy torn by a crash while it was
 * written never passes as whole: Traffic Server's rule, a copy is valid when its header and footer
 * agree.
 */
final class DirectoryCopy {
    static final String[] NAMES = {"A", "B"};

    /**
     * What a copy's header says.
     *
     * @param serial     the sync serial: one more at each sync, whichever copy it goes to
     * @param cursor     the write cursor at the sync, a ring position in bytes
     * @param objects    non-empty entries
     * @param recoveries opens that had to recover, over the volume's life
     * @param writeBytes the largest single data write of the process that wrote it: the most a crash can tear
     * @param clean      written by {@code close()}: nothing was written after it
     * @param counts     the volume's counts over its life, as of this sync
     */
    record State(long serial, long cursor, long objects, long recoveries, int writeBytes, boolean clean,
                 Counts counts) {
    }

    /**
     * The counts a volume keeps over its life, saved at each sync (since format version 2), so that
     * {@code stats(Path)} reads true figures from the file.
     *
     * @param hits           gets that returned a value
     * @param misses         gets that did not
     * @param evictions      entries dropped because the cursor overwrote their data or their bucket was full
     * @param bytesWritten   bytes of records written to the data region
     * @param corruptDropped entries dropped because their record failed a check
     */
    record Counts(long hits, long misses, long evictions, long bytesWritten, long corruptDropped) {
        static final Counts NONE = new Counts(0, 0, 0, 0, 0);
    }

    /** A copy's state if it is valid, else the first reason it is not. */
    record Checked(int copy, State state, Problem problem) {
        boolean valid() {
            return state != null;
        }
    }

    private DirectoryCopy() {
    }

    /**
     * Writes header and footer around the entries already at {@code buf[64..]}, and zeros after
     * the footer; {@code buf} is one copy's {@code copyBytes}.
     */
    static void encode(MemorySegment buf, VolumeGeometry g, State s) {
        long entriesBytes = g.entries() * ENTRY_BYTES;
        int entriesCrc = CacheFormat.crc(buf, COPY_HEADER_BYTES, entriesBytes);
        buf.set(LONG, C_MAGIC, COPY_MAGIC);
        buf.set(LONG, C_SERIAL, s.serial());
        buf.set(LONG, C_CURSOR, s.cursor());
        buf.set(LONG, C_ENTRIES, g.entries());
        buf.set(LONG, C_OBJECTS, s.objects());
        buf.set(LONG, C_RECOVERIES, s.recoveries());
        buf.set(INT, C_WRITE_BYTES, s.writeBytes());
        buf.set(INT, C_FLAGS, s.clean() ? FLAG_CLEAN : 0);
        Counts n = s.counts();
        buf.set(LONG, C_HITS, n.hits());
        buf.set(LONG, C_MISSES, n.misses());
        buf.set(LONG, C_EVICTIONS, n.evictions());
        buf.set(LONG, C_BYTES_WRITTEN, n.bytesWritten());
        buf.set(LONG, C_CORRUPT, n.corruptDropped());
        buf.asSlice(C_RESERVED, C_ENTRIES_CRC - C_RESERVED).fill((byte) 0);
        buf.set(INT, C_ENTRIES_CRC, entriesCrc);
        buf.set(INT, C_CRC, CacheFormat.crc(buf, 0, C_CRC));
        long footer = COPY_HEADER_BYTES + entriesBytes;
        buf.asSlice(footer).fill((byte) 0);
        buf.set(LONG, footer + F_MAGIC, FOOTER_MAGIC);
        buf.set(LONG, footer + F_SERIAL, s.serial());
        buf.set(INT, footer + F_ENTRIES_CRC, entriesCrc);
        buf.set(INT, footer + F_CRC, CacheFormat.crc(buf, footer, F_CRC));
    }

    /** Checks copy {@code copy} (0 for A, 1 for B) in the file, with {@code crc} for the entries. Reads the whole copy. */
    static Checked check(MemorySegment file, VolumeGeometry g, int copy, MappedCrc crc) {
        long at = g.copyOffset(copy);
        long footer = g.footerOffset(copy);
        String name = "copy " + NAMES[copy] + " ";
        if (file.get(LONG, at + C_MAGIC) != COPY_MAGIC) {
            return bad(copy, at + C_MAGIC, name + "magic", Long.toHexString(file.get(LONG, at + C_MAGIC)), "\"CVDIRHDR\"");
        }
        int headerCrc = ShortCrc32c.of(file, at, C_CRC);
        if (file.get(INT, at + C_CRC) != headerCrc) {
            return bad(copy, at + C_CRC, name + "header crc32c", Integer.toUnsignedString(file.get(INT, at + C_CRC)),
                    Integer.toUnsignedString(headerCrc));
        }
        if (file.get(LONG, footer + F_MAGIC) != FOOTER_MAGIC) {
            return bad(copy, footer + F_MAGIC, name + "footer magic", Long.toHexString(file.get(LONG, footer + F_MAGIC)),
                    "\"CVDIRFTR\"");
        }
        int footerCrc = ShortCrc32c.of(file, footer, F_CRC);
        if (file.get(INT, footer + F_CRC) != footerCrc) {
            return bad(copy, footer + F_CRC, name + "footer crc32c",
                    Integer.toUnsignedString(file.get(INT, footer + F_CRC)), Integer.toUnsignedString(footerCrc));
        }
        long serial = file.get(LONG, at + C_SERIAL);
        if (file.get(LONG, footer + F_SERIAL) != serial) {
            return bad(copy, footer + F_SERIAL, name + "footer sync serial",
                    Long.toUnsignedString(file.get(LONG, footer + F_SERIAL)), serial + ", the header's sync serial");
        }
        if (file.get(LONG, at + C_ENTRIES) != g.entries()) {
            return bad(copy, at + C_ENTRIES, name + "entries", Long.toUnsignedString(file.get(LONG, at + C_ENTRIES)),
                    Long.toString(g.entries()));
        }
        long cursor = file.get(LONG, at + C_CURSOR);
        if (cursor < 0 || cursor % UNIT != 0) {
            return bad(copy, at + C_CURSOR, name + "write cursor", Long.toUnsignedString(cursor),
                    "a non-negative multiple of " + UNIT);
        }
        int flags = file.get(INT, at + C_FLAGS);
        if ((flags & ~FLAG_CLEAN) != 0) {
            return bad(copy, at + C_FLAGS, name + "flags", Integer.toHexString(flags), "0 or 1");
        }
        int writeBytes = file.get(INT, at + C_WRITE_BYTES);
        if (writeBytes <= 0 || writeBytes % UNIT != 0) {
            return bad(copy, at + C_WRITE_BYTES, name + "largest write", Integer.toUnsignedString(writeBytes),
                    "a positive multiple of " + UNIT);
        }
        long objects = file.get(LONG, at + C_OBJECTS);
        if (objects < 0 || objects > g.entries()) {
            return bad(copy, at + C_OBJECTS, name + "objects", Long.toUnsignedString(objects),
                    "at most the " + g.entries() + " entries");
        }
        for (int r = C_RESERVED; r < C_ENTRIES_CRC; r += 4) {
            if (file.get(INT, at + r) != 0) {
                return bad(copy, at + r, name + "reserved bytes", "not zero", "zero");
            }
        }
        long[] counts = new long[5];
        String[] countNames = {"hits", "misses", "evictions", "bytes written", "corrupt dropped"};
        for (int i = 0; i < counts.length; i++) {
            counts[i] = file.get(LONG, at + C_HITS + 8L * i);
            if (counts[i] < 0) {
                return bad(copy, at + C_HITS + 8L * i, name + countNames[i], Long.toUnsignedString(counts[i]),
                        "at most " + Long.MAX_VALUE);
            }
        }
        for (int r = F_RESERVED; r < F_CRC; r += 4) {
            if (file.get(INT, footer + r) != 0) {
                return bad(copy, footer + r, name + "footer reserved bytes", "not zero", "zero");
            }
        }
        int entriesCrc = file.get(INT, at + C_ENTRIES_CRC);
        if (file.get(INT, footer + F_ENTRIES_CRC) != entriesCrc) {
            return bad(copy, footer + F_ENTRIES_CRC, name + "footer entries crc32c",
                    Integer.toUnsignedString(file.get(INT, footer + F_ENTRIES_CRC)),
                    Integer.toUnsignedString(entriesCrc) + ", the header's");
        }
        int computed = crc.of(file, at + COPY_HEADER_BYTES, g.entries() * ENTRY_BYTES);
        if (computed != entriesCrc) {
            return bad(copy, at + C_ENTRIES_CRC, name + "entries crc32c", Integer.toUnsignedString(entriesCrc),
                    Integer.toUnsignedString(computed) + ", the CRC32C of the entries");
        }
        return new Checked(copy, new State(serial, cursor, objects, file.get(LONG, at + C_RECOVERIES), writeBytes,
                (flags & FLAG_CLEAN) != 0, new Counts(counts[0], counts[1], counts[2], counts[3], counts[4])), null);
    }

    /**
     * The copy open loads: the newer valid one (A when both are valid with the same serial), or
     * null when neither is valid. Traffic Server's rule; open, verify and stats all choose by it.
     */
    static Checked newer(Checked a, Checked b) {
        if (a.valid() && (!b.valid() || a.state().serial() >= b.state().serial())) {
            return a;
        }
        return b.valid() ? b : null;
    }

    private static Checked bad(int copy, long offset, String field, String found, String expected) {
        return new Checked(copy, null, new Problem(offset, field, found, expected));
    }
}
