package io.mmap4j;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ClosedChannelException;

/**
 * The exceptions of {@link MMap}'s error contract, each with a message that names the bad value,
 * the limit it broke and the map ({@link MMap#source()}).
 *
 * <p>Accesses go straight to the FFM, which checks bounds, alignment, read-only and liveness on
 * every access itself; checking first as well would double that work in front of every atomic (C2
 * does not merge the two). Only once the FFM has thrown does {@link #failure} work out which of the
 * map's rules was broken, so the messages are built here, off the hot path, and the catch blocks
 * of the accessors cost nothing until then. Views, streams and the native calls, off the hot path,
 * check up front with {@link #outOfBounds} and {@link #closed}.
 */
final class MapErrors {
    private MapErrors() {}

    /**
     * What an access does, for {@link #failure}: whether it writes, and whether it must be aligned.
     * A read's caller-given buffer is its {@code dst}, a write's its {@code src}.
     */
    enum Access {
        READ(false, false), WRITE(true, false), ATOMIC_READ(false, true), ATOMIC_WRITE(true, true);

        final boolean writes;
        final boolean aligned;

        Access(boolean writes, boolean aligned) {
            this.writes = writes;
            this.aligned = aligned;
        }
    }

    /**
     * The exception to throw for an access of {@code length} bytes at {@code pos} of the mapping
     * {@code s} that the FFM refused with {@code e}: the rule of the map it broke, or {@code e} itself
     * when it broke none (a caller's array or buffer was at fault, or the access raced with a resize).
     */
    static RuntimeException failure(MMap map, MemorySegment s, RuntimeException e, long pos, long length,
                                    Access access) {
        if (e instanceof NullPointerException) {
            // Only a caller's buffer can be null; named here, as Objects.requireNonNull would, so
            // that the access path carries no null check of its own.
            return new NullPointerException(access.writes ? "src" : "dst");
        }
        if (s == MMap.CLOSED) {
            return closed(map);
        }
        if ((pos | length) < 0 || pos > s.byteSize() - length) {
            return outOfBounds(map, s, pos, length);
        }
        if (access.aligned && ((s.address() + pos) & (length - 1)) != 0) {
            return misaligned(map, s, pos, (int) length);
        }
        if (access.writes && map.isReadOnly()) {
            return readOnly(map);
        }
        return e;
    }

    /** {@code [pos, pos + length)} is not a range of {@code s}; or {@code s} is the closed mapping. */
    static RuntimeException outOfBounds(MMap map, MemorySegment s, long pos, long length) {
        if (s == MMap.CLOSED) {
            return closed(map);
        }
        String in = s.byteSize() + "-byte map of " + map.source();
        if (pos < 0) {
            return new IndexOutOfBoundsException("negative position " + pos + " in the " + in);
        }
        if (length < 0) {
            return new IndexOutOfBoundsException("negative length " + length + " at position " + pos + " in the " + in);
        }
        return new IndexOutOfBoundsException("range [" + pos + ", " + pos + " + " + length + ") is outside the " + in);
    }

    /** A search range whose end comes before its start. */
    static IndexOutOfBoundsException backwards(MMap map, long from, long to) {
        return new IndexOutOfBoundsException("search range [" + from + ", " + to + ") ends before it starts, in the"
                + " map of " + map.source());
    }

    /** Alignment is judged on the file offset of {@code pos}, or on its address in a wrapped segment. */
    static IllegalArgumentException misaligned(MMap map, MemorySegment s, long pos, int size) {
        String where = map.path().isPresent()
                ? "its file offset " + (map.fileOffset() + pos)
                : "its address 0x" + Long.toHexString(s.address() + pos);
        return new IllegalArgumentException("position " + pos + " is misaligned for " + size + "-byte atomic access: "
                + where + " is not a multiple of " + size + " (" + map.source() + ")");
    }

    static IllegalStateException closed(MMap map) {
        return new IllegalStateException("the map of " + map.source() + " is closed");
    }

    static ReadOnlyBufferException readOnly(MMap map) {
        return new ReadOnlyMapException("the map of " + map.source()
                + " is read-only: open it with WRITE (or PRIVATE)");
    }

    /**
     * How {@link MappedChannel} and the streams report a closed map, as {@code java.nio} does: a
     * {@link ClosedChannelException} whose cause says which map. Returns if the map is open.
     */
    static void throwIfClosed(MMap map) throws ClosedChannelException {
        if (!map.isOpen()) {
            throw (ClosedChannelException) new ClosedChannelException().initCause(closed(map));
        }
    }

    /**
     * The {@link IOException} that streams, channels and {@link MappedFiles} throw for an access
     * at {@code pos} that faulted, or null if {@code e} is not the JVM's report of a fault: a page
     * past the end of a file that another party cut short (or, for a write, a page its full file
     * system could not supply). The JVM reports it as an {@link InternalError}, which code written
     * to catch {@code IOException} would let through.
     */
    static IOException faultAt(MMap map, Throwable e, long pos) {
        if (!(e instanceof InternalError) || e.getMessage() == null || !e.getMessage().startsWith("a fault occurred")) {
            return null;
        }
        return new IOException("a fault at position " + pos + " of the map of " + map.source() + ": the file was cut"
                + " short by another party while mapped (or, for a write, its file system is full)", e);
    }

    /**
     * A resize or refresh that the map's kind forbids: a wrapped segment's size is its owner's, and
     * remapping a private map would drop its changes.
     */
    static UnsupportedOperationException cannotResize(MMap map, String what) {
        if (map.path().isEmpty()) {
            return new UnsupportedOperationException("a " + map.source() + " cannot be " + what
                    + ": its size belongs to whoever mapped it");
        }
        return new UnsupportedOperationException("a PRIVATE map cannot be " + what
                + ": remapping would drop its private changes (" + map.source() + ")");
    }
}
