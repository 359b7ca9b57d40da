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
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A memory-mapped file, a range of one, or named shared memory: positional reads and writes,
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
 * <h2>Positions, byte order and alignment</h2>
 * A position ({@code pos}) counts bytes from the start of the map; a range of {@code length}
 * bytes at {@code pos} must lie within the map. Typed access is little-endian whatever the host, so
 * a file reads the same on every machine and from C or Python. Plain access may be unaligned (and
 * may then tear). Atomic and ordered access needs natural alignment, judged on the <em>file
 * offset</em> of the position: in a map opened at file offset 4, position 4 is 8-byte aligned and
 * position 0 is not.
 *
 * <h2>Memory ordering</h2>
 * Every access is a {@link VarHandle} access mode on the mapped memory. The hardware performs and
 * orders it on the shared physical page, which knows nothing of processes, so each mode orders
 * accesses between processes mapping the file exactly as it does between threads
 * ({@code docs/lifetimes.md} shows the patterns). {@code X} is {@code Int} or {@code Long}.
 * <table class="striped">
 * <caption>What each access mode orders, and what it compiles to</caption>
 * <thead><tr><th scope="col">methods</th><th scope="col">ordering</th><th scope="col">x86-64</th>
 * <th scope="col">AArch64</th></tr></thead>
 * <tbody>
 * <tr><td>{@code getShort}, {@code putLong}, ..., {@code pread}, {@code pwrite}, {@code copy},
 *     {@code fill}</td><td>plain: none; the JIT and the CPU may reorder them</td><td>{@code mov},
 *     {@code memcpy}</td><td>{@code ldr}/{@code str}, {@code memcpy}</td></tr>
 * <tr><td>{@code getXOpaque}, {@code putXOpaque}</td><td>atomic, eventually visible; orders
 *     nothing else</td><td>{@code mov}</td><td>{@code ldr}/{@code str}</td></tr>
 * <tr><td>{@code getXAcquire}</td><td>later accesses are not moved before it</td>
 *     <td>{@code mov}</td><td>{@code ldar}</td></tr>
 * <tr><td>{@code putXRelease}</td><td>earlier accesses are not moved after it</td>
 *     <td>{@code mov}</td><td>{@code stlr}</td></tr>
 * <tr><td>{@code getXVolatile}</td><td>sequentially consistent</td><td>{@code mov}</td>
 *     <td>{@code ldar}</td></tr>
 * <tr><td>{@code putXVolatile}</td><td>sequentially consistent</td><td>{@code mov}, then a
 *     {@code lock}-prefixed fence that drains the store buffer</td><td>{@code stlr}</td></tr>
 * <tr><td>{@code getAndAddX}, {@code getAndSubX}, {@code getAndSetX}</td><td>atomic,
 *     sequentially consistent; return the previous value</td><td>{@code lock xadd},
 *     {@code xchg}</td><td>LSE atomics (ARMv8.1+)</td></tr>
 * <tr><td>{@code getAndBitwiseAndX}, {@code ...OrX}, {@code ...XorX}</td><td>as above</td>
 *     <td>a {@code lock cmpxchg} loop, retried while other writers change the value</td>
 *     <td>LSE atomics</td></tr>
 * <tr><td>{@code compareAndSetX}, {@code compareAndExchangeX}</td><td>as above; strong: fails
 *     only when the value differed, never spuriously</td><td>{@code lock cmpxchg}</td>
 *     <td>LSE {@code cas}</td></tr>
 * </tbody>
 * </table>
 *
 * <h2>Errors</h2>
 * Every method checks its arguments, and each message names the bad value and the limit it broke:
 * <ul>
 * <li>{@link IndexOutOfBoundsException}: a position or range outside the map, a negative length,
 *     or a range outside the caller's array;</li>
 * <li>{@link IllegalArgumentException}: a misaligned atomic access (the message gives its file
 *     offset), a negative size or file offset, options that make no sense for a map;</li>
 * <li>{@link ReadOnlyMapException}, a {@link ReadOnlyBufferException}: a write, resize or output
 *     stream on a read-only map;</li>
 * <li>{@link IllegalStateException}: any access after {@link #close()};</li>
 * <li>{@link NullPointerException}: a null argument;</li>
 * <li>{@link UnsupportedOperationException}: what a map of its kind cannot do, such as resizing a
 *     private map, as the method says;</li>
 * <li>{@link IOException}: only from the methods that work on the file ({@code open},
 *     {@code resize}, {@code force}, {@code advise}, the page locks).</li>
 * </ul>
 * An access that throws has read or written nothing. If another process truncates the file, an
 * access to a page past its new end throws {@link InternalError} (the JVM's translation of
 * {@code SIGBUS}) and the JVM carries on; {@link #refresh()} maps the file at its new size. The
 * one exception the JDK leaves: a compare-and-set on a raw {@link VarHandle} of a view, not yet
 * compiled by C2, kills the JVM on such a page; this class's own compare-and-sets load the word
 * first, so that only a truncation landing between that load and the swap can
 * ({@code docs/lifetimes.md}). Nothing this handle does itself ({@code resize}, {@code refresh},
 * {@code close}) ever makes an access fault.
 *
 * <h2>Lifetime</h2>
 * By default {@link #close()} unmaps at once, and every later access, through this handle or any
 * view obtained from it ({@link #slice}, {@link #segment()}, {@link #asByteBuffer}), from any
 * thread, throws {@link IllegalStateException}. It never crashes the JVM, not even when another
 * thread is in the middle of an access. With {@link MapOption#AUTO_UNMAP}, close releases the file
 * and its lock, and the memory stays mapped while any view is reachable. Streams and channels
 * ({@link #inputStream}, {@link #outputStream}, {@link #channel()}) stop with the handle, whatever
 * the lifetime, with {@link ClosedChannelException}. A wrapped segment's memory is its owner's.
 * See {@code docs/lifetimes.md}.
 *
 * <h2>Size</h2>
 * {@link #resize}, {@link #grow()} and {@link #refresh()} map the file anew at another size (as do
 * channels and output streams that write past the end). Other threads may keep reading and
 * writing meanwhile: they use the old mapping or the new one, both valid, because shrinking never
 * cuts the file under a mapping that may be in use: a shrink that would cut the file is owed, and
 * made at {@link #close()}, once the mappings are gone (never with {@link MapOption#AUTO_UNMAP},
 * whose views outlive close). Until then the file keeps its length, this map has its new size,
 * and growing again shows zeros where the cut would have been. Views taken before keep showing
 * their range. Earlier mappings stay mapped until close, one kernel mapping each, so grow in
 * large steps. Only a shared map of a file can change size: a private
 * map would drop its changes, and a wrapped segment's size is its owner's
 * ({@link UnsupportedOperationException}). {@code ftruncate} sets a length, it cannot only extend,
 * so two processes growing one file at once can undo each other's growth: let one process grow a
 * shared file and the others {@link #refresh()}.
 *
 * <h2>As a file</h2>
 * {@link #inputStream(long)}, {@link #outputStream(long)} and {@link #channel()} (a
 * {@link MappedChannel}, with {@code readLine} and seeking from the end) let the map be used where
 * Java code expects streams and channels; {@link #indexOf} and {@link #lastIndexOf} search it.
 * {@link MappedFiles} does the same for whole files, in the words of {@link Files}.
 *
 * <h2>Threads and cost</h2>
 * A handle is safe for use by many threads. Every access to the mapped memory pays <em>the
 * checks</em>, then the memory operation of the table above: one volatile read of the current
 * mapping (a plain {@code mov} on x86-64), then the FFM's bounds, alignment, read-only and liveness
 * checks, as on a bare {@link MemorySegment}. Nothing on the path of an access allocates or takes a
 * lock; messages are built only once an access has failed. Copies are one {@code memcpy} (inlined
 * loads and stores when short); a method that takes a {@link ByteBuffer} or returns a view makes
 * one small object, which the JIT often eliminates. System calls are made only by the methods
 * that open, resize, force, load, unload, advise or lock pages, each as it says; those that change
 * or must keep the mapping ({@code resize}, {@code grow}, {@code refresh}, {@code force()},
 * {@code advise}, {@code lockPages}, {@code unlockPages}, {@code close}) serialise on the handle.
 * Measured figures, against a raw {@link VarHandle} on the same segment and the peers, are in
 * {@code docs/BENCHMARKS.md}.
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

    /*
     * CAS_GUARD: every compare-and-set and compare-and-exchange first loads the word it is about
     * to swap, and drops the value. A page cut off by another process's truncation faults (SIGBUS)
     * on access; the JVM turns a fault in a load or store into an InternalError, but the
     * compare-and-set it runs before C2 has compiled the caller (interpreted, or C1-compiled) is
     * a native call that HotSpot does not guard, and there the fault kills the JVM. The load
     * meets a truncation first and throws InternalError; what remains is a truncation landing
     * between the load and the swap, a window of a few instructions (docs/lifetimes.md). C2
     * compiles the swap as an instruction it does guard; there the load only brings in the cache
     * line the swap needs anyway, and JMH shows no cost (docs/BENCHMARKS.md, "Findings"). The
     * get-and-X operations need no guard: uncompiled, they are loops that load the word before
     * they swap it.
     */

    /**
     * Up to this many bytes, pread/pwrite copy through a heap segment: the JDK copies such short
     * segment-to-segment ranges with inlined loads and stores, where its array copy calls the
     * native copy stub: faster at 8 and 16 B, no gain from 32 B, as measured in the positional I/O
     * findings of docs/BENCHMARKS.md. The wrapper segment does not escape, so nothing is
     * allocated. Not for 0 bytes: that segment copy checks nothing, and an empty access to a closed
     * map must throw. The array range is checked first, with {@link Objects#checkFromIndexSize}, so
     * that a bad one is reported as the array copy of longer ranges reports it, not as a range of
     * the wrapper.
     */
    private static final int INLINE_COPY_MAX = 16;

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
     * by every thread, also inside loops the JIT would otherwise hoist the load out of. Written only
     * by {@link #replaceMapping}.
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
     * {@link #grow()} can enlarge. Costs an {@code open}, a {@code stat}, a few {@code fstat}s (the
     * file's size) and an {@code mmap}; {@link MapOption#EXCLUSIVE_LOCK} adds an {@code fcntl}
     * lock, {@link MapOption#POPULATE} a read of the whole range.
     *
     * @param path    the file
     * @param options {@link StandardOpenOption}s ({@code READ} is implied; {@code WRITE} for a
     *                writable map), {@link java.nio.file.LinkOption#NOFOLLOW_LINKS}, {@link MapOption}s
     * @return the open map
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
     * naming both sizes. A longer file is left as it is. If mapping fails (say, more than the
     * address space or {@code /dev/shm} allows), a file this call created is removed and a file it
     * grew gets its length back. Costs as {@link #open(Path, OpenOption...)}, and possibly an
     * {@code ftruncate}.
     *
     * @param path    the file
     * @param size    the number of bytes to map
     * @param options as for {@link #open(Path, OpenOption...)}
     * @return the open map
     * @throws IOException if the file cannot be opened, locked, grown or mapped
     */
    public static MMap open(Path path, long size, OpenOption... options) throws IOException {
        return openRange(path, 0, requireSize(size), options);
    }

    /**
     * Maps {@code size} bytes of a file from file offset {@code offset}, which need not be
     * page-aligned, growing the file as {@link #open(Path, long, OpenOption...)} does.
     *
     * @param path    the file
     * @param offset  the file offset at which the map starts
     * @param size    the number of bytes to map
     * @param options as for {@link #open(Path, OpenOption...)}
     * @return the open map
     * @throws IOException if the file cannot be opened, locked, grown or mapped
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
     * @param path       the file
     * @param offset     the file offset at which the map starts
     * @param size       the number of bytes to map
     * @param options    as for {@link #open(Path, OpenOption...)}
     * @param attributes attributes for a file created by this call
     * @return the open map
     * @throws IOException if the file cannot be opened, locked, grown or mapped
     */
    public static MMap open(Path path, long offset, long size, Set<? extends OpenOption> options,
                            FileAttribute<?>... attributes) throws IOException {
        return openRange(path, offset, requireSize(size), OpenSpec.forMap(options), attributes);
    }

    /**
     * Opens named shared memory: the file {@code /dev/shm/<name>}, for sharing between processes
     * on this host without touching a disk. Same options and growth rules as
     * {@link #open(Path, long, OpenOption...)}; pass {@code CREATE, READ, WRITE} to create it, and
     * {@link StandardOpenOption#DELETE_ON_CLOSE} to remove the name when this map closes.
     *
     * @param name    a file name: 1 to 255 UTF-8 bytes, no {@code '/'}, no NUL, not {@code "."} or {@code ".."}
     * @param size    the number of bytes to map
     * @param options as for {@link #open(Path, OpenOption...)}
     * @return the open map
     * @throws IOException if this system has no {@code /dev/shm}, or as for {@code open}
     * @see #sharedMemoryPath(String)
     */
    public static MMap openShared(String name, long size, OpenOption... options) throws IOException {
        Path path = SharedMemory.path(name);
        SharedMemory.requireDirectory();
        return openRange(path, 0, requireSize(size), options);
    }

    /**
     * The path of named shared memory, {@code /dev/shm/<name>}: to delete the name
     * ({@code Files.deleteIfExists}), or list what exists.
     *
     * @param name the name of the shared memory, as for {@link #openShared}
     * @return {@code /dev/shm/<name>}
     */
    public static Path sharedMemoryPath(String name) {
        return SharedMemory.path(name);
    }

    /**
     * Wraps memory this handle does not own: a mapped segment from elsewhere, or any other native
     * segment. The segment's own arena decides its lifetime; {@link #close()} only closes this
     * handle. A read-only segment gives a read-only map. Alignment of atomics is judged on the
     * segment's address. No system call, no copy.
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
     * {@link java.nio.MappedByteBuffer} from existing code, as {@link #wrap(MemorySegment)}. The
     * buffer's position and limit are not changed, and later changes to them are not seen.
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

    /** The whole file, with options sorted by {@link MappedFiles}' rules. */
    static MMap openFile(Path path, OpenSpec spec, FileAttribute<?>... attributes) throws IOException {
        return openRange(path, 0, -1, spec, attributes);
    }

    private static MMap openRange(Path path, long offset, long size, OpenOption[] options) throws IOException {
        Objects.requireNonNull(options, "options");
        return openRange(path, offset, size, OpenSpec.forMap(Arrays.asList(options)));
    }

    /** {@code size < 0} maps to the end of the file. */
    private static MMap openRange(Path path, long offset, long size, OpenSpec spec, FileAttribute<?>... attributes)
            throws IOException {
        MappedFile file = MappedFile.open(path, offset, size, spec, attributes);
        MemorySegment segment = file.mapFirst(size);
        String source = offset == 0 ? path.toString() : path + " at file offset " + offset;
        return new MMap(file, segment, spec.readOnly(), source);
    }

    private static long requireSize(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        return size;
    }

    // ---------------------------------------------------------------------------------------------
    // What the map is

    /**
     * The number of bytes mapped.
     *
     * @return the size of the map
     */
    public long size() {
        return current().byteSize();
    }

    /**
     * The mapped file. Works after close.
     *
     * @return the file, or empty for a {@linkplain #wrap wrapped} segment
     */
    public Optional<Path> path() {
        return file == null ? Optional.empty() : Optional.of(file.path);
    }

    /**
     * The file offset at which the map starts. Works after close.
     *
     * @return the file offset of position 0; 0 for a wrapped segment
     */
    public long fileOffset() {
        return file == null ? 0 : file.offset;
    }

    /**
     * Whether writes are refused: opened without {@code WRITE} and not {@code PRIVATE}, or
     * wrapping read-only memory. Works after close.
     *
     * @return whether the map is read-only
     */
    public boolean isReadOnly() {
        return readOnly;
    }

    /**
     * Whether the map is private copy-on-write ({@link MapOption#PRIVATE}). Works after close.
     *
     * @return whether the map is private
     */
    public boolean isPrivate() {
        return file != null && file.spec.mode() == MapMode.PRIVATE;
    }

    /**
     * Whether {@link #close()} has not been called yet.
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
    // Positional I/O: each copies exactly the bytes asked for or throws.

    /**
     * Reads {@code length} bytes at {@code pos} into a new array.
     *
     * @param pos    the position
     * @param length the number of bytes
     * @return the bytes read, in an array allocated for them
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
     * @param pos the position
     * @param dst where the bytes go
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
     * @param pos    the position
     * @param dst    where the bytes go
     * @param offset the index in {@code dst} of the first byte
     * @param length the number of bytes
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
     * A read-only {@code dst} is a {@link ReadOnlyBufferException}, as {@code ByteBuffer.put} has it.
     *
     * @param pos the position
     * @param dst where the bytes go
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
     * Reads {@code dst.byteSize()} bytes at {@code pos} into {@code dst}. As with
     * {@link MemorySegment#copy}, a read-only {@code dst} is an {@link IllegalArgumentException} and
     * one no longer alive an {@link IllegalStateException}.
     *
     * @param pos the position
     * @param dst where the bytes go
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
     * @param pos the position
     * @param src the bytes to write
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
     * @param pos    the position
     * @param src    the bytes to write
     * @param offset the index in {@code src} of the first byte
     * @param length the number of bytes
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
     * @param pos the position
     * @param src the bytes to write
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
     * Writes all {@code src.byteSize()} bytes of {@code src} at {@code pos}. A {@code src} no
     * longer alive is an {@link IllegalStateException}, as with {@link MemorySegment#copy}.
     *
     * @param pos the position
     * @param src the bytes to write
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
     * @param srcPos where the bytes are read from
     * @param dstPos where the bytes go
     * @param length the number of bytes to copy
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
     * @param pos    the position
     * @param length the number of bytes to set
     * @param value  the byte every position is set to
     */
    public void fill(long pos, long length, byte value) {
        try {
            segment.asSlice(pos, length).fill(value);
        } catch (RuntimeException e) {
            throw failure(e, pos, length, Access.WRITE);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Typed access: little-endian, plain, unaligned allowed.

    /**
     * Reads the byte at {@code pos}.
     *
     * @param pos the position
     * @return the value
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
     * @param pos   the position
     * @param value the value
     */
    public void putByte(long pos, byte value) {
        try {
            segment.set(JAVA_BYTE, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 1, Access.WRITE);
        }
    }

    /**
     * Reads the short at {@code pos}.
     *
     * @param pos the position
     * @return the value
     */
    public short getShort(long pos) {
        try {
            return segment.get(SHORT, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 2, Access.READ);
        }
    }

    /**
     * Writes a short at {@code pos}.
     *
     * @param pos   the position
     * @param value the value
     */
    public void putShort(long pos, short value) {
        try {
            segment.set(SHORT, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 2, Access.WRITE);
        }
    }

    /**
     * Reads the int at {@code pos}.
     *
     * @param pos the position
     * @return the value
     */
    public int getInt(long pos) {
        try {
            return segment.get(INT, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.READ);
        }
    }

    /**
     * Writes an int at {@code pos}.
     *
     * @param pos   the position
     * @param value the value
     */
    public void putInt(long pos, int value) {
        try {
            segment.set(INT, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.WRITE);
        }
    }

    /**
     * Reads the long at {@code pos}.
     *
     * @param pos the position
     * @return the value
     */
    public long getLong(long pos) {
        try {
            return segment.get(LONG, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.READ);
        }
    }

    /**
     * Writes a long at {@code pos}.
     *
     * @param pos   the position
     * @param value the value
     */
    public void putLong(long pos, long value) {
        try {
            segment.set(LONG, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.WRITE);
        }
    }

    /**
     * Reads the IEEE 754 float at {@code pos}.
     *
     * @param pos the position
     * @return the value
     */
    public float getFloat(long pos) {
        try {
            return segment.get(FLOAT, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.READ);
        }
    }

    /**
     * Writes an IEEE 754 float at {@code pos}.
     *
     * @param pos   the position
     * @param value the value
     */
    public void putFloat(long pos, float value) {
        try {
            segment.set(FLOAT, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.WRITE);
        }
    }

    /**
     * Reads the IEEE 754 double at {@code pos}.
     *
     * @param pos the position
     * @return the value
     */
    public double getDouble(long pos) {
        try {
            return segment.get(DOUBLE, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.READ);
        }
    }

    /**
     * Writes an IEEE 754 double at {@code pos}.
     *
     * @param pos   the position
     * @param value the value
     */
    public void putDouble(long pos, double value) {
        try {
            segment.set(DOUBLE, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.WRITE);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Int atomics and ordered access, on 4 bytes aligned to 4; see the class's ordering table.

    /**
     * Reads the int at {@code pos}, volatile.
     *
     * @param pos the position
     * @return the value
     */
    public int getIntVolatile(long pos) {
        try {
            return (int) INT_ATOMIC.getVolatile(segment, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_READ);
        }
    }

    /**
     * Writes the int at {@code pos}, volatile.
     *
     * @param pos   the position
     * @param value the value
     */
    public void putIntVolatile(long pos, int value) {
        try {
            INT_ATOMIC.setVolatile(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Reads the int at {@code pos}, acquire.
     *
     * @param pos the position
     * @return the value
     */
    public int getIntAcquire(long pos) {
        try {
            return (int) INT_ATOMIC.getAcquire(segment, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_READ);
        }
    }

    /**
     * Writes the int at {@code pos}, release.
     *
     * @param pos   the position
     * @param value the value
     */
    public void putIntRelease(long pos, int value) {
        try {
            INT_ATOMIC.setRelease(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Reads the int at {@code pos}, opaque.
     *
     * @param pos the position
     * @return the value
     */
    public int getIntOpaque(long pos) {
        try {
            return (int) INT_ATOMIC.getOpaque(segment, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_READ);
        }
    }

    /**
     * Writes the int at {@code pos}, opaque.
     *
     * @param pos   the position
     * @param value the value
     */
    public void putIntOpaque(long pos, int value) {
        try {
            INT_ATOMIC.setOpaque(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically adds {@code delta} to the int at {@code pos}.
     *
     * @param pos   the position
     * @param delta the amount to add
     * @return the previous value
     */
    public int getAndAddInt(long pos, int delta) {
        try {
            return (int) INT_ATOMIC.getAndAdd(segment, pos, delta);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically subtracts {@code delta} from the int at {@code pos}: an add of {@code -delta}.
     *
     * @param pos   the position
     * @param delta the amount to subtract
     * @return the previous value
     */
    public int getAndSubInt(long pos, int delta) {
        try {
            return (int) INT_ATOMIC.getAndAdd(segment, pos, -delta);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically replaces the int at {@code pos} with {@code value} (exchange).
     *
     * @param pos   the position
     * @param value the new value
     * @return the previous value
     */
    public int getAndSetInt(long pos, int value) {
        try {
            return (int) INT_ATOMIC.getAndSet(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically ANDs {@code mask} into the int at {@code pos}.
     *
     * @param pos  the position
     * @param mask the bits to keep
     * @return the previous value
     */
    public int getAndBitwiseAndInt(long pos, int mask) {
        try {
            return (int) INT_ATOMIC.getAndBitwiseAnd(segment, pos, mask);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically ORs {@code mask} into the int at {@code pos}.
     *
     * @param pos  the position
     * @param mask the bits to set
     * @return the previous value
     */
    public int getAndBitwiseOrInt(long pos, int mask) {
        try {
            return (int) INT_ATOMIC.getAndBitwiseOr(segment, pos, mask);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically XORs {@code mask} into the int at {@code pos}.
     *
     * @param pos  the position
     * @param mask the bits to flip
     * @return the previous value
     */
    public int getAndBitwiseXorInt(long pos, int mask) {
        try {
            return (int) INT_ATOMIC.getAndBitwiseXor(segment, pos, mask);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically sets the int at {@code pos} to {@code newValue} if it is {@code expected}.
     *
     * @param pos      the position
     * @param expected the value the caller expects to find
     * @param newValue the value to write if {@code expected} is found
     * @return whether the value was replaced
     */
    public boolean compareAndSetInt(long pos, int expected, int newValue) {
        MemorySegment s = segment;
        try {
            int faultsFirst = (int) INT_ATOMIC.get(s, pos); // see CAS_GUARD
            return INT_ATOMIC.compareAndSet(s, pos, expected, newValue);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically sets the int at {@code pos} to {@code newValue} if it is {@code expected}.
     *
     * @param pos      the position
     * @param expected the value the caller expects to find
     * @param newValue the value to write if {@code expected} is found
     * @return the value found, which is {@code expected} exactly when it was replaced
     */
    public int compareAndExchangeInt(long pos, int expected, int newValue) {
        MemorySegment s = segment;
        try {
            int faultsFirst = (int) INT_ATOMIC.get(s, pos); // see CAS_GUARD
            return (int) INT_ATOMIC.compareAndExchange(s, pos, expected, newValue);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Long atomics and ordered access: as the int ones, on 8 bytes aligned to 8.

    /**
     * Reads the long at {@code pos}, volatile.
     *
     * @param pos the position
     * @return the value
     */
    public long getLongVolatile(long pos) {
        try {
            return (long) LONG_ATOMIC.getVolatile(segment, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_READ);
        }
    }

    /**
     * Writes the long at {@code pos}, volatile.
     *
     * @param pos   the position
     * @param value the value
     */
    public void putLongVolatile(long pos, long value) {
        try {
            LONG_ATOMIC.setVolatile(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Reads the long at {@code pos}, acquire.
     *
     * @param pos the position
     * @return the value
     */
    public long getLongAcquire(long pos) {
        try {
            return (long) LONG_ATOMIC.getAcquire(segment, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_READ);
        }
    }

    /**
     * Writes the long at {@code pos}, release.
     *
     * @param pos   the position
     * @param value the value
     */
    public void putLongRelease(long pos, long value) {
        try {
            LONG_ATOMIC.setRelease(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Reads the long at {@code pos}, opaque.
     *
     * @param pos the position
     * @return the value
     */
    public long getLongOpaque(long pos) {
        try {
            return (long) LONG_ATOMIC.getOpaque(segment, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_READ);
        }
    }

    /**
     * Writes the long at {@code pos}, opaque.
     *
     * @param pos   the position
     * @param value the value
     */
    public void putLongOpaque(long pos, long value) {
        try {
            LONG_ATOMIC.setOpaque(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically adds {@code delta} to the long at {@code pos}.
     *
     * @param pos   the position
     * @param delta the amount to add
     * @return the previous value
     */
    public long getAndAddLong(long pos, long delta) {
        try {
            return (long) LONG_ATOMIC.getAndAdd(segment, pos, delta);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically subtracts {@code delta} from the long at {@code pos}: an add of {@code -delta}.
     *
     * @param pos   the position
     * @param delta the amount to subtract
     * @return the previous value
     */
    public long getAndSubLong(long pos, long delta) {
        try {
            return (long) LONG_ATOMIC.getAndAdd(segment, pos, -delta);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically replaces the long at {@code pos} with {@code value} (exchange).
     *
     * @param pos   the position
     * @param value the new value
     * @return the previous value
     */
    public long getAndSetLong(long pos, long value) {
        try {
            return (long) LONG_ATOMIC.getAndSet(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically ANDs {@code mask} into the long at {@code pos}.
     *
     * @param pos  the position
     * @param mask the bits to keep
     * @return the previous value
     */
    public long getAndBitwiseAndLong(long pos, long mask) {
        try {
            return (long) LONG_ATOMIC.getAndBitwiseAnd(segment, pos, mask);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically ORs {@code mask} into the long at {@code pos}.
     *
     * @param pos  the position
     * @param mask the bits to set
     * @return the previous value
     */
    public long getAndBitwiseOrLong(long pos, long mask) {
        try {
            return (long) LONG_ATOMIC.getAndBitwiseOr(segment, pos, mask);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically XORs {@code mask} into the long at {@code pos}.
     *
     * @param pos  the position
     * @param mask the bits to flip
     * @return the previous value
     */
    public long getAndBitwiseXorLong(long pos, long mask) {
        try {
            return (long) LONG_ATOMIC.getAndBitwiseXor(segment, pos, mask);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically sets the long at {@code pos} to {@code newValue} if it is {@code expected}.
     *
     * @param pos      the position
     * @param expected the value the caller expects to find
     * @param newValue the value to write if {@code expected} is found
     * @return whether the value was replaced
     */
    public boolean compareAndSetLong(long pos, long expected, long newValue) {
        MemorySegment s = segment;
        try {
            long faultsFirst = (long) LONG_ATOMIC.get(s, pos); // see CAS_GUARD
            return LONG_ATOMIC.compareAndSet(s, pos, expected, newValue);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically sets the long at {@code pos} to {@code newValue} if it is {@code expected}.
     *
     * @param pos      the position
     * @param expected the value the caller expects to find
     * @param newValue the value to write if {@code expected} is found
     * @return the value found, which is {@code expected} exactly when it was replaced
     */
    public long compareAndExchangeLong(long pos, long expected, long newValue) {
        MemorySegment s = segment;
        try {
            long faultsFirst = (long) LONG_ATOMIC.get(s, pos); // see CAS_GUARD
            return (long) LONG_ATOMIC.compareAndExchange(s, pos, expected, newValue);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Zero-copy views. A view shares the mapped memory: writes through it are writes to the file,
    // and it shows writes made by any thread or process. It never owns the mapping.

    /**
     * A view of {@code length} bytes at {@code pos}; read-only if the map is.
     *
     * @param pos    the position
     * @param length the number of bytes
     * @return a view of the range
     */
    public MemorySegment slice(long pos, long length) {
        return range(pos, length).asSlice(pos, length);
    }

    /**
     * A view of the whole map as it is now: the mapping's own segment; read-only if the map is.
     *
     * @return a view of the whole map
     */
    public MemorySegment segment() {
        return current();
    }

    /**
     * A little-endian {@link ByteBuffer} view of {@code length} bytes at {@code pos}, for APIs that
     * take buffers ({@code FileChannel.write}, codecs); read-only if the map is.
     *
     * @param pos    the position
     * @param length the number of bytes
     * @return a buffer view
     */
    public ByteBuffer asByteBuffer(long pos, int length) {
        return slice(pos, length).asByteBuffer().order(LITTLE_ENDIAN);
    }

    /**
     * A little-endian {@link ByteBuffer} view of the whole map; read-only if the map is.
     *
     * @return a buffer view
     * @throws UnsupportedOperationException if the map is larger than a buffer can be (2 GiB - 1);
     *                                       use {@link #asByteBuffer(long, int)} on a range
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
    // The map as a file: MappedChannel, the streams over it, and ByteSearch.

    /**
     * An input stream of the map's bytes from {@code pos} to the end of the map (its size at each
     * read, so a {@link #refresh()} is seen), copied straight from the mapped memory, unbuffered.
     * As {@code Files.newInputStream}'s stream, a negative {@code skip} moves back (not before
     * position 0), and there is no mark. Closing the stream leaves the map open.
     *
     * @param pos where the stream starts, {@code 0 <= pos <= size()}
     * @return a new stream
     */
    public InputStream inputStream(long pos) {
        range(pos, 0);
        return new MappedInputStream(new MappedChannel(this, pos, ChannelMode.READ, false));
    }

    /**
     * An output stream that writes the map from {@code pos} on. A write past the end grows the map
     * and the file by {@link #grow()}'s policy, in steps; closing the stream then cuts them back
     * to the last byte written, so the file ends there as with {@code Files.newOutputStream}. A
     * stream that stays within the map leaves its size alone; closing it leaves the map open.
     *
     * @param pos where the stream starts, {@code 0 <= pos <= size()}
     * @return a new stream
     */
    public OutputStream outputStream(long pos) {
        writableRange(pos, 0);
        return new MappedOutputStream(new MappedChannel(this, pos, ChannelMode.WRITE, false));
    }

    /**
     * A {@link java.nio.channels.SeekableByteChannel} over the map at position 0, with
     * {@link MappedChannel#readLine()} and seeking from the end; writable unless the map is
     * read-only. Writes past the end grow the map as {@link #outputStream(long)}'s do. Closing the
     * channel leaves the map open.
     *
     * @return a new channel
     */
    public MappedChannel channel() {
        current();
        return new MappedChannel(this, 0, readOnly ? ChannelMode.READ : ChannelMode.READ_WRITE, false);
    }

    /**
     * The lowest position at which {@code pattern} occurs in the map, or -1; as Python's
     * {@code mmap.find(pattern)}.
     *
     * @param pattern the bytes to find; an empty pattern is found at 0
     * @return the position of the first match, or -1
     * @see #indexOf(byte[], long, long)
     */
    public long indexOf(byte[] pattern) {
        return indexOf(pattern, 0);
    }

    /**
     * The lowest position at or after {@code from} at which {@code pattern} occurs in the map, or
     * -1; as Python's {@code mmap.find(pattern, from)}.
     *
     * @param pattern the bytes to find; an empty pattern is found at {@code from}
     * @param from    where the search starts, {@code 0 <= from <= size()}
     * @return the position of the first match, or -1
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
     * from, to)}. A scan eight bytes at a time, comparing the middle of the pattern only where its
     * first and last bytes both match; a pattern longer than 16 bytes costs one small object.
     *
     * @param pattern the bytes to find; an empty pattern is found at {@code from}
     * @param from    the start of the range searched, inclusive, {@code 0 <= from <= to}
     * @param to      the end of the range searched, exclusive, {@code to <= size()}
     * @return the position of the first match, or -1
     */
    public long indexOf(byte[] pattern, long from, long to) {
        Objects.requireNonNull(pattern, "pattern");
        return ByteSearch.indexOf(searchRange(from, to), from, to, pattern);
    }

    /**
     * The highest position at which {@code pattern} occurs in the map, or -1; as Python's
     * {@code mmap.rfind(pattern)}.
     *
     * @param pattern the bytes to find; an empty pattern is found at {@link #size()}
     * @return the position of the last match, or -1
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
     * from, to)}, and as {@link #indexOf(byte[], long, long)} scanning from the end. Both bounds
     * limit the whole match, unlike {@link String#lastIndexOf(String, int)}'s.
     *
     * @param pattern the bytes to find; an empty pattern is found at {@code to}
     * @param from    the start of the range searched, inclusive, {@code 0 <= from <= to}
     * @param to      the end of the range searched, exclusive, {@code to <= size()}
     * @return the position of the last match, or -1
     */
    public long lastIndexOf(byte[] pattern, long from, long to) {
        Objects.requireNonNull(pattern, "pattern");
        return ByteSearch.lastIndexOf(searchRange(from, to), from, to, pattern);
    }

    // ---------------------------------------------------------------------------------------------
    // Durability and paging: Paging and NativeMemory.

    /**
     * Writes every modified page of the map to the file ({@code msync(MS_SYNC)}), then the file's
     * metadata ({@code fsync}), so that data and size survive a crash of the machine; blocks until
     * they are on the device. A private map has nothing to write.
     *
     * @throws IOException                   if the file cannot be written
     * @throws UnsupportedOperationException if this wraps memory that is not mapped from a file
     */
    public void force() throws IOException {
        synchronized (stateLock) {
            Paging.force(current(), file);
        }
    }

    /**
     * Writes the modified pages of a range to the file ({@code msync(MS_SYNC)} of the pages that
     * hold it), without the file's metadata: call {@link #force()} after a resize. Unlike
     * {@code force()}, does not serialise on the handle.
     *
     * @param pos    the position
     * @param length the number of bytes
     * @throws IOException                   if the file cannot be written
     * @throws UnsupportedOperationException if this wraps memory that is not mapped from a file
     */
    public void force(long pos, long length) throws IOException {
        Paging.force(slice(pos, length), null);
    }

    /**
     * Reads every page of the map into memory ({@code madvise(MADV_WILLNEED)}, then a load from
     * each page), so that later accesses take no page fault.
     *
     * @throws UnsupportedOperationException if this wraps memory that is not mapped from a file
     */
    public void load() {
        current().load();
    }

    /**
     * Tells the kernel the pages are not needed soon ({@code madvise(MADV_DONTNEED)}): a shared
     * map loses nothing, its pages are read back from the file on the next access.
     *
     * @throws UnsupportedOperationException if the map is private (its written pages are private
     *                                       copies that exist nowhere else, and dropping them would
     *                                       silently revert its writes), or wraps memory that is not
     *                                       mapped from a file
     */
    public void unload() {
        Paging.unload(current(), this);
    }

    /**
     * Whether every page of the map is probably resident in memory ({@code mincore}): a hint,
     * which may be stale by the time it returns.
     *
     * @return whether every page is probably resident
     * @throws UnsupportedOperationException if this wraps memory that is not mapped from a file
     */
    public boolean isLoaded() {
        return current().isLoaded();
    }

    /**
     * Advises the kernel how the whole map will be used, as {@link #advise(long, long, Advice)}.
     *
     * @param advice how the map will be used
     * @return whether the advice was applied
     * @throws IOException                   if the kernel refused it (the message names the errno)
     * @throws UnsupportedOperationException for {@link Advice#DONTNEED} on a private map, or any
     *                                       advice on a {@linkplain #wrap wrapped} segment
     */
    public boolean advise(Advice advice) throws IOException {
        return advise(0, size(), advice);
    }

    /**
     * Advises the kernel how a range will be used ({@code madvise} of the pages holding it). An
     * optional extra that needs native access ({@code --enable-native-access=io.mmap4j}, or
     * {@code ALL-UNNAMED} on the class path); without it nothing happens, one warning is logged,
     * and {@code false} is returned. {@link Advice#DONTNEED} is refused on a private map, as
     * {@link #unload()} is.
     *
     * @param pos    the position
     * @param length the number of bytes
     * @param advice how the range will be used
     * @return whether the advice was applied
     * @throws IOException                   if the kernel refused it (the message names the errno)
     * @throws UnsupportedOperationException for {@link Advice#DONTNEED} on a private map, or any
     *                                       advice on a {@linkplain #wrap wrapped} segment, whose
     *                                       pages it does not own
     */
    public boolean advise(long pos, long length, Advice advice) throws IOException {
        Objects.requireNonNull(advice, "advice");
        synchronized (stateLock) { // close waits, so the range stays mapped during the call
            return Paging.advise(range(pos, length), pos, length, advice, this);
        }
    }

    /**
     * Refuses the page calls on memory this handle does not own: they act on whole pages, and the
     * pages around a wrapped segment belong to others (a neighbouring allocation, the C heap).
     */
    void requireOwnPages(String call) {
        if (file == null) {
            throw new UnsupportedOperationException(call + " acts on whole pages, and the pages of a " + source
                    + " are not this map's: they may hold other allocations");
        }
    }

    /**
     * Locks the map's pages in memory ({@code mlock}): they are read in now and never paged out
     * until {@link #unlockPages()} or close. Limited by {@code RLIMIT_MEMLOCK} ({@code ulimit -l}).
     * An optional extra, as {@link #advise(long, long, Advice)}.
     *
     * @return whether the pages were locked
     * @throws IOException                   if the kernel refused (the message names the errno and the limit)
     * @throws UnsupportedOperationException on a {@linkplain #wrap wrapped} segment, whose pages it does not own
     */
    public boolean lockPages() throws IOException {
        synchronized (stateLock) {
            return Paging.lock(current(), true, this);
        }
    }

    /**
     * Unlocks pages locked by {@link #lockPages()} ({@code munlock}). An optional extra, as
     * {@link #advise(long, long, Advice)}.
     *
     * @return whether the pages were unlocked
     * @throws IOException                   if the kernel refused
     * @throws UnsupportedOperationException on a {@linkplain #wrap wrapped} segment, whose pages it does not own
     */
    public boolean unlockPages() throws IOException {
        synchronized (stateLock) {
            return Paging.lock(current(), false, this);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Size: MappedFile resizes, this handle switches to the new mapping.

    /**
     * Changes the size of the map to {@code newSize} bytes, and the file with it: a file shorter
     * than the new end of the map is extended (sparse, zero-filled); a file that ended where the
     * map ended is to end at its new end. Cutting a file under a mapping that another thread may
     * be using would make that access fault, so the cut is made at {@link #close()}, after the
     * unmap (with {@link MapOption#AUTO_UNMAP}, not at all), unless another party resizes the file
     * first; meanwhile {@link #refresh()} keeps the new size, and growing the map again zeroes the
     * bytes the cut will remove, as a cut file grown again would read. Bytes of the file beyond
     * the map are never discarded. If mapping fails, the file keeps the length it had. Costs a few
     * {@code fstat}s, an {@code mmap}, and an {@code ftruncate} when the file grows.
     *
     * @param newSize the new size in bytes
     * @throws IOException if the file cannot be resized or mapped
     */
    public void resize(long newSize) throws IOException {
        requireSize(newSize);
        synchronized (stateLock) {
            MemorySegment current = current();
            replaceMapping(resizableFile("resized").resize(current, newSize));
        }
    }

    /**
     * Grows the map (and the file) by emmap's policy: doubles the size up to 64 MiB (from at
     * least 4 KiB), then adds 64 MiB at a time; as {@link #resize(long)}.
     *
     * @return the new size
     * @throws IOException if the file cannot be grown or mapped
     */
    public long grow() throws IOException {
        synchronized (stateLock) {
            long size = MappedFile.grownSize(current().byteSize(), 0);
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
            if (size < minSize) {
                resize(MappedFile.grownSize(size, minSize));
            }
        }
    }

    /**
     * Maps the file as it is now, from this map's file offset to its end: picks up growth (or
     * truncation) made by another process or another handle; a shrink of this map whose cut is
     * still owed (see {@link #resize}) counts as made. Never writes to the file: a file now ending
     * before this map's offset gives an empty map. Costs an {@code fstat} and, if the size
     * changed, an {@code mmap} with a few more {@code fstat}s. A wrapped segment just reports its
     * size.
     *
     * @return the new size of the map
     * @throws IOException                   if the file cannot be mapped
     * @throws UnsupportedOperationException if the map is private (remapping would drop its changes)
     */
    public long refresh() throws IOException {
        synchronized (stateLock) {
            MemorySegment current = current();
            if (file == null) {
                return current.byteSize();
            }
            if (isPrivate()) {
                throw new UnsupportedOperationException("a PRIVATE map cannot be refreshed: remapping would drop its"
                        + " private changes (" + source + ")");
            }
            MemorySegment refreshed = file.refresh(current);
            replaceMapping(refreshed);
            return refreshed.byteSize();
        }
    }

    /** The one place the mapping changes while the map is open; callers hold {@link #stateLock}. */
    private void replaceMapping(MemorySegment next) {
        segment = next;
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
     * Closes the map: from now on this handle refuses access, and the memory is unmapped at once
     * (with {@link MapOption#AUTO_UNMAP}, once the last view is unreachable); then the file is cut
     * as a shrink left it owing (see {@link #resize}), the file and its lock are released, and
     * {@code DELETE_ON_CLOSE} deletes the file. A thread in the middle of an
     * access either completes it or gets {@link IllegalStateException}. Closing again does nothing.
     *
     * @throws IllegalStateException if a view's buffer is in use by an I/O operation at this
     *                               moment, so the memory cannot be unmapped yet; the handle is
     *                               closed all the same, the file and its lock are released, and
     *                               calling close again retries only the unmap
     * @throws UncheckedIOException  if closing or deleting the file fails; neither is retried
     */
    @Override
    public void close() {
        close(false);
    }

    /**
     * As {@link #close()}, for an owner that vouches that no view of the map is in use: an
     * {@code AUTO_UNMAP} map then cuts the file as a shrink left it owing, as an explicit one does.
     */
    void close(boolean noViewsLeft) {
        synchronized (stateLock) {
            segment = CLOSED;
            if (file != null) {
                file.close(noViewsLeft);
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

    /**
     * How {@link MappedChannel} and the streams report a closed map, as {@code java.nio} does: a
     * {@link ClosedChannelException} whose cause is the closed-map exception. Returns if the map is open.
     */
    void throwIfClosed() throws ClosedChannelException {
        if (segment == CLOSED) {
            throw (ClosedChannelException) new ClosedChannelException().initCause(closedMap());
        }
    }

    /** Names the map in messages: its file and offset, or the segment it wraps. */
    String source() {
        return source;
    }

    private RuntimeException outOfBounds(MemorySegment s, long pos, long length) {
        if (s == CLOSED) {
            return closedMap();
        }
        String map = s.byteSize() + "-byte map of " + source;
        if (pos < 0) {
            return new IndexOutOfBoundsException("negative position " + pos + " in the " + map);
        }
        if (length < 0) {
            return new IndexOutOfBoundsException("negative length " + length + " at position " + pos + " in the "
                    + map);
        }
        return new IndexOutOfBoundsException("range [" + pos + ", " + pos + " + " + length + ") is outside the " + map);
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
