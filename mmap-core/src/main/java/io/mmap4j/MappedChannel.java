package io.mmap4j;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A {@link SeekableByteChannel} over an {@link MMap}, with the cursor operations of a file handle:
 * relative reads that report the end with -1, {@linkplain #position(long, Origin) seeking} from the
 * start, the current position or the end, and {@link #readLine()}. Obtain one from
 * {@link MMap#channel()} or {@link MappedFiles#newByteChannel}.
 *
 * <pre>{@code
 * try (MMap map = MMap.open(log, READ);
 *      MappedChannel ch = map.channel()) {
 *     ch.position(-4096, MappedChannel.Origin.END);     // the last 4 KiB
 *     for (String line; (line = ch.readLine()) != null; ) {
 *         ...
 *     }
 * }
 * }</pre>
 *
 * <h2>The file the channel sees</h2>
 * The channel behaves as a {@link java.nio.channels.FileChannel} on a file whose bytes are the
 * map's: a position beyond the end is allowed, a read there returns -1, a write there extends the
 * channel's size and the gap reads as zeros; {@link #truncate} cuts the map (and the file, when the
 * map ends it) and pulls the position back. A write past the end of the map grows the map by
 * {@link MMap#grow()}'s policy, in steps, never byte by byte; while it has grown, {@link #size()}
 * is where the written bytes end, and {@link #close()} cuts the map (and the file) back to that
 * size, as a file written with {@code Files.newOutputStream} ends at its last byte. Over a map that
 * is a prefix of a longer file, the bytes a growth brings in are the file's own, not zeros.
 *
 * <p>A channel that has not grown the map sees the map's current size, so a reader of a map that
 * is {@linkplain MMap#refresh() refreshed} sees the new size. While a channel writes past the end,
 * it should be the only one that resizes the map.
 *
 * <h2>Errors</h2>
 * As {@code FileChannel}: after {@link #close()}, or once the map is closed, every operation but
 * {@link #isOpen()} and {@link #close()} throws {@link ClosedChannelException} (whose cause, when
 * the map was closed, names the map); a write or truncate on a channel opened for reading only
 * throws {@link NonWritableChannelException} (so does every write over a read-only map), a read on
 * one opened for writing only {@link NonReadableChannelException}; a negative position or size is
 * an {@link IllegalArgumentException}. A write past the end of a map that cannot grow (a private
 * map, a wrapped segment) throws {@link UnsupportedOperationException}; one that the file system
 * refuses, or that would end past {@link Long#MAX_VALUE}, an {@link IOException}. So does a read
 * or write that faults because another process cut the file short under the map (or, writing, the
 * file system is full): the JVM's {@link InternalError} is its cause, never thrown as is.
 *
 * <h2>Lifetime</h2>
 * The channel borrows its map. Closing a channel obtained from {@link MMap#channel()} leaves the
 * map open; closing one from {@link MappedFiles} closes its map. Close a channel before its map:
 * once the map is closed, the channel can no longer cut it back.
 *
 * <h2>Threads and cost</h2>
 * Safe for use by several threads: each operation holds the channel's lock, so reads and writes
 * are atomic with respect to the position. A read or write is one {@code memcpy} from or to the
 * mapped memory; there is no system call unless the map grows or the channel was opened with
 * {@code SYNC} (an {@code msync} per write).
 */
public final class MappedChannel implements SeekableByteChannel {
    /** Where {@link #position(long, Origin)} counts from, as {@code SEEK_SET}, {@code SEEK_CUR}, {@code SEEK_END}. */
    public enum Origin {
        /** From the first byte: the offset is the new position. */
        START,
        /** From the current position. */
        CURRENT,
        /** From the end: offset 0 is the size, -1 the last byte. */
        END
    }

    /**
     * The largest array the JDK allocates, as {@code Files.readAllBytes} assumes: the limit of a
     * whole read into one array, and of a line.
     */
    static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** {@link #transferTo} copies through a buffer of at most this many bytes. */
    private static final int TRANSFER_CHUNK = 64 * 1024;

    private final MMap map;
    private final ChannelMode mode;
    /** Whether closing the channel closes the map: a channel of {@link MappedFiles}. */
    private final boolean ownsMap;
    /**
     * Whether {@link #map()} has handed the map out, so that views of it may be in use elsewhere;
     * until then, closing an owned {@code AUTO_UNMAP} map may cut the file (see {@link MMap#close(boolean)}).
     */
    private volatile boolean mapHandedOut;
    private long position;
    /**
     * The size while this channel has grown the map: the map then holds zero bytes past it, up to
     * the step it grew to. -1 while the channel has not grown the map, whose size is then the size.
     */
    private long grownSize = -1;
    private boolean open = true;
    /** The line cursor of the last {@link #readLine} call; lines in the same charset reuse its buffer. */
    private LineCursor lines;

    MappedChannel(MMap map, long position, ChannelMode mode, boolean ownsMap) {
        this.map = map;
        this.position = position;
        this.mode = mode;
        this.ownsMap = ownsMap;
    }

    /**
     * The map this channel reads and writes, for what a channel lacks: search
     * ({@link MMap#indexOf}), typed access, {@link MMap#force()}. While the channel has grown the
     * map, the map is longer than {@link #size()} and the bytes past it are zeros.
     *
     * @return the map; closing it makes this channel throw {@link ClosedChannelException}
     */
    public MMap map() {
        mapHandedOut = true;
        return map;
    }

    // ---------------------------------------------------------------------------------------------
    // SeekableByteChannel

    /**
     * Reads up to {@code dst.remaining()} bytes at the position into {@code dst} and advances the
     * position by the number read.
     *
     * @return the number of bytes read: all that {@code dst} has room for or all up to the end,
     *         whichever is fewer; 0 if {@code dst} has no room; -1 if the position is at or past
     *         the end
     * @throws IllegalArgumentException if {@code dst} is read-only
     */
    @Override
    public synchronized int read(ByteBuffer dst) throws IOException {
        checkReadable();
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("Read-only buffer");
        }
        int want = dst.remaining();
        if (want == 0) {
            return 0;
        }
        int at = dst.position();
        int n = dst.hasArray()
                ? readInto(dst.array(), dst.arrayOffset() + at, want)
                : readInto(MemorySegment.ofBuffer(dst), want);
        if (n > 0) {
            dst.position(at + n);
        }
        return n;
    }

    /**
     * Writes all of {@code src} at the position (at the end in append mode), growing the map if it
     * passes the end, and advances the position past it.
     *
     * @return the number of bytes written: {@code src.remaining()}
     */
    @Override
    public synchronized int write(ByteBuffer src) throws IOException {
        checkWritable();
        int n = src.remaining();
        if (n == 0) {
            return 0;
        }
        int at = src.position();
        if (src.hasArray()) {
            writeFrom(src.array(), src.arrayOffset() + at, n);
        } else {
            writeFrom(MemorySegment.ofBuffer(src), n);
        }
        src.position(at + n);
        return n;
    }

    /** The position: where the next read or write starts (in append mode, the size). */
    @Override
    public synchronized long position() throws IOException {
        checkOpen();
        return mode.append() ? size() : position;
    }

    /**
     * Sets the position. A position past the end is allowed: a read there returns -1, a write
     * there extends the channel and the gap reads as zeros. In append mode writes still go to
     * the end.
     *
     * @return this channel
     */
    @Override
    public synchronized MappedChannel position(long newPosition) throws IOException {
        checkOpen();
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position " + newPosition);
        }
        position = newPosition;
        return this;
    }

    /**
     * Sets the position to {@code offset} counted from {@code origin}, as {@code lseek} and
     * Python's {@code seek(offset, whence)}: {@code position(-10, END)} is 10 bytes before the end.
     *
     * @param offset the distance from {@code origin}, in bytes; negative counts back
     * @param origin where {@code offset} counts from: the start, the current position or the end
     * @return this channel
     * @throws IOException              if this channel or its map is closed
     * @throws IllegalArgumentException if the new position would be negative or overflow a long
     */
    public synchronized MappedChannel position(long offset, Origin origin) throws IOException {
        Objects.requireNonNull(origin, "origin");
        checkOpen();
        long base = switch (origin) {
            case START -> 0;
            case CURRENT -> position();
            case END -> size();
        };
        long target = base + offset;
        if (((base ^ target) & (offset ^ target)) < 0) {
            throw new IllegalArgumentException("position " + base + " (" + origin + ") + " + offset + " overflows a long");
        }
        if (target < 0) {
            throw new IllegalArgumentException("position " + base + " (" + origin + ") + " + offset + " = " + target
                    + " is negative");
        }
        position = target; // already checked: open, not negative
        return this;
    }

    /** The size: the map's size, or, while this channel has grown the map, where the bytes it wrote end. */
    @Override
    public synchronized long size() throws IOException {
        checkOpen();
        try {
            return sizeOf(map.segment());
        } catch (IllegalStateException | InternalError e) {
            throw failed(e);
        }
    }

    /**
     * Cuts the channel to {@code size} bytes if it is longer, resizing the map (and the file, when
     * the map ends it), and pulls the position back to {@code size} if it is past it, as
     * {@link java.nio.channels.FileChannel#truncate} does. A larger {@code size} changes nothing
     * but the position rule. A map that cannot be resized (private, or a wrapped segment) throws
     * {@link UnsupportedOperationException}.
     *
     * @return this channel
     */
    @Override
    public synchronized MappedChannel truncate(long size) throws IOException {
        checkOpen();
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        checkWritable();
        try {
            if (size < sizeOf(map.segment())) {
                map.resize(size);
                grownSize = -1;
            }
        } catch (IllegalStateException | InternalError e) {
            throw failed(e);
        }
        if (position > size) {
            position = size;
        }
        return this;
    }

    /** Whether this channel is open. A channel whose map was closed is open, but every operation throws. */
    @Override
    public synchronized boolean isOpen() {
        return open;
    }

    /**
     * Closes the channel. If it grew the map, the map (and the file) is cut back to {@link #size()}
     * first; in {@code SYNC} mode the map is then forced to the device. A channel from
     * {@link MappedFiles} closes its map; one from {@link MMap#channel()} leaves it open. Closing
     * again does nothing.
     *
     * @throws IOException if the map cannot be cut back or forced; the channel is closed anyway
     */
    @Override
    public synchronized void close() throws IOException {
        if (!open) {
            return;
        }
        open = false;
        try {
            if (map.isOpen() && mode.write()) {
                if (grownSize >= 0) {
                    map.resize(grownSize);
                    grownSize = -1;
                }
                if (mode.sync()) {
                    map.force();
                }
            }
        } finally {
            if (ownsMap) {
                map.close(!mapHandedOut);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Lines

    /**
     * Reads the line at the position as UTF-8, as {@link #readLine(Charset)}.
     *
     * @return the line without its terminator, or null at the end
     * @throws CharacterCodingException if the line is not valid UTF-8; the position is left at its start
     * @throws IOException              if the line is longer than the largest {@code String}, or as
     *                                  any read
     */
    public String readLine() throws IOException {
        return readLine(StandardCharsets.UTF_8);
    }

    /**
     * Reads the line at the position and moves the position to the start of the next line. A
     * line ends at {@code "\n"}, {@code "\r\n"}, a lone {@code '\r'}, or the end, as
     * {@link java.io.BufferedReader#readLine()} decides; the last line needs no terminator.
     * Returns null at the end, so {@code "a\nb"} gives {@code "a"}, {@code "b"}, null, and
     * {@code "a\n"} gives {@code "a"}, null. Costs a scan of the line, eight bytes at a time, a
     * copy into a buffer the channel reuses, and the decoding of that into the new string.
     *
     * @param charset UTF-8, US-ASCII, or another charset in which {@code '\n'} and {@code '\r'}
     *                are the single bytes 0x0A and 0x0D and those bytes mean nothing else (such as
     *                ISO-8859-1, which maps every byte to one char)
     * @return the line without its terminator, or null if the position is at or past the end
     * @throws CharacterCodingException if the line is not valid in {@code charset}; the position
     *                                  is left at its start
     * @throws IllegalArgumentException if {@code charset} is not one whose lines can be found in
     *                                  its bytes (UTF-16, UTF-32, EBCDIC)
     * @throws IOException              if the line is longer than the largest {@code String}, or as
     *                                  any read
     */
    public synchronized String readLine(Charset charset) throws IOException {
        Objects.requireNonNull(charset, "charset");
        checkReadable();
        if (lines == null || !lines.charset().equals(charset)) {
            if (!LineDecoder.splitsOnBytes(charset)) {
                throw LineDecoder.notSplittable(charset);
            }
            lines = new LineCursor(charset, 0);
        }
        try {
            MemorySegment s = map.segment();
            long end = sizeOf(s);
            if (position >= end) {
                return null;
            }
            lines.position(position);
            String line = lines.next(s, end);
            position = lines.position();
            return line;
        } catch (IllegalStateException | InternalError e) {
            throw failed(e);
        }
    }

    /** Names the map, and whether this channel is closed, for logs. */
    @Override
    public String toString() {
        return "MappedChannel[" + map + (isOpen() ? "" : ", closed") + "]";
    }

    // ---------------------------------------------------------------------------------------------
    // The streams' fast paths: no ByteBuffer, one lock per call.

    /** One byte at the position as 0..255, or -1 at the end. */
    synchronized int read() throws IOException {
        checkReadable();
        try {
            MemorySegment s = map.segment();
            return readable(s, 1) < 0 ? -1 : s.get(JAVA_BYTE, position++) & 0xFF;
        } catch (IllegalStateException | InternalError e) {
            throw failed(e);
        }
    }

    /** Reads into {@code b[off, off + len)}, {@code len > 0}, already checked; -1 at the end. */
    synchronized int read(byte[] b, int off, int len) throws IOException {
        checkReadable();
        return readInto(b, off, len);
    }

    /** All bytes from the position to the end, or at most {@code max}. */
    synchronized byte[] readNBytes(int max) throws IOException {
        checkReadable();
        try {
            MemorySegment s = map.segment();
            long remaining = Math.max(0, sizeOf(s) - position);
            if (remaining > MAX_ARRAY && max > MAX_ARRAY) {
                throw new OutOfMemoryError("Required array size too large: " + remaining + " bytes remain at position "
                        + position + ", an array holds at most " + MAX_ARRAY);
            }
            byte[] bytes = new byte[(int) Math.min(remaining, max)];
            MemorySegment.copy(s, JAVA_BYTE, position, bytes, 0, bytes.length);
            position += bytes.length;
            return bytes;
        } catch (IllegalStateException | InternalError e) {
            throw failed(e);
        }
    }

    /** Copies the rest to {@code out} in chunks, so that nothing proportional to the map is allocated. */
    long transferTo(OutputStream out) throws IOException {
        long remaining = available();
        if (remaining == 0) {
            return 0;
        }
        byte[] chunk = new byte[(int) Math.min(remaining, TRANSFER_CHUNK)];
        long total = 0;
        for (int n; (n = read(chunk, 0, chunk.length)) > 0; ) {
            out.write(chunk, 0, n);
            total += n;
        }
        return total;
    }

    /** {@code InputStream.skip} as the JDK's channel streams do it: backwards too, clamped to [0, size]. */
    synchronized long skip(long n) throws IOException {
        checkOpen();
        long from = position;
        long to;
        if (n > 0) {
            long size = size();
            to = from + n;
            if (to < 0 || to > size) {
                to = size;
            }
        } else {
            to = Math.max(from + n, 0);
        }
        position = to;
        return to - from;
    }

    /** The bytes left between the position and the end, at most {@link Integer#MAX_VALUE}. */
    synchronized int available() throws IOException {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(0, size() - position));
    }

    synchronized void write(int b) throws IOException {
        checkWritable();
        try {
            long at = writePosition(1);
            reserve(at + 1).set(JAVA_BYTE, at, (byte) b);
            wrote(at, 1);
        } catch (IllegalStateException | InternalError e) {
            throw failed(e);
        }
    }

    /** Writes {@code b[off, off + len)}, {@code len > 0}, already checked. */
    synchronized void write(byte[] b, int off, int len) throws IOException {
        checkWritable();
        writeFrom(b, off, len);
    }

    // ---------------------------------------------------------------------------------------------
    // Internals. Callers hold the lock. A segment access that fails with IllegalStateException
    // because the map was closed meanwhile becomes ClosedChannelException (MapErrors.throwIfClosed),
    // and a fault (the file cut short under the map) an IOException (MapErrors.faultAt); any other
    // failure is not the channel's to translate.

    /** What a failed access throws instead of {@code e}, as the comment above says; {@code e} itself if nothing. */
    private IOException failed(Throwable e) throws ClosedChannelException {
        MapErrors.throwIfClosed(map);
        IOException fault = MapErrors.faultAt(map, e, position);
        if (fault != null) {
            return fault;
        }
        if (e instanceof RuntimeException unexpected) {
            throw unexpected;
        }
        throw (Error) e;
    }

    /**
     * Copies up to {@code want} bytes at the position into {@code dst[offset, ...)}, straight into
     * the array so that stream reads allocate nothing; advances the position. The count, or -1 at
     * the end.
     */
    private int readInto(byte[] dst, int offset, int want) throws IOException {
        try {
            MemorySegment s = map.segment();
            int n = readable(s, want);
            if (n > 0) {
                MemorySegment.copy(s, JAVA_BYTE, position, dst, offset, n);
                position += n;
            }
            return n;
        } catch (IllegalStateException | InternalError e) {
            throw failed(e);
        }
    }

    /** As {@link #readInto(byte[], int, int)}, into the start of {@code dst}. */
    private int readInto(MemorySegment dst, int want) throws IOException {
        try {
            MemorySegment s = map.segment();
            int n = readable(s, want);
            if (n > 0) {
                MemorySegment.copy(s, position, dst, 0, n);
                position += n;
            }
            return n;
        } catch (IllegalStateException | InternalError e) {
            throw failed(e);
        }
    }

    /** Writes {@code src[offset, offset + n)} at the write position, growing the map if needed. */
    private void writeFrom(byte[] src, int offset, int n) throws IOException {
        try {
            long at = writePosition(n);
            MemorySegment.copy(src, offset, reserve(at + n), JAVA_BYTE, at, n);
            wrote(at, n);
        } catch (IllegalStateException | InternalError e) {
            throw failed(e);
        }
    }

    /** As {@link #writeFrom(byte[], int, int)}, from the start of {@code src}. */
    private void writeFrom(MemorySegment src, int n) throws IOException {
        try {
            long at = writePosition(n);
            MemorySegment.copy(src, 0, reserve(at + n), at, n);
            wrote(at, n);
        } catch (IllegalStateException | InternalError e) {
            throw failed(e);
        }
    }

    private long sizeOf(MemorySegment s) {
        // min: robust if the map was shrunk by someone else while this channel had grown it
        return grownSize >= 0 ? Math.min(grownSize, s.byteSize()) : s.byteSize();
    }

    /** How many of {@code want} bytes can be read at the position: at least 1, or -1 at the end. */
    private int readable(MemorySegment s, int want) {
        long left = sizeOf(s) - position;
        return left <= 0 ? -1 : (int) Math.min(want, left);
    }

    /** Where a write of {@code n} bytes goes, checked not to end past {@link Long#MAX_VALUE}. */
    private long writePosition(int n) throws IOException {
        long at = mode.append() ? sizeOf(map.segment()) : position;
        if (at > Long.MAX_VALUE - n) {
            throw new IOException("a write of " + n + " bytes at position " + at + " would end past the largest"
                    + " position, " + Long.MAX_VALUE);
        }
        return at;
    }

    /**
     * The mapping, grown if needed so that it holds {@code end} bytes. Bytes between the old size
     * and a write past it are zeros: the map grows only by this channel's steps, which add zeros,
     * and {@link #truncate} cuts the map itself, so nothing stale lies past the size.
     */
    private MemorySegment reserve(long end) throws IOException {
        MemorySegment s = map.segment();
        if (end <= s.byteSize()) {
            return s;
        }
        long size = sizeOf(s);
        map.growTo(end);
        if (grownSize < 0) {
            grownSize = size;
        }
        return map.segment();
    }

    private void wrote(long at, int n) throws IOException {
        long end = at + n;
        position = end;
        if (grownSize >= 0 && end > grownSize) {
            grownSize = end;
        }
        if (mode.sync()) {
            map.force(at, n);
        }
    }

    /**
     * Both this channel and its map must be open: an operation that does not touch the mapped
     * memory (position, skip) would otherwise answer on a closed map. A volatile read.
     */
    private void checkOpen() throws ClosedChannelException {
        if (!open) {
            throw new ClosedChannelException();
        }
        MapErrors.throwIfClosed(map);
    }

    private void checkReadable() throws ClosedChannelException {
        checkOpen();
        if (!mode.read()) {
            throw new NonReadableChannelException();
        }
    }

    private void checkWritable() throws ClosedChannelException {
        checkOpen();
        if (!mode.write() || map.isReadOnly()) {
            throw new NonWritableChannelException();
        }
    }
}
