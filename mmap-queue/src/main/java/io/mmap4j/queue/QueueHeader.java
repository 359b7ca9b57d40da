package io.mmap4j.queue;

import static io.mmap4j.queue.QueueFormat.CELL_BYTES;
import static io.mmap4j.queue.QueueFormat.F_CELLS;
import static io.mmap4j.queue.QueueFormat.F_CELL_BYTES;
import static io.mmap4j.queue.QueueFormat.F_DATA_OFFSET;
import static io.mmap4j.queue.QueueFormat.F_FILE_SIZE;
import static io.mmap4j.queue.QueueFormat.F_HEADER_CRC;
import static io.mmap4j.queue.QueueFormat.F_MAGIC;
import static io.mmap4j.queue.QueueFormat.F_SEQ_KEY;
import static io.mmap4j.queue.QueueFormat.F_UNBLOCK_NANOS;
import static io.mmap4j.queue.QueueFormat.F_VERSION;
import static io.mmap4j.queue.QueueFormat.INT;
import static io.mmap4j.queue.QueueFormat.LONG;
import static io.mmap4j.queue.QueueFormat.MAGIC;
import static io.mmap4j.queue.QueueFormat.MAX_CELLS;
import static io.mmap4j.queue.QueueFormat.MIN_CELLS;
import static io.mmap4j.queue.QueueFormat.PAGE;
import static io.mmap4j.queue.QueueFormat.DATA_OFFSET;
import static io.mmap4j.queue.QueueFormat.VERSION;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The creation-time fields of a queue's header, checked. {@link #check} reads only the header
 * page and reports every field that contradicts the format or the file's length; it never writes.
 */
record QueueHeader(long cells, long unblockNanos, long seqKey, long fileSize) {

    /** The header of {@code file} ({@code fileLength} bytes long), or the problems that make it unusable. */
    static QueueHeader check(MemorySegment file, long fileLength, List<MappedQueue.Problem> problems) {
        int before = problems.size();
        if (fileLength < PAGE) {
            problems.add(new MappedQueue.Problem(fileLength, "file length", fileLength + " bytes",
                    "at least the " + PAGE + "-byte header page"));
            return null;
        }
        long magic = file.get(LONG, F_MAGIC);
        if (magic != MAGIC) {
            problems.add(new MappedQueue.Problem(F_MAGIC, "magic", hex(magic), hex(MAGIC) + " (ASCII MMAP4JQU)"));
            return null; // not a queue file at all: the other fields mean nothing
        }
        int version = file.get(INT, F_VERSION);
        if (version != VERSION) {
            problems.add(new MappedQueue.Problem(F_VERSION, "format version", Integer.toUnsignedString(version),
                    VERSION + (version == 1 || version == 2 ? " (format " + version + " was written by an earlier"
                            + " mmap4j; drain the queue with that release, then create it anew)" : "")));
            return null; // another version lays the rest out differently
        }
        int crc = file.get(INT, F_HEADER_CRC);
        int expectedCrc = QueueFormat.headerCrc(file);
        if (crc != expectedCrc) {
            problems.add(new MappedQueue.Problem(F_HEADER_CRC, "header checksum", hex(crc),
                    hex(expectedCrc) + " (CRC32C of bytes 0 to 55)"));
        }
        int cellBytes = file.get(INT, F_CELL_BYTES);
        if (cellBytes != CELL_BYTES) {
            problems.add(new MappedQueue.Problem(F_CELL_BYTES, "cell size", Integer.toUnsignedString(cellBytes),
                    Integer.toString(CELL_BYTES)));
        }
        long cells = file.get(LONG, F_CELLS);
        if (cells < MIN_CELLS || cells > MAX_CELLS) {
            problems.add(new MappedQueue.Problem(F_CELLS, "cell count", Long.toUnsignedString(cells),
                    MIN_CELLS + " to " + MAX_CELLS));
            return null; // every other offset derives from it
        }
        long unblock = file.get(LONG, F_UNBLOCK_NANOS);
        if (unblock <= 0) {
            problems.add(new MappedQueue.Problem(F_UNBLOCK_NANOS, "unblock timeout", Long.toUnsignedString(unblock)
                    + " ns", "a positive number of nanoseconds"));
        }
        expectField(file, F_DATA_OFFSET, "data offset", DATA_OFFSET, "the header page's size", problems);
        long size = QueueFormat.fileSize(cells);
        expectField(file, F_FILE_SIZE, "file size", size, "derived from the cell count", problems);
        long key = file.get(LONG, F_SEQ_KEY);
        if (key == 0) {
            problems.add(new MappedQueue.Problem(F_SEQ_KEY, "sequence key", "0", "a non-zero random number"));
        }
        if (fileLength < size) {
            problems.add(new MappedQueue.Problem(fileLength, "file length", fileLength + " bytes",
                    size + " bytes, as the header's cell count gives (the file is truncated)"));
        }
        return problems.size() == before ? new QueueHeader(cells, unblock, key, size) : null;
    }

    private static void expectField(MemorySegment file, int offset, String name, long expected, String why,
                                    List<MappedQueue.Problem> problems) {
        long found = file.get(LONG, offset);
        if (found != expected) {
            problems.add(new MappedQueue.Problem(offset, name, Long.toUnsignedString(found),
                    expected + " (" + why + ")"));
        }
    }

    static String hex(long value) {
        return "0x" + Long.toHexString(value).toUpperCase(java.util.Locale.ROOT);
    }

    static String hex(int value) {
        return "0x" + Integer.toHexString(value).toUpperCase(java.util.Locale.ROOT);
    }
}
