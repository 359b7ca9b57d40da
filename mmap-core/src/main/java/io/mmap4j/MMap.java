package io.mmap4j;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.FileChannel.MapMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A memory-mapped file, or a range of one, or named shared memory: positional reads and writes,
 * little-endian typed access, atomics, and zero-copy views.
 *
 * <pre>{@code
 * try (MMap m = MMap.open(path, 1 << 20, CREATE, READ, WRITE)) {
 *     m.pwrite(0, "hello".getBytes(UTF_8));
 *     long previous = m.getAndAddLong(64, 1);   // atomic, visible to every process mapping the file
 *     MemorySegment view = m.slice(4096, 4096); // zero-copy, valid until close()
 * }
 * }</pre>
 *
 * <h2>Sharing</h2>
 * A map is {@code MAP_SHARED} unless opened with {@link MapOption#PRIVATE}: its writes reach the
 * file, and every other map of the same file, in this process or another, sees them at once.
 * Named shared memory ({@link #openShared}) lives in {@code /dev/shm}: memory only, gone at reboot.
 *
 * <h2>Byte order and alignment</h2>
 * Every typed access is little-endian whatever the host, so a file reads the same on every
 * machine and from C or Python. Plain typed access may be unaligned. Atomic and ordered access
 * ({@code getAndAddLong}, {@code getIntVolatile}, ...) needs natural alignment, judged on the
 * <em>file offset</em> of the position: in a map opened at file offset 4, position 4 is
 * 8-byte aligned and position 0 is not.
 *
 * <h2>Lifetime</h2>
 * By default {@link #close()} unmaps at once, and every later access, through this handle or any
 * view obtained from it ({@link #slice}, {@link #segment()}, {@link #asByteBuffer}), from any
 * thread, throws {@link IllegalStateException}. It never crashes the JVM, not even when another
 * thread is in the middle of an access. With {@link MapOption#AUTO_UNMAP}, close releases the file
 * and its lock, and the memory stays mapped while any view is reachable. See
 * {@code docs/lifetimes.md}.
 *
 * <h2>As a file</h2>
 * {@link #inputStream(long)}, {@link #outputStream(long)} and {@link #channel()} (a
 * {@link MappedChannel}, with {@code readLine} and seeking from the end) let the map be used where
 * Java code expects streams and channels; {@link #indexOf} and {@link #lastIndexOf} search it.
 * {@link MappedFiles} does the same for whole files, in the words of {@link Files}.
 *
 * <h2>Errors</h2>
 * A range outside the map is an {@link IndexOutOfBoundsException}; a misaligned atomic an
 * {@link IllegalArgumentException}; a write to a read-only map a {@link ReadOnlyBufferException};
 * any access after close an {@link IllegalStateException}; a null argument a
 * {@link NullPointerException}. Each message names the bad value and the limit it broke.
 * If another process truncates the file, an access to a page past its new end throws
 * {@link InternalError} (the JVM's translation of {@code SIGBUS}) and the JVM carries on;
 * {@link #refresh()} maps the file at its new size.
 *
 * <h2 id="cost">Threads and cost</h2>
 * A handle is safe for use by many threads. Each method's description says what a call costs.
 * <em>The checks</em> there are what every access to the mapped memory pays before the memory
 * operation itself: one volatile read of the current mapping (a plain {@code mov} on x86-64),
 * then the FFM's bounds, alignment, read-only and liveness checks, as on a bare
 * {@link MemorySegment}. Nothing on the path of a typed or atomic access allocates or takes a
 * lock; messages are built only once an access has failed. Only {@link #resize}, {@link #grow()},
 * {@link #refresh}, {@link #force()}, {@link #advise}, {@link #lockPages}, {@link #unlockPages}
 * and {@link #close} serialise on the handle.
 *
 * <p>Measured on the bench machine of {@code docs/BENCHMARKS.md} (2 AMD EPYC cloud cores,
 * JDK 25, one thread, uncontended): {@link #getAndAddLong} 2.07 ns, {@link #compareAndSetLong}
 * 2.63 ns, {@link #getLongVolatile} 1.51 ns, {@link #putLongVolatile} 2.39 ns; a
 * {@link #pread(long, byte[])} of 8 bytes 4.03 ns and of 64 bytes 5.23 ns, into an existing
 * array; no allocation in any of them.
 */
public final class MMap implements AutoCloseable {
    // Plain typed access: little-endian whatever the host, unaligned allowed.
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(LITTLE_ENDIAN);

    // Atomic and ordered access: aligned layouts, whose VarHandles support every access mode.
    // Coordinates are (MemorySegment, long offset).
    private static final VarHandle INT_ATOMIC = ValueLayout.JAVA_INT.withOrder(LITTLE_ENDIAN).varHandle();
    private static final VarHandle LONG_ATOMIC = ValueLayout.JAVA_LONG.withOrder(LITTLE_ENDIAN).varHandle();

    /**
     * Up to this many bytes, pread/pwrite copy through a heap segment: the JDK copies such short
     * segment-to-segment ranges with inlined loads and stores, where its array copy calls the
     * native copy stub. Measured about 1 ns (25%) faster at 8 and 16 B, no gain from 32 B
     * (docs/BENCHMARKS.md). The wrapper segment does not escape, so nothing is allocated. Not for 0
     * bytes: that segment copy checks nothing, and an empty access to a closed map must throw. The
     * array range is checked first, with {@link Objects#checkFromIndexSize}, so that a bad one is
     * reported as the array copy of longer ranges reports it, not as a range of the wrapper.
     */
    private static final int INLINE_COPY_MAX = 16;

    /** emmap's growth policy: double up to this size, then add this much at a time. */
    private static final long GROWTH_STEP = 64L << 20;
    private static final long MIN_GROWTH = 4096;
    private static final Path SHARED_MEMORY = Path.of("/dev/shm");
    private static final int MAX_NAME_BYTES = 255;

    /**
     * Stands in for the mapping once closed: zero bytes long, so every bounds check fails and the
     * failure path reports the close; from a closed arena, so even a zero-length access throws.
     */
    private static final MemorySegment CLOSED;

    static {
        Arena arena = Arena.ofShared();
        CLOSED = arena.allocate(0);
        arena.close();
    }

    /** The file behind this map; null when the map wraps a segment or buffer it does not own. */
    private final MappedFile file;
    private final boolean readOnly;
    /** Names the map in messages. */
    private final String source;
    /** Serialises what changes the mapping: resize, refresh, close, and the native calls. */
    private final Object stateLock = new Object();
    /**
     * The current mapping, or {@link #CLOSED}. Volatile so that a close or resize is seen promptly
     * by every thread, also inside loops the JIT would otherwise hoist the load out of.
     */
    private volatile MemorySegment segment;

    private MMap(MappedFile file, MemorySegment segment, boolean readOnly, String source) {
        this.file = file;
        this.segment = segment;
        this.readOnly = readOnly;
        this.source = source;
    }

    // ---------------------------------------------------------------------------------------------
    // Opening

    /**
     * Maps a whole existing file. An empty file gives an empty map, which {@link #resize} or
     * {@link #grow()} can enlarge.
     *
     * @param path    the file
     * @param options {@link StandardOpenOption}s ({@code READ} is implied; {@code WRITE} for a
     *                writable map), {@link java.nio.file.LinkOption#NOFOLLOW_LINKS}, {@link MapOption}s
     * @return the open map; costs one {@code open}, one {@code stat}, a few {@code fstat}s (the
     *         file's size) and one {@code mmap} system call
     * @throws IOException                   if the file cannot be opened, locked or mapped
     * @throws IllegalArgumentException      for options that make no sense for a map ({@code APPEND},
     *                                       {@code SYNC}, {@code EXCLUSIVE_LOCK} without {@code WRITE}
     *                                       or {@code PRIVATE})
     * @throws UnsupportedOperationException for an option this method does not know
     */
    public static MMap open(Path path, OpenOption... options) throws IOException {
        return openRange(path, 0, -1, options);
    }

    /**
     * Maps the first {@code size} bytes of a file. A shorter file is grown to {@code size} (sparse,
     * zero-filled) when {@code WRITE} is given; without {@code WRITE} it is an {@link IOException}
     * naming both sizes. A longer file is left as it is.
     *
     * @param path    the file
     * @param size    the number of bytes to map, {@code >= 0}
     * @param options as for {@link #open(Path, OpenOption...)}
     * @return the open map; costs one {@code open}, one {@code stat}, a few {@code fstat}s,
     *         possibly an {@code ftruncate}, and one {@code mmap}
     * @throws IllegalArgumentException if {@code size} is negative, or for options as above
     * @throws IOException              if the file cannot be opened, locked, grown or mapped
     */
    public static MMap open(Path path, long size, OpenOption... options) throws IOException {
        return openRange(path, 0, requireSize(size), options);
    }

    /**
     * Maps {@code size} bytes of a file starting at file offset {@code offset}. The offset need
     * not be page-aligned. The file is grown as for {@link #open(Path, long, OpenOption...)}.
     *
     * <p>Costs one {@code open}, one {@code stat} (the file's identity, so that closing another map
     * of a file this JVM holds {@link MapOption#EXCLUSIVE_LOCK} on cannot drop that lock), a few
     * {@code fstat}s (the file's size), possibly an {@code ftruncate}, and one {@code mmap} system call;
     * {@link MapOption#EXCLUSIVE_LOCK} adds an {@code fcntl} lock, {@link MapOption#POPULATE} a
     * read of the whole range.
     *
     * @param path    the file
     * @param offset  the file offset at which the map starts, {@code >= 0}
     * @param size    the number of bytes to map, {@code >= 0}
     * @param options as for {@link #open(Path, OpenOption...)}
     * @return the open map
     * @throws IllegalArgumentException if {@code offset} or {@code size} is negative or their sum overflows
     * @throws IOException              if the file cannot be opened, locked, grown or mapped
     */
    public static MMap open(Path path, long offset, long size, OpenOption... options) throws IOException {
        return openRange(path, offset, requireSize(size), options);
    }

    /**
     * The full form, as {@link java.nio.channels.FileChannel#open(Path, Set, FileAttribute[])}: maps
     * {@code size} bytes at {@code offset}, creating the file with {@code attributes} when asked to
     * create it. Without attributes a new file is owner-only ({@code rw-------}) where the file
     * system supports POSIX permissions.
     *
     * <p>Costs as {@link #open(Path, long, long, OpenOption...)}.
     *
     * @param path       the file
     * @param offset     the file offset at which the map starts, {@code >= 0}
     * @param size       the number of bytes to map, {@code >= 0}
     * @param options    as for {@link #open(Path, OpenOption...)}
     * @param attributes attributes for a file created by this call
     * @return the open map
     * @throws IllegalArgumentException if {@code offset} or {@code size} is negative or their sum
     *                                  overflows, or for options as above
     * @throws IOException              if the file cannot be opened, locked, grown or mapped
     */
    public static MMap open(Path path, long offset, long size, Set<? extends OpenOption> options,
                            FileAttribute<?>... attributes) throws IOException {
        return openRange(path, offset, requireSize(size), options, attributes);
    }

    /**
     * Opens named shared memory: the file {@code /dev/shm/<name>}, for sharing between processes
     * on this host without touching a disk. Same options and growth rules as
     * {@link #open(Path, long, OpenOption...)}; pass {@code CREATE, READ, WRITE} to create it, and
     * {@link StandardOpenOption#DELETE_ON_CLOSE} to remove the name when this map closes.
     *
     * <p>Costs as {@link #open(Path, long, OpenOption...)}, plus a {@code stat} of
     * {@code /dev/shm}; no disk I/O.
     *
     * @param name a file name: 1 to 255 UTF-8 bytes, no {@code '/'}, no NUL, not {@code "."} or {@code ".."}
     * @param size the number of bytes to map, {@code >= 0}
     * @param options as for {@link #open(Path, OpenOption...)}
     * @return the open map
     * @throws IllegalArgumentException if the name is not valid, or {@code size} is negative
     * @throws IOException              if this system has no {@code /dev/shm}, or as for {@code open}
     * @see #sharedMemoryPath(String)
     */
    public static MMap openShared(String name, long size, OpenOption... options) throws IOException {
        Path path = sharedMemoryPath(name);
        if (!Files.isDirectory(SHARED_MEMORY)) {
            throw new FileSystemException(SHARED_MEMORY.toString(), null,
                    "named shared memory needs a tmpfs at /dev/shm, which this system lacks");
        }
        return openRange(path, 0, requireSize(size), options);
    }

    /**
     * The path of named shared memory: {@code /dev/shm/<name>}. Use it to delete the name
     * ({@code Files.deleteIfExists}) or to list what exists.
     *
     * <p>Costs the UTF-8 encoding of the name (to count its bytes) and a {@code Path.resolve}; no
     * system call.
     *
     * @param name the name of the shared memory
     * @return {@code /dev/shm/<name>}
     * @throws IllegalArgumentException if the name is empty, longer than 255 UTF-8 bytes, contains
     *                                  {@code '/'} or NUL, or is {@code "."} or {@code ".."}
     */
    public static Path sharedMemoryPath(String name) {
        Objects.requireNonNull(name, "name");
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("shared memory name must be 1 to " + MAX_NAME_BYTES
                    + " UTF-8 bytes, got " + bytes + ": \"" + name + "\"");
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0 || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("shared memory name must be a plain file name (no '/', no NUL, not"
                    + " \".\" or \"..\"), got \"" + name + "\"");
        }
        return SHARED_MEMORY.resolve(name);
    }

    /** The whole file, as {@link #open(Path, OpenOption...)}, with the full form's options and attributes. */
    static MMap openFile(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attributes)
            throws IOException {
        return openRange(path, 0, -1, options, attributes);
    }

    /** size < 0 means "to the end of the file". */
    private static MMap openRange(Path path, long offset, long size, OpenOption[] options,
                                  FileAttribute<?>... attributes) throws IOException {
        return openRange(path, offset, size, Arrays.asList(Objects.requireNonNull(options, "options")), attributes);
    }

    private static MMap openRange(Path path, long offset, long size, Collection<? extends OpenOption> options,
                                  FileAttribute<?>... attributes) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(attributes, "attributes");
        if (offset < 0) {
            throw new IllegalArgumentException("negative file offset " + offset);
        }
        if (size > Long.MAX_VALUE - offset) {
            throw new IllegalArgumentException("file offset " + offset + " + size " + size + " overflows a long");
        }
        OpenSpec spec = OpenSpec.of(options);
        MappedFile file = MappedFile.open(path, offset, spec, attributes);
        try {
            MemorySegment segment = file.map(size); // size < 0: to the end of the file
            String source = offset == 0 ? path.toString() : path + " at file offset " + offset;
            return new MMap(file, segment, spec.readOnly(), source);
        } catch (IOException | RuntimeException | Error e) {
            try {
                file.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static long requireSize(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        return size;
    }

    /**
     * Wraps memory this handle does not own: a mapped segment from elsewhere, or any other native
     * segment. The segment's own arena decides its lifetime; {@link #close()} only closes this
     * handle. A read-only segment gives a read-only map. Alignment of atomics is judged on the
     * segment's address.
     *
     * <p>Costs the handle and its name for messages (the segment's {@code toString}), a few small
     * allocations; no system call, no copy.
     *
     * @param segment native memory to wrap
     * @return a handle over the memory
     * @throws IllegalArgumentException if the segment is on the Java heap (atomics need native memory)
     */
    public static MMap wrap(MemorySegment segment) {
        Objects.requireNonNull(segment, "segment");
        if (!segment.isNative()) {
            throw new IllegalArgumentException("cannot wrap a heap segment (" + segment
                    + "): atomics need native memory, as from FileChannel.map or an Arena");
        }
        return new MMap(null, segment, segment.isReadOnly(), "wrapped segment " + segment);
    }

    /**
     * Wraps the bytes of a direct or mapped buffer between its position and limit, for example a
     * {@link java.nio.MappedByteBuffer} from existing code. The buffer's position and limit are
     * not changed and later changes to them are not seen. A read-only buffer gives a read-only map.
     *
     * <p>Costs a segment over the buffer, then as {@link #wrap(MemorySegment)}; no system call, no
     * copy.
     *
     * @param buffer a direct or mapped buffer to wrap
     * @return a handle over the memory
     * @throws IllegalArgumentException if the buffer is not direct
     */
    public static MMap wrap(ByteBuffer buffer) {
        Objects.requireNonNull(buffer, "buffer");
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("cannot wrap a heap ByteBuffer (" + buffer
                    + "): atomics need a direct or mapped buffer");
        }
        return wrap(MemorySegment.ofBuffer(buffer));
    }

    // ---------------------------------------------------------------------------------------------
    // What the map is

    /**
     * The number of bytes mapped.
     *
     * <p>Costs one volatile read of the current mapping; allocates nothing.
     *
     * @return the number of bytes mapped
     * @throws IllegalStateException if closed
     */
    public long size() {
        return current().byteSize();
    }

    /**
     * The mapped file. Works after close.
     *
     * <p>Costs an {@code Optional}; no system call.
     *
     * @return the file, or empty for a {@linkplain #wrap wrapped} segment
     */
    public Optional<Path> path() {
        return file == null ? Optional.empty() : Optional.of(file.path);
    }

    /**
     * The file offset at which the map starts. Works after close.
     *
     * <p>Costs a field read.
     *
     * @return the file offset of position 0; 0 for a wrapped segment
     */
    public long fileOffset() {
        return file == null ? 0 : file.offset;
    }

    /**
     * Whether writes are refused: opened without {@code WRITE} and not {@code PRIVATE}, or
     * wrapping read-only memory.
     *
     * <p>Costs a field read.
     *
     * @return whether the map is read-only
     */
    public boolean isReadOnly() {
        return readOnly;
    }

    /**
     * Whether the map is private copy-on-write ({@link MapOption#PRIVATE}).
     *
     * <p>Costs a field read.
     *
     * @return whether the map is private
     */
    public boolean isPrivate() {
        return file != null && file.spec.mode() == MapMode.PRIVATE;
    }

    /**
     * Whether {@link #close()} has not been called yet.
     *
     * <p>Costs one volatile read; allocates nothing.
     *
     * @return whether the map is open
     */
    public boolean isOpen() {
        return segment != CLOSED;
    }

    /** Names the file, offset, size and mode, for logs. */
    @Override
    public String toString() {
        MemorySegment s = segment;
        String mode = file == null ? (readOnly ? "READ_ONLY" : "READ_WRITE") : file.spec.mode().toString();
        return "MMap[" + source + ", " + (s == CLOSED ? "closed" : s.byteSize() + " bytes, " + mode) + "]";
    }

    // ---------------------------------------------------------------------------------------------
    // Positional I/O. Each copies exactly the bytes asked for or throws; nothing is partial.

    /**
     * Reads {@code length} bytes at {@code pos} into a new array.
     *
     * <p>Costs the allocation of the returned array, a bounds check, then one copy
     * ({@code memcpy}).
     *
     * @param pos the position in the map, in bytes from its start
     * @param length the number of bytes
     * @return the bytes read
     * @throws IndexOutOfBoundsException if {@code pos} or {@code length} is negative or the range
     *                                   passes the end of the map
     * @throws IllegalStateException     if closed
     */
    public byte[] pread(long pos, int length) {
        MemorySegment s = range(pos, length);
        byte[] bytes = new byte[length];
        MemorySegment.copy(s, JAVA_BYTE, pos, bytes, 0, length);
        return bytes;
    }

    /**
     * Fills {@code dst} with the bytes at {@code pos}.
     *
     * <p>Costs as {@link #pread(long, byte[], int, int)}.
     *
     * @param pos the position in the map, in bytes from its start
     * @param dst where the bytes go
     * @throws IndexOutOfBoundsException if {@code pos} is negative or the range passes the end
     * @throws IllegalStateException     if closed
     */
    public void pread(long pos, byte[] dst) {
        try {
            pread(pos, dst, 0, dst.length);
        } catch (NullPointerException e) {
            throw failure(e, pos, 0, Access.READ);
        }
    }

    /**
     * Reads {@code length} bytes at {@code pos} into {@code dst[offset, offset + length)}.
     *
     * <p>Costs <a href="#cost">the checks</a>, a bounds check on {@code dst}, then one copy:
     * inlined loads and stores for 1 to 16 bytes, the JVM's copy stub ({@code memcpy}) beyond;
     * allocates nothing.
     *
     * @param pos    the position in the map, in bytes from its start
     * @param dst    where the bytes go
     * @param offset the index in {@code dst} of the first byte
     * @param length the number of bytes
     * @throws IndexOutOfBoundsException if the range passes the end of the map or of {@code dst}
     * @throws IllegalStateException     if closed
     */
    public void pread(long pos, byte[] dst, int offset, int length) {
        try {
            if (length > 0 && length <= INLINE_COPY_MAX) {
                Objects.checkFromIndexSize(offset, length, dst.length);
                MemorySegment.copy(segment, pos, MemorySegment.ofArray(dst), offset, length);
            } else {
                MemorySegment.copy(segment, JAVA_BYTE, pos, dst, offset, length);
            }
        } catch (RuntimeException e) {
            throw failure(e, pos, length, Access.READ);
        }
    }

    /**
     * Reads {@code dst.remaining()} bytes at {@code pos} into {@code dst}, advancing its position.
     *
     * <p>Costs <a href="#cost">the checks</a>, a segment over {@code dst} (one small object, unless
     * the JIT eliminates it), then one copy ({@code memcpy}).
     *
     * @param pos the position in the map, in bytes from its start
     * @param dst where the bytes go
     * @throws IndexOutOfBoundsException if the range passes the end of the map
     * @throws ReadOnlyBufferException   if {@code dst} is read-only
     * @throws IllegalStateException     if closed
     */
    public void pread(long pos, ByteBuffer dst) {
        try {
            if (dst.isReadOnly()) {
                throw new ReadOnlyBufferException(); // as ByteBuffer.put does: the JDK gives it no message
            }
            MemorySegment.copy(segment, pos, MemorySegment.ofBuffer(dst), 0, dst.remaining());
        } catch (RuntimeException e) {
            throw failure(e, pos, dst == null ? 0 : dst.remaining(), Access.READ);
        }
        dst.position(dst.limit());
    }

    /**
     * Reads {@code dst.byteSize()} bytes at {@code pos} into {@code dst}.
     *
     * <p>Costs <a href="#cost">the checks</a> on both segments, then one copy ({@code memcpy});
     * allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param dst where the bytes go
     * @throws IndexOutOfBoundsException if the range passes the end of the map
     * @throws IllegalArgumentException  if {@code dst} is read-only
     * @throws IllegalStateException     if closed, or if {@code dst} is no longer alive
     */
    public void pread(long pos, MemorySegment dst) {
        try {
            MemorySegment.copy(segment, pos, dst, 0, dst.byteSize());
        } catch (RuntimeException e) {
            throw failure(e, pos, dst == null ? 0 : dst.byteSize(), Access.READ);
        }
    }

    /**
     * Writes all of {@code src} at {@code pos}.
     *
     * <p>Costs as {@link #pwrite(long, byte[], int, int)}.
     *
     * @param pos the position in the map, in bytes from its start
     * @param src the bytes to write
     * @throws IndexOutOfBoundsException if {@code pos} is negative or the range passes the end
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if closed
     */
    public void pwrite(long pos, byte[] src) {
        try {
            pwrite(pos, src, 0, src.length);
        } catch (NullPointerException e) {
            throw failure(e, pos, 0, Access.WRITE);
        }
    }

    /**
     * Writes {@code src[offset, offset + length)} at {@code pos}.
     *
     * <p>Costs <a href="#cost">the checks</a>, a bounds check on {@code src}, then one copy:
     * inlined loads and stores for 1 to 16 bytes, the JVM's copy stub ({@code memcpy}) beyond;
     * allocates nothing.
     *
     * @param pos    the position in the map, in bytes from its start
     * @param src    the bytes to write
     * @param offset the index in {@code src} of the first byte
     * @param length the number of bytes
     * @throws IndexOutOfBoundsException if the range passes the end of the map or of {@code src}
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if closed
     */
    public void pwrite(long pos, byte[] src, int offset, int length) {
        try {
            if (length > 0 && length <= INLINE_COPY_MAX) {
                Objects.checkFromIndexSize(offset, length, src.length);
                MemorySegment.copy(MemorySegment.ofArray(src), offset, segment, pos, length);
            } else {
                MemorySegment.copy(src, offset, segment, JAVA_BYTE, pos, length);
            }
        } catch (RuntimeException e) {
            throw failure(e, pos, length, Access.WRITE);
        }
    }

    /**
     * Writes the {@code src.remaining()} bytes of {@code src} at {@code pos}, advancing its position.
     *
     * <p>Costs <a href="#cost">the checks</a>, a segment over {@code src} (one small object, unless
     * the JIT eliminates it), then one copy ({@code memcpy}).
     *
     * @param pos the position in the map, in bytes from its start
     * @param src the bytes to write
     * @throws IndexOutOfBoundsException if the range passes the end of the map
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if closed
     */
    public void pwrite(long pos, ByteBuffer src) {
        try {
            MemorySegment.copy(MemorySegment.ofBuffer(src), 0, segment, pos, src.remaining());
        } catch (RuntimeException e) {
            throw failure(e, pos, src == null ? 0 : src.remaining(), Access.WRITE);
        }
        src.position(src.limit());
    }

    /**
     * Writes all {@code src.byteSize()} bytes of {@code src} at {@code pos}.
     *
     * <p>Costs <a href="#cost">the checks</a> on both segments, then one copy ({@code memcpy});
     * allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param src the bytes to write
     * @throws IndexOutOfBoundsException if the range passes the end of the map
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if closed, or if {@code src} is no longer alive
     */
    public void pwrite(long pos, MemorySegment src) {
        try {
            MemorySegment.copy(src, 0, segment, pos, src.byteSize());
        } catch (RuntimeException e) {
            throw failure(e, pos, src == null ? 0 : src.byteSize(), Access.WRITE);
        }
    }

    /**
     * Copies {@code length} bytes from {@code srcPos} to {@code dstPos} within the map, correctly
     * when the ranges overlap ({@code memmove}).
     *
     * <p>Costs <a href="#cost">the checks</a> on both ranges, then one {@code memmove}; allocates
     * nothing.
     *
     * @param srcPos where the bytes are read from
     * @param dstPos where the bytes go
     * @param length the number of bytes to copy, {@code >= 0}
     * @throws IndexOutOfBoundsException if either range is outside the map or {@code length} is negative
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if closed
     */
    public void copy(long srcPos, long dstPos, long length) {
        MemorySegment s = segment;
        try {
            MemorySegment.copy(s, srcPos, s, dstPos, length);
        } catch (RuntimeException e) {
            RuntimeException source = failure(e, srcPos, length, Access.READ);
            throw source != e ? source : failure(e, dstPos, length, Access.WRITE);
        }
    }

    /**
     * Sets {@code length} bytes at {@code pos} to {@code value} ({@code memset}).
     *
     * <p>Costs <a href="#cost">the checks</a>, a slice of the range (one small object, unless the
     * JIT eliminates it), then one fill of {@code length} bytes.
     *
     * @param pos the position in the map, in bytes from its start
     * @param length the number of bytes to set, {@code >= 0}
     * @param value the byte every position is set to
     * @throws IndexOutOfBoundsException if the range is outside the map or {@code length} is negative
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if closed
     */
    public void fill(long pos, long length, byte value) {
        try {
            segment.asSlice(pos, length).fill(value);
        } catch (RuntimeException e) {
            throw failure(e, pos, length, Access.WRITE);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Typed access: little-endian, plain (no ordering), unaligned allowed.

    /**
     * Reads the byte at {@code pos}.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one plain load; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 1 bytes of the map follow it
     * @throws IllegalStateException     if the map is closed
     */
    public byte getByte(long pos) {
        try {
            return segment.get(JAVA_BYTE, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 1, Access.READ);
        }
    }

    /**
     * Writes the byte at {@code pos}.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one plain store; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 1 bytes of the map follow it
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public void putByte(long pos, byte value) {
        try {
            segment.set(JAVA_BYTE, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 1, Access.WRITE);
        }
    }

    /**
     * Reads the little-endian short at {@code pos}.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one plain load; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 2 bytes of the map follow it
     * @throws IllegalStateException     if the map is closed
     */
    public short getShort(long pos) {
        try {
            return segment.get(SHORT, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 2, Access.READ);
        }
    }

    /**
     * Writes a little-endian short at {@code pos}.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one plain store; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 2 bytes of the map follow it
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public void putShort(long pos, short value) {
        try {
            segment.set(SHORT, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 2, Access.WRITE);
        }
    }

    /**
     * Reads the little-endian int at {@code pos}.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one plain load; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 4 bytes of the map follow it
     * @throws IllegalStateException     if the map is closed
     */
    public int getInt(long pos) {
        try {
            return segment.get(INT, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.READ);
        }
    }

    /**
     * Writes a little-endian int at {@code pos}.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one plain store; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 4 bytes of the map follow it
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public void putInt(long pos, int value) {
        try {
            segment.set(INT, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.WRITE);
        }
    }

    /**
     * Reads the little-endian long at {@code pos}.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one plain load; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 8 bytes of the map follow it
     * @throws IllegalStateException     if the map is closed
     */
    public long getLong(long pos) {
        try {
            return segment.get(LONG, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.READ);
        }
    }

    /**
     * Writes a little-endian long at {@code pos}.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one plain store; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 8 bytes of the map follow it
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public void putLong(long pos, long value) {
        try {
            segment.set(LONG, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.WRITE);
        }
    }

    /**
     * Reads the little-endian IEEE 754 float at {@code pos}.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one plain load; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 4 bytes of the map follow it
     * @throws IllegalStateException     if the map is closed
     */
    public float getFloat(long pos) {
        try {
            return segment.get(FLOAT, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.READ);
        }
    }

    /**
     * Writes a little-endian IEEE 754 float at {@code pos}.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one plain store; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 4 bytes of the map follow it
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public void putFloat(long pos, float value) {
        try {
            segment.set(FLOAT, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.WRITE);
        }
    }

    /**
     * Reads the little-endian IEEE 754 double at {@code pos}.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one plain load; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 8 bytes of the map follow it
     * @throws IllegalStateException     if the map is closed
     */
    public double getDouble(long pos) {
        try {
            return segment.get(DOUBLE, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.READ);
        }
    }

    /**
     * Writes a little-endian IEEE 754 double at {@code pos}.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one plain store; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 8 bytes of the map follow it
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public void putDouble(long pos, double value) {
        try {
            segment.set(DOUBLE, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.WRITE);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Int atomics and ordered access. These are the VarHandle access modes on mapped memory, so
    // they order and are atomic across processes mapping the same file as well as across threads:
    // the hardware's instructions act on the shared physical page and know nothing of processes.
    // The read-modify-write methods return the previous value, as emmap's do.

    /**
     * Reads the int at {@code pos} with volatile semantics (sequentially consistent).
     *
     * <p>Costs <a href="#cost">the checks</a>, then one volatile load (a plain {@code mov} on
     * x86-64); allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 4 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 4
     * @throws IllegalStateException     if the map is closed
     */
    public int getIntVolatile(long pos) {
        try {
            return (int) INT_ATOMIC.getVolatile(segment, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_READ);
        }
    }

    /**
     * Writes the int at {@code pos} with volatile semantics (sequentially consistent).
     *
     * <p>Costs <a href="#cost">the checks</a>, then a store and a full fence (a
     * {@code lock}-prefixed instruction on x86-64), which waits for the CPU's store buffer to drain;
     * allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 4 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 4
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public void putIntVolatile(long pos, int value) {
        try {
            INT_ATOMIC.setVolatile(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Reads the int at {@code pos} with acquire semantics: later accesses are not moved before it.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one acquiring load (a plain {@code mov} on
     * x86-64, {@code ldar} on AArch64); allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 4 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 4
     * @throws IllegalStateException     if the map is closed
     */
    public int getIntAcquire(long pos) {
        try {
            return (int) INT_ATOMIC.getAcquire(segment, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_READ);
        }
    }

    /**
     * Writes the int at {@code pos} with release semantics: earlier accesses are not moved after it.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one releasing store (a plain {@code mov} on
     * x86-64, {@code stlr} on AArch64); allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 4 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 4
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public void putIntRelease(long pos, int value) {
        try {
            INT_ATOMIC.setRelease(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Reads the int at {@code pos} atomically, without ordering other accesses (opaque).
     *
     * <p>Costs <a href="#cost">the checks</a>, then one plain load that the JIT may not remove or
     * merge; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 4 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 4
     * @throws IllegalStateException     if the map is closed
     */
    public int getIntOpaque(long pos) {
        try {
            return (int) INT_ATOMIC.getOpaque(segment, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_READ);
        }
    }

    /**
     * Writes the int at {@code pos} atomically, without ordering other accesses (opaque).
     *
     * <p>Costs <a href="#cost">the checks</a>, then one plain store that the JIT may not remove or
     * merge; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 4 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 4
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public void putIntOpaque(long pos, int value) {
        try {
            INT_ATOMIC.setOpaque(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically adds {@code delta} to the int at {@code pos}; returns the previous value.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one atomic fetch-and-add ({@code lock xadd} on
     * x86-64, an LSE atomic on AArch64); allocates nothing. Writers on other cores contend for the
     * cache line.
     *
     * @param pos the position in the map, in bytes from its start
     * @param delta the amount to add
     * @return the value before the operation
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 4 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 4
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public int getAndAddInt(long pos, int delta) {
        try {
            return (int) INT_ATOMIC.getAndAdd(segment, pos, delta);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically subtracts {@code delta} from the int at {@code pos}; returns the previous value.
     *
     * <p>Costs as {@link #getAndAddInt(long, int)}: one atomic fetch-and-add of {@code -delta}.
     *
     * @param pos the position in the map, in bytes from its start
     * @param delta the amount to subtract
     * @return the value before the operation
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 4 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 4
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public int getAndSubInt(long pos, int delta) {
        try {
            return (int) INT_ATOMIC.getAndAdd(segment, pos, -delta);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically replaces the int at {@code pos} with {@code value} (exchange); returns the previous value.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one atomic exchange ({@code xchg}, implicitly
     * locked, on x86-64); allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param value the value to write
     * @return the value before the operation
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 4 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 4
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public int getAndSetInt(long pos, int value) {
        try {
            return (int) INT_ATOMIC.getAndSet(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically ANDs {@code mask} into the int at {@code pos}; returns the previous value.
     *
     * <p>Costs <a href="#cost">the checks</a>, then a compare-and-set loop (a volatile load and a
     * {@code lock cmpxchg} on x86-64, which has no fetch-and-AND instruction), retried while other
     * writers change the value; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param mask the bits to combine with the value
     * @return the value before the operation
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 4 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 4
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public int getAndBitwiseAndInt(long pos, int mask) {
        try {
            return (int) INT_ATOMIC.getAndBitwiseAnd(segment, pos, mask);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically ORs {@code mask} into the int at {@code pos}; returns the previous value.
     *
     * <p>Costs <a href="#cost">the checks</a>, then a compare-and-set loop (a volatile load and a
     * {@code lock cmpxchg} on x86-64, which has no fetch-and-OR instruction), retried while other
     * writers change the value; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param mask the bits to combine with the value
     * @return the value before the operation
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 4 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 4
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public int getAndBitwiseOrInt(long pos, int mask) {
        try {
            return (int) INT_ATOMIC.getAndBitwiseOr(segment, pos, mask);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically XORs {@code mask} into the int at {@code pos}; returns the previous value.
     *
     * <p>Costs <a href="#cost">the checks</a>, then a compare-and-set loop (a volatile load and a
     * {@code lock cmpxchg} on x86-64, which has no fetch-and-XOR instruction), retried while other
     * writers change the value; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param mask the bits to combine with the value
     * @return the value before the operation
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 4 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 4
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public int getAndBitwiseXorInt(long pos, int mask) {
        try {
            return (int) INT_ATOMIC.getAndBitwiseXor(segment, pos, mask);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically sets the int at {@code pos} to {@code newValue} if it equals {@code expected}.
     * A strong CAS: it fails only if the value differed, never spuriously.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one {@code lock cmpxchg} on x86-64 (an LSE
     * {@code cas} on AArch64); allocates nothing.
     *
     * @param pos      the position in the map, in bytes from its start
     * @param expected the value the caller expects to find
     * @param newValue the value to write if {@code expected} is found
     * @return whether the value was replaced
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 4 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 4
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public boolean compareAndSetInt(long pos, int expected, int newValue) {
        try {
            return INT_ATOMIC.compareAndSet(segment, pos, expected, newValue);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically sets the int at {@code pos} to {@code newValue} if it equals {@code expected}.
     *
     * <p>Costs as {@link #compareAndSetInt(long, int, int)}: one {@code lock cmpxchg} on x86-64.
     *
     * @param pos      the position in the map, in bytes from its start
     * @param expected the value the caller expects to find
     * @param newValue the value to write if {@code expected} is found
     * @return the value found, which equals {@code expected} exactly when it was replaced
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 4 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 4
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public int compareAndExchangeInt(long pos, int expected, int newValue) {
        try {
            return (int) INT_ATOMIC.compareAndExchange(segment, pos, expected, newValue);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Long atomics and ordered access: as the int ones above, on 8 bytes aligned to 8.

    /**
     * Reads the long at {@code pos} with volatile semantics (sequentially consistent).
     *
     * <p>Costs <a href="#cost">the checks</a>, then one volatile load (a plain {@code mov} on
     * x86-64); allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 8 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 8
     * @throws IllegalStateException     if the map is closed
     */
    public long getLongVolatile(long pos) {
        try {
            return (long) LONG_ATOMIC.getVolatile(segment, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_READ);
        }
    }

    /**
     * Writes the long at {@code pos} with volatile semantics (sequentially consistent).
     *
     * <p>Costs <a href="#cost">the checks</a>, then a store and a full fence (a
     * {@code lock}-prefixed instruction on x86-64), which waits for the CPU's store buffer to drain;
     * allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 8 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 8
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public void putLongVolatile(long pos, long value) {
        try {
            LONG_ATOMIC.setVolatile(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Reads the long at {@code pos} with acquire semantics: later accesses are not moved before it.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one acquiring load (a plain {@code mov} on
     * x86-64, {@code ldar} on AArch64); allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 8 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 8
     * @throws IllegalStateException     if the map is closed
     */
    public long getLongAcquire(long pos) {
        try {
            return (long) LONG_ATOMIC.getAcquire(segment, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_READ);
        }
    }

    /**
     * Writes the long at {@code pos} with release semantics: earlier accesses are not moved after it.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one releasing store (a plain {@code mov} on
     * x86-64, {@code stlr} on AArch64); allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 8 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 8
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public void putLongRelease(long pos, long value) {
        try {
            LONG_ATOMIC.setRelease(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Reads the long at {@code pos} atomically, without ordering other accesses (opaque).
     *
     * <p>Costs <a href="#cost">the checks</a>, then one plain load that the JIT may not remove or
     * merge; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 8 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 8
     * @throws IllegalStateException     if the map is closed
     */
    public long getLongOpaque(long pos) {
        try {
            return (long) LONG_ATOMIC.getOpaque(segment, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_READ);
        }
    }

    /**
     * Writes the long at {@code pos} atomically, without ordering other accesses (opaque).
     *
     * <p>Costs <a href="#cost">the checks</a>, then one plain store that the JIT may not remove or
     * merge; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 8 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 8
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public void putLongOpaque(long pos, long value) {
        try {
            LONG_ATOMIC.setOpaque(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically adds {@code delta} to the long at {@code pos}; returns the previous value.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one atomic fetch-and-add ({@code lock xadd} on
     * x86-64, an LSE atomic on AArch64); about 2 ns uncontended on the bench machine of
     * {@code docs/BENCHMARKS.md}; allocates nothing. Writers on other cores contend for the cache line.
     *
     * @param pos the position in the map, in bytes from its start
     * @param delta the amount to add
     * @return the value before the operation
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 8 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 8
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public long getAndAddLong(long pos, long delta) {
        try {
            return (long) LONG_ATOMIC.getAndAdd(segment, pos, delta);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically subtracts {@code delta} from the long at {@code pos}; returns the previous value.
     *
     * <p>Costs as {@link #getAndAddLong(long, long)}: one atomic fetch-and-add of {@code -delta}.
     *
     * @param pos the position in the map, in bytes from its start
     * @param delta the amount to subtract
     * @return the value before the operation
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 8 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 8
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public long getAndSubLong(long pos, long delta) {
        try {
            return (long) LONG_ATOMIC.getAndAdd(segment, pos, -delta);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically replaces the long at {@code pos} with {@code value} (exchange); returns the previous value.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one atomic exchange ({@code xchg}, implicitly
     * locked, on x86-64); allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param value the value to write
     * @return the value before the operation
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 8 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 8
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public long getAndSetLong(long pos, long value) {
        try {
            return (long) LONG_ATOMIC.getAndSet(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically ANDs {@code mask} into the long at {@code pos}; returns the previous value.
     *
     * <p>Costs <a href="#cost">the checks</a>, then a compare-and-set loop (a volatile load and a
     * {@code lock cmpxchg} on x86-64, which has no fetch-and-AND instruction), retried while other
     * writers change the value; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param mask the bits to combine with the value
     * @return the value before the operation
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 8 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 8
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public long getAndBitwiseAndLong(long pos, long mask) {
        try {
            return (long) LONG_ATOMIC.getAndBitwiseAnd(segment, pos, mask);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically ORs {@code mask} into the long at {@code pos}; returns the previous value.
     *
     * <p>Costs <a href="#cost">the checks</a>, then a compare-and-set loop (a volatile load and a
     * {@code lock cmpxchg} on x86-64, which has no fetch-and-OR instruction), retried while other
     * writers change the value; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param mask the bits to combine with the value
     * @return the value before the operation
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 8 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 8
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public long getAndBitwiseOrLong(long pos, long mask) {
        try {
            return (long) LONG_ATOMIC.getAndBitwiseOr(segment, pos, mask);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically XORs {@code mask} into the long at {@code pos}; returns the previous value.
     *
     * <p>Costs <a href="#cost">the checks</a>, then a compare-and-set loop (a volatile load and a
     * {@code lock cmpxchg} on x86-64, which has no fetch-and-XOR instruction), retried while other
     * writers change the value; allocates nothing.
     *
     * @param pos the position in the map, in bytes from its start
     * @param mask the bits to combine with the value
     * @return the value before the operation
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 8 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 8
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public long getAndBitwiseXorLong(long pos, long mask) {
        try {
            return (long) LONG_ATOMIC.getAndBitwiseXor(segment, pos, mask);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically sets the long at {@code pos} to {@code newValue} if it equals {@code expected}.
     * A strong CAS: it fails only if the value differed, never spuriously.
     *
     * <p>Costs <a href="#cost">the checks</a>, then one {@code lock cmpxchg} on x86-64 (an LSE
     * {@code cas} on AArch64); allocates nothing.
     *
     * @param pos      the position in the map, in bytes from its start
     * @param expected the value the caller expects to find
     * @param newValue the value to write if {@code expected} is found
     * @return whether the value was replaced
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 8 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 8
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public boolean compareAndSetLong(long pos, long expected, long newValue) {
        try {
            return LONG_ATOMIC.compareAndSet(segment, pos, expected, newValue);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically sets the long at {@code pos} to {@code newValue} if it equals {@code expected}.
     *
     * <p>Costs as {@link #compareAndSetLong(long, long, long)}: one {@code lock cmpxchg} on x86-64.
     *
     * @param pos      the position in the map, in bytes from its start
     * @param expected the value the caller expects to find
     * @param newValue the value to write if {@code expected} is found
     * @return the value found, which equals {@code expected} exactly when it was replaced
     * @throws IndexOutOfBoundsException if {@code pos} is negative or fewer than 8 bytes of the map follow it
     * @throws IllegalArgumentException  if the file offset of {@code pos} is not a multiple of 8
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if the map is closed
     */
    public long compareAndExchangeLong(long pos, long expected, long newValue) {
        try {
            return (long) LONG_ATOMIC.compareAndExchange(segment, pos, expected, newValue);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Zero-copy views. A view shares the mapped memory: writes through it are writes to the file,
    // and it shows writes made by any thread or process. It never owns the mapping: with the
    // default lifetime it throws IllegalStateException once this map is closed; with AUTO_UNMAP it
    // keeps the memory mapped while reachable. A view taken before a resize keeps showing the
    // range it was taken from.

    /**
     * A view of {@code length} bytes at {@code pos}; read-only if the map is.
     *
     * <p>Costs a bounds check and one small allocation (the view); no system call, no copy.
     *
     * @param pos the position in the map, in bytes from its start
     * @param length the number of bytes
     * @return a view of the range
     * @throws IndexOutOfBoundsException if the range is outside the map or {@code length} is negative
     * @throws IllegalStateException     if closed
     */
    public MemorySegment slice(long pos, long length) {
        return range(pos, length).asSlice(pos, length);
    }

    /**
     * A view of the whole map as it is now; read-only if the map is.
     *
     * <p>Costs one volatile read: it returns the mapping's own segment; allocates nothing.
     *
     * @return a view of the whole map
     * @throws IllegalStateException if closed
     */
    public MemorySegment segment() {
        return current();
    }

    /**
     * A little-endian {@link ByteBuffer} view of {@code length} bytes at {@code pos}, for APIs that
     * take buffers ({@code FileChannel.write}, codecs). Read-only if the map is. Like any view, it
     * throws {@link IllegalStateException} once the map is closed.
     *
     * <p>Costs a bounds check and two small allocations (a slice and the buffer); no system call,
     * no copy.
     *
     * @param pos the position in the map, in bytes from its start
     * @param length the number of bytes
     * @return a buffer view
     * @throws IndexOutOfBoundsException if the range is outside the map or {@code length} is negative
     * @throws IllegalStateException     if closed
     */
    public ByteBuffer asByteBuffer(long pos, int length) {
        return slice(pos, length).asByteBuffer().order(LITTLE_ENDIAN);
    }

    /**
     * A little-endian {@link ByteBuffer} view of the whole map.
     *
     * <p>Costs one small allocation (the buffer); no system call, no copy.
     *
     * @return a buffer view
     * @throws UnsupportedOperationException if the map is larger than a buffer can be (2 GiB - 1);
     *                                       use {@link #asByteBuffer(long, int)} on a range
     * @throws IllegalStateException         if closed
     */
    public ByteBuffer asByteBuffer() {
        MemorySegment s = current();
        if (s.byteSize() > Integer.MAX_VALUE) {
            throw new UnsupportedOperationException("map of " + s.byteSize() + " bytes is larger than a ByteBuffer's "
                    + Integer.MAX_VALUE + "; take a buffer of a range with asByteBuffer(pos, length)");
        }
        return s.asByteBuffer().order(LITTLE_ENDIAN);
    }

    // ---------------------------------------------------------------------------------------------
    // Streams, channels and search: the map used where Java code expects a file.

    /**
     * An input stream of the map's bytes from {@code pos} to the end of the map (its size at each
     * read, so a {@link #refresh()} is seen). Reads copy straight from the mapped memory; nothing
     * is buffered. Closing the stream leaves the map open; closing the map makes the stream throw
     * {@link java.nio.channels.ClosedChannelException}. As {@code Files.newInputStream}'s stream,
     * a negative {@code skip} moves back (not before position 0), and there is no mark.
     *
     * <p>Costs a bounds check and two small allocations (the stream and its {@link MappedChannel});
     * no system call.
     *
     * @param pos where the stream starts, {@code 0 <= pos <= size()}
     * @return a new stream that starts at {@code pos}
     * @throws IndexOutOfBoundsException if {@code pos} is negative or past the end
     * @throws IllegalStateException     if closed
     */
    public InputStream inputStream(long pos) {
        range(pos, 0);
        return new MappedInputStream(new MappedChannel(this, pos, MappedChannel.READ));
    }

    /**
     * An output stream that writes the map from {@code pos} on. A write past the end grows the map
     * and the file by {@link #grow()}'s policy, in steps; closing the stream then cuts them back
     * to the last byte written, so the file ends there as with {@code Files.newOutputStream}. A
     * stream that stays within the map leaves its size alone. Closing the stream leaves the map
     * open. Writing past the end needs a shared map of a file; see {@link MappedChannel}.
     *
     * <p>Costs a bounds check and two small allocations (the stream and its {@link MappedChannel});
     * no system call.
     *
     * @param pos where the stream starts, {@code 0 <= pos <= size()}
     * @return a new stream that starts at {@code pos}
     * @throws IndexOutOfBoundsException if {@code pos} is negative or past the end
     * @throws ReadOnlyBufferException   if the map is read-only
     * @throws IllegalStateException     if closed
     */
    public OutputStream outputStream(long pos) {
        writableRange(pos, 0);
        return new MappedOutputStream(new MappedChannel(this, pos, MappedChannel.WRITE));
    }

    /**
     * A {@link java.nio.channels.SeekableByteChannel} over the map at position 0, with
     * {@link MappedChannel#readLine()} and seeking from the end. Writable unless the map is
     * read-only; writes past the end grow the map as {@link #outputStream(long)} does. Closing
     * the channel leaves the map open.
     *
     * <p>Costs one small allocation (the channel); no system call.
     *
     * @return a new channel at position 0, read-only if the map is
     * @throws IllegalStateException if closed
     */
    public MappedChannel channel() {
        current();
        return new MappedChannel(this, 0, readOnly ? MappedChannel.READ : MappedChannel.READ | MappedChannel.WRITE);
    }

    /**
     * The lowest position at which {@code pattern} occurs in the map, or -1; as Python's
     * {@code mmap.find(pattern)}.
     *
     * <p>Costs a scan of the whole map, as {@link #indexOf(byte[], long, long)}.
     *
     * @param pattern the bytes to find; an empty pattern is found at 0
     * @return the position of the first match, or -1 if there is none
     * @throws IllegalStateException if closed
     * @see #indexOf(byte[], long, long)
     */
    public long indexOf(byte[] pattern) {
        return indexOf(pattern, 0);
    }

    /**
     * The lowest position at or after {@code from} at which {@code pattern} occurs in the map, or
     * -1; as Python's {@code mmap.find(pattern, from)}.
     *
     * <p>Costs a scan from {@code from} to the end, as {@link #indexOf(byte[], long, long)}.
     *
     * @param pattern the bytes to find; an empty pattern is found at {@code from}
     * @param from    where the search starts, {@code 0 <= from <= size()}
     * @return the position of the first match at or after {@code from}, or -1 if there is none
     * @throws IndexOutOfBoundsException if {@code from} is negative or past the end
     * @throws IllegalStateException     if closed
     * @see #indexOf(byte[], long, long)
     */
    public long indexOf(byte[] pattern, long from) {
        Objects.requireNonNull(pattern, "pattern");
        MemorySegment s = range(from, 0);
        return ByteSearch.indexOf(s, from, s.byteSize(), pattern);
    }

    /**
     * The lowest position {@code p} such that {@code pattern} occupies {@code [p, p +
     * pattern.length)} within {@code [from, to)}, or -1; as Python's {@code mmap.find(pattern,
     * from, to)}. An empty pattern is found at {@code from}; a pattern longer than the range is not
     * found. Costs a scan of the range eight bytes at a time, comparing the middle of the pattern
     * only where its first and last bytes both match. Allocates nothing for a pattern of up to 16
     * bytes; a longer one costs one small object, a segment over the pattern whose middle is then
     * compared with the vectorised {@link MemorySegment#mismatch}.
     *
     * @param pattern the bytes to find
     * @param from    the start of the range searched, inclusive, {@code 0 <= from <= to}
     * @param to      the end of the range searched, exclusive, {@code to <= size()}
     * @return the position of the first match within the range, or -1 if there is none
     * @throws IndexOutOfBoundsException if {@code from} or {@code to} is negative or past the end,
     *                                   or {@code to < from}
     * @throws IllegalStateException     if closed
     */
    public long indexOf(byte[] pattern, long from, long to) {
        Objects.requireNonNull(pattern, "pattern");
        return ByteSearch.indexOf(searchRange(from, to), from, to, pattern);
    }

    /**
     * The highest position at which {@code pattern} occurs in the map, or -1; as Python's
     * {@code mmap.rfind(pattern)}. An empty pattern is found at {@link #size()}.
     *
     * <p>Costs a scan of the whole map from its end, as {@link #indexOf(byte[], long, long)}.
     *
     * @param pattern the bytes to find
     * @return the position of the last match, or -1 if there is none
     * @throws IllegalStateException if closed
     * @see #lastIndexOf(byte[], long, long)
     */
    public long lastIndexOf(byte[] pattern) {
        Objects.requireNonNull(pattern, "pattern");
        MemorySegment s = current();
        return ByteSearch.lastIndexOf(s, 0, s.byteSize(), pattern);
    }

    /**
     * The highest position {@code p} such that {@code pattern} occupies {@code [p, p +
     * pattern.length)} within {@code [from, to)}, or -1; as Python's {@code mmap.rfind(pattern,
     * from, to)}. Note that both bounds limit the whole match, unlike {@link String#lastIndexOf(String, int)}
     * whose bound limits where the match starts. An empty pattern is found at {@code to}. Costs
     * as {@link #indexOf(byte[], long, long)}, scanning from the end.
     *
     * @param pattern the bytes to find
     * @param from    the start of the range searched, inclusive, {@code 0 <= from <= to}
     * @param to      the end of the range searched, exclusive, {@code to <= size()}
     * @return the position of the last match within the range, or -1 if there is none
     * @throws IndexOutOfBoundsException if {@code from} or {@code to} is negative or past the end,
     *                                   or {@code to < from}
     * @throws IllegalStateException     if closed
     */
    public long lastIndexOf(byte[] pattern, long from, long to) {
        Objects.requireNonNull(pattern, "pattern");
        return ByteSearch.lastIndexOf(searchRange(from, to), from, to, pattern);
    }

    /** The current mapping, if {@code [from, to)} is a range within it. */
    private MemorySegment searchRange(long from, long to) {
        range(from, 0);
        MemorySegment s = range(to, 0);
        if (to < from) {
            throw new IndexOutOfBoundsException("search range [" + from + ", " + to + ") ends before it starts, in the"
                    + " map of " + source);
        }
        return s;
    }

    // ---------------------------------------------------------------------------------------------
    // Durability and paging

    /**
     * Writes every modified page of the map to the file ({@code msync(MS_SYNC)}), then the file's
     * metadata ({@code fsync}), so that data and size survive a crash of the machine. Blocks until
     * done; costs two system calls and a disk write of the dirty pages, and holds the handle's
     * lock meanwhile. A private map has nothing to write.
     *
     * @throws IOException           if the file cannot be written
     * @throws IllegalStateException if closed
     * @throws UnsupportedOperationException if this wraps memory that is not mapped from a file
     */
    public void force() throws IOException {
        synchronized (stateLock) {
            MemorySegment s = current();
            try {
                s.force();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            if (file != null) {
                file.force();
            }
        }
    }

    /**
     * Writes the modified pages of a range to the file ({@code msync(MS_SYNC)} of the pages that
     * hold it). File metadata is not written: call {@link #force()} after a resize.
     *
     * <p>Costs one {@code msync} system call, which blocks until the dirty pages of the range are
     * written, and a slice of the range; unlike {@link #force()} it does not serialise on the
     * handle.
     *
     * @param pos the position in the map, in bytes from its start
     * @param length the number of bytes
     * @throws IndexOutOfBoundsException if the range is outside the map or {@code length} is negative
     * @throws IOException               if the file cannot be written
     * @throws IllegalStateException     if closed
     * @throws UnsupportedOperationException if this wraps memory that is not mapped from a file
     */
    public void force(long pos, long length) throws IOException {
        try {
            slice(pos, length).force();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * Reads every page of the map into memory (touches each page), so that later accesses take no
     * page fault. Costs an {@code madvise(MADV_WILLNEED)}, a load and possibly a page fault per
     * page, and a read of the whole map from the file where it is not cached.
     *
     * @throws IllegalStateException if closed
     * @throws UnsupportedOperationException if this wraps memory that is not mapped from a file
     */
    public void load() {
        current().load();
    }

    /**
     * Tells the kernel the pages are not needed soon ({@code madvise(MADV_DONTNEED)}), so that it
     * may drop them from this process; a shared map loses nothing, its pages are read back from
     * the file on the next access. A {@linkplain MapOption#PRIVATE private} map refuses: its
     * written pages are private copies that exist nowhere else, and dropping them would silently
     * revert its writes to the file's content.
     *
     * @throws IllegalStateException if closed
     * @throws UnsupportedOperationException if the map is private, or if this wraps memory that is
     *                                       not mapped from a file
     */
    public void unload() {
        MemorySegment s = current();
        if (isPrivate()) {
            throw new UnsupportedOperationException("unload() would discard this PRIVATE map's writes (MADV_DONTNEED"
                    + " drops its private copies of the pages): " + source);
        }
        s.unload();
    }

    /**
     * Whether every page of the map is probably resident in memory ({@code mincore}); a hint, which
     * may be stale by the time it returns.
     *
     * <p>Costs one {@code mincore} system call over every page of the map.
     *
     * @return whether every page is probably resident
     * @throws IllegalStateException if closed
     * @throws UnsupportedOperationException if this wraps memory that is not mapped from a file
     */
    public boolean isLoaded() {
        return current().isLoaded();
    }

    /**
     * Advises the kernel how the whole map will be used ({@code madvise}). An optional extra that
     * needs native access ({@code --enable-native-access=io.mmap4j}, or {@code ALL-UNNAMED} on the
     * class path); without it nothing happens, one warning is logged, and {@code false} is returned.
     *
     * <p>Costs as {@link #advise(long, long, Advice)}.
     *
     * @param advice how the range will be used
     * @return whether the advice was applied
     * @throws IOException           if the kernel refused it (the message names the errno)
     * @throws IllegalStateException if closed
     */
    public boolean advise(Advice advice) throws IOException {
        return advise(0, size(), advice);
    }

    /**
     * Advises the kernel how a range will be used ({@code madvise} of the pages holding it), as
     * {@link #advise(Advice)}.
     *
     * <p>Costs one {@code madvise} system call through a downcall, and a small native allocation
     * for its {@code errno}; it holds the handle's lock, so {@link #close()} waits for it. The
     * first native call in the JVM also looks up the C functions. What the advice then costs is the
     * kernel's: {@code WILLNEED} starts reading the range in.
     *
     * @param pos the position in the map, in bytes from its start
     * @param length the number of bytes
     * @param advice how the range will be used
     * @return whether the advice was applied
     * @throws IndexOutOfBoundsException if the range is outside the map or {@code length} is negative
     * @throws IOException               if the kernel refused it
     * @throws IllegalStateException     if closed
     */
    public boolean advise(long pos, long length, Advice advice) throws IOException {
        Objects.requireNonNull(advice, "advice");
        synchronized (stateLock) { // close waits, so the range stays mapped during the call
            return NativeMemory.advise(range(pos, length), pos, length, advice);
        }
    }

    /**
     * Locks the map's pages in memory ({@code mlock}): they are read in now and never paged out
     * until {@link #unlockPages()} or close. Limited by {@code RLIMIT_MEMLOCK} ({@code ulimit -l}).
     * An optional extra, as {@link #advise(Advice)}.
     *
     * <p>Costs one {@code mlock} system call, which reads in every page not yet resident; it holds
     * the handle's lock.
     *
     * @return whether the pages were locked
     * @throws IOException           if the kernel refused (the message names the errno and the limit)
     * @throws IllegalStateException if closed
     */
    public boolean lockPages() throws IOException {
        synchronized (stateLock) {
            MemorySegment s = current();
            return NativeMemory.lock(s, 0, s.byteSize(), true);
        }
    }

    /**
     * Unlocks pages locked by {@link #lockPages()} ({@code munlock}). An optional extra, as
     * {@link #advise(Advice)}.
     *
     * <p>Costs one {@code munlock} system call; it holds the handle's lock.
     *
     * @return whether the pages were unlocked
     * @throws IOException           if the kernel refused
     * @throws IllegalStateException if closed
     */
    public boolean unlockPages() throws IOException {
        synchronized (stateLock) {
            MemorySegment s = current();
            return NativeMemory.lock(s, 0, s.byteSize(), false);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Resizing

    /**
     * Changes the size of the map to {@code newSize} bytes, and the file with it: a file shorter
     * than the new end of the map is extended (sparse, zero-filled); a file that ended where the
     * map ended is truncated to its new end. Bytes of the file beyond the map are never discarded.
     *
     * <p>Other threads may keep reading and writing during a resize: they use the old mapping or
     * the new one, both valid for the bytes the file still holds. Views taken before stay valid
     * (until close) and keep showing their range; a view of a range cut off by shrinking faults
     * ({@link InternalError}) if used. Costs a few {@code fstat}s (the file's size), an
     * {@code mmap}, and an {@code ftruncate} when the file changes; memory mapped before stays
     * mapped until close, so grow in large steps ({@link #grow()}) rather than byte by byte. Two
     * processes growing one file at the same moment can undo each other's growth
     * ({@code ftruncate} sets a length, it cannot only extend): let one process grow a shared file
     * and the others {@link #refresh()}.
     *
     * @param newSize the new size in bytes, {@code >= 0}
     * @throws IllegalArgumentException      if {@code newSize} is negative or the end overflows a long
     * @throws ReadOnlyBufferException       if the map is read-only
     * @throws UnsupportedOperationException if the map is private or wraps a segment it does not own
     * @throws IOException                   if the file cannot be resized or mapped
     * @throws IllegalStateException         if closed
     */
    public void resize(long newSize) throws IOException {
        requireSize(newSize);
        synchronized (stateLock) {
            MemorySegment old = current();
            MappedFile f = resizableFile("resized");
            long oldSize = old.byteSize();
            if (newSize > Long.MAX_VALUE - f.offset) {
                throw new IllegalArgumentException("file offset " + f.offset + " + size " + newSize + " overflows a long");
            }
            if (newSize == oldSize) {
                return;
            }
            boolean mapEndsFile = f.fileSize() <= f.offset + oldSize;
            segment = f.map(newSize); // extends the file if it is shorter
            if (newSize < oldSize && mapEndsFile) {
                f.truncate(f.offset + newSize);
            }
        }
    }

    /**
     * Grows the map (and the file) by emmap's policy: doubles the size up to 64 MiB (from at
     * least 4 KiB), then adds 64 MiB at a time. Same rules and costs as {@link #resize(long)}: an
     * {@code ftruncate} and an {@code mmap}.
     *
     * @return the new size
     * @throws ReadOnlyBufferException       if the map is read-only
     * @throws UnsupportedOperationException if the map is private or wraps a segment it does not own
     * @throws IOException                   if the file cannot be grown or mapped
     * @throws IllegalStateException         if closed
     */
    public long grow() throws IOException {
        synchronized (stateLock) {
            long size = nextSize(current().byteSize());
            resize(size);
            return size;
        }
    }

    /**
     * Grows the map by {@link #grow()}'s policy, in one resize, until it holds at least
     * {@code minSize} bytes; does nothing if it already does. For writers appending past the end.
     */
    void growTo(long minSize) throws IOException {
        synchronized (stateLock) {
            long size = current().byteSize();
            if (size >= minSize) {
                return;
            }
            while (size < minSize) {
                size = nextSize(size);
            }
            resize(size);
        }
    }

    private static long nextSize(long size) {
        if (size < GROWTH_STEP) {
            return Math.max(MIN_GROWTH, size * 2);
        }
        return size > Long.MAX_VALUE - GROWTH_STEP ? Long.MAX_VALUE : size + GROWTH_STEP;
    }

    /**
     * Maps the file as it is now, from this map's file offset to its end: picks up growth (or
     * truncation) made by another process or another handle. Views taken before stay valid for
     * the bytes the file still holds. Costs an {@code fstat} and, if the size changed, an
     * {@code mmap} with a few more {@code fstat}s. A wrapped segment just reports its size.
     *
     * @return the new size of the map
     * @throws UnsupportedOperationException if the map is private (remapping would drop its changes)
     * @throws IOException                   if the file cannot be mapped
     * @throws IllegalStateException         if closed
     */
    public long refresh() throws IOException {
        synchronized (stateLock) {
            MemorySegment s = current();
            if (file == null) {
                return s.byteSize();
            }
            if (isPrivate()) {
                throw new UnsupportedOperationException("a PRIVATE map cannot be refreshed: remapping would drop its"
                        + " private changes (" + source + ")");
            }
            long size = Math.max(0, file.fileSize() - file.offset);
            if (size != s.byteSize()) {
                segment = file.map(size);
            }
            return size;
        }
    }

    private MappedFile resizableFile(String what) {
        if (file == null) {
            throw new UnsupportedOperationException("a " + source + " cannot be " + what
                    + ": its size belongs to whoever mapped it");
        }
        if (readOnly) {
            throw readOnlyMap();
        }
        if (isPrivate()) {
            throw new UnsupportedOperationException("a PRIVATE map cannot be " + what
                    + ": remapping would drop its private changes (" + source + ")");
        }
        return file;
    }

    // ---------------------------------------------------------------------------------------------
    // Closing

    /**
     * Closes the map. With the default lifetime the memory is unmapped at once and every view
     * throws {@link IllegalStateException} from then on; a thread in the middle of an access either
     * completes it or gets that exception. With {@link MapOption#AUTO_UNMAP} the file and its lock
     * are released and the memory stays mapped until the last view is unreachable. Either way this
     * handle refuses access from now on. Closing again does nothing; {@code DELETE_ON_CLOSE}
     * deletes the file now.
     *
     * @throws IllegalStateException if a view's buffer is in use by an I/O operation at this
     *                               moment, so the memory cannot be unmapped yet; the handle is
     *                               closed all the same, the file and its lock are released
     *                               ({@code DELETE_ON_CLOSE} deletes it), and calling close again
     *                               retries only the unmap
     * @throws UncheckedIOException  if closing or deleting the file fails; neither is retried
     */
    @Override
    public void close() {
        synchronized (stateLock) {
            segment = CLOSED;
            if (file != null) {
                file.close();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Checks. Accesses go straight to the FFM, which checks bounds, alignment, read-only and
    // liveness itself on every access; checking first as well would double that work in front of
    // every atomic (C2 does not merge the two). Only once the FFM has thrown does failure() work out
    // which of this map's rules was broken, to throw with a message that names the value and the
    // limit; the catch blocks cost nothing until then. Views, streams and the native calls, off
    // the hot path, check up front with range() and current().

    /**
     * What an access does, for {@link #failure}: whether it writes, and whether it must be aligned.
     * A read's caller-given buffer is its {@code dst}, a write's its {@code src}.
     */
    private enum Access {
        READ(false, false), WRITE(true, false), ATOMIC_READ(false, true), ATOMIC_WRITE(true, true);

        final boolean writes;
        final boolean aligned;

        Access(boolean writes, boolean aligned) {
            this.writes = writes;
            this.aligned = aligned;
        }
    }

    /**
     * The exception to throw for an access of {@code length} bytes at {@code pos} that the FFM
     * refused with {@code e}: the rule of this map it broke, or {@code e} itself when it broke none
     * (a caller's array or buffer was at fault, or the access raced with a resize).
     */
    private RuntimeException failure(RuntimeException e, long pos, long length, Access access) {
        if (e instanceof NullPointerException) {
            // Only a caller's buffer can be null; named here, as Objects.requireNonNull would, so
            // that the access path carries no null check of its own.
            return new NullPointerException(access.writes ? "src" : "dst");
        }
        MemorySegment s = segment;
        if (s == CLOSED) {
            return closedMap();
        }
        if ((pos | length) < 0 || pos > s.byteSize() - length) {
            return outOfBounds(s, pos, length);
        }
        if (access.aligned && ((s.address() + pos) & (length - 1)) != 0) {
            return misaligned(s, pos, (int) length);
        }
        if (access.writes && readOnly) {
            return readOnlyMap();
        }
        return e;
    }

    /** The current mapping, or the closed-map exception. */
    private MemorySegment current() {
        MemorySegment s = segment;
        if (s == CLOSED) {
            throw closedMap();
        }
        return s;
    }

    /** The current mapping, if {@code [pos, pos + length)} lies within it; any length, even 0. */
    private MemorySegment range(long pos, long length) {
        MemorySegment s = segment;
        if ((pos | length) < 0 || pos > s.byteSize() - length || s == CLOSED) {
            throw outOfBounds(s, pos, length);
        }
        return s;
    }

    private MemorySegment writableRange(long pos, long length) {
        MemorySegment s = range(pos, length);
        if (readOnly) {
            throw readOnlyMap();
        }
        return s;
    }

    private RuntimeException outOfBounds(MemorySegment s, long pos, long length) {
        if (s == CLOSED) {
            return closedMap();
        }
        if (pos < 0) {
            return new IndexOutOfBoundsException("negative position " + pos + " in the " + s.byteSize() + "-byte map of "
                    + source);
        }
        if (length < 0) {
            return new IndexOutOfBoundsException("negative length " + length + " at position " + pos + " in the "
                    + s.byteSize() + "-byte map of " + source);
        }
        return new IndexOutOfBoundsException("range [" + pos + ", " + pos + " + " + length
                + ") is outside the " + s.byteSize() + "-byte map of " + source);
    }

    private IllegalArgumentException misaligned(MemorySegment s, long pos, int size) {
        String where = file != null
                ? "its file offset " + (file.offset + pos)
                : "its address 0x" + Long.toHexString(s.address() + pos);
        return new IllegalArgumentException("position " + pos + " is misaligned for " + size + "-byte atomic access: "
                + where + " is not a multiple of " + size + " (" + source + ")");
    }

    private IllegalStateException closedMap() {
        return new IllegalStateException("the map of " + source + " is closed");
    }

    private ReadOnlyBufferException readOnlyMap() {
        return new ReadOnlyMapException("the map of " + source + " is read-only: open it with WRITE (or PRIVATE)");
    }
}
