package io.mmap4j;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import io.mmap4j.MapErrors.Access;
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
 * <tr><td>{@code getShort}, {@code putLong}, ..., {@code pread}, {@code pwrite}, {@code copy}, {@code fill}</td>
 *     <td>plain: none; the JIT and the CPU may reorder them</td><td>{@code mov}, {@code memcpy}</td>
 *     <td>{@code ldr}/{@code str}, {@code memcpy}</td></tr>
 * <tr><td>{@code getXOpaque}, {@code putXOpaque}</td><td>atomic, eventually visible; orders nothing else</td>
 *     <td>{@code mov}</td><td>{@code ldr}/{@code str}</td></tr>
 * <tr><td>{@code getXAcquire}</td><td>later accesses are not moved before it</td><td>{@code mov}</td>
 *     <td>{@code ldar}</td></tr>
 * <tr><td>{@code putXRelease}</td><td>earlier accesses are not moved after it</td><td>{@code mov}</td>
 *     <td>{@code stlr}</td></tr>
 * <tr><td>{@code getXVolatile}</td><td>sequentially consistent</td><td>{@code mov}</td><td>{@code ldar}</td></tr>
 * <tr><td>{@code putXVolatile}</td><td>sequentially consistent</td><td>{@code mov}, then a {@code lock}-prefixed
 *     fence that drains the store buffer</td><td>{@code stlr}</td></tr>
 * <tr><td>{@code getAndAddX}, {@code getAndSubX}, {@code getAndSetX}</td><td>atomic, sequentially consistent;
 *     return the previous value</td><td>{@code lock xadd}, {@code xchg}</td><td>LSE atomics (ARMv8.1+)</td></tr>
 * <tr><td>{@code getAndBitwiseAndX}, {@code ...OrX}, {@code ...XorX}</td><td>as above</td><td>a
 *     {@code lock cmpxchg} loop, retried while other writers change the value</td><td>LSE atomics</td></tr>
 * <tr><td>{@code compareAndSetX}, {@code compareAndExchangeX}</td><td>as above; strong: fails only when the
 *     value differed, never spuriously</td><td>{@code lock cmpxchg}</td><td>LSE {@code cas}</td></tr>
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
 * <li>{@link UnsupportedOperationException}: an option {@code open} does not know, and what a map
 *     of its kind cannot do: resize or refresh a private map (that would drop its changes), resize
 *     a wrapped segment (its size is its owner's), drop a private map's pages ({@code unload},
 *     {@code advise(DONTNEED)}: they are the only copy of its writes), advise or lock the pages of
 *     a wrapped segment (they may hold others' memory), force, load or unload memory not mapped
 *     from a file;</li>
 * <li>{@link IOException}: only from the methods that work on the file ({@code open},
 *     {@code resize}, {@code grow}, {@code refresh}, {@code force}, {@code advise}, the page
 *     locks).</li>
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
 * thread, throws {@link IllegalStateException}; an access under way completes or throws. The JDK
 * leaves one window, a view's access racing close during warm-up, where the JVM can crash
 * ({@code docs/lifetimes.md}). With {@link MapOption#AUTO_UNMAP}, close releases the file
 * and its lock, and the memory stays mapped while any view is reachable. Streams and channels
 * ({@link #inputStream}, {@link #outputStream}, {@link #channel()}) stop with the handle, whatever
 * the lifetime, with {@link ClosedChannelException}; closing them leaves the map open. A wrapped
 * segment's memory is its owner's. See {@code docs/lifetimes.md}.
 *
 * <h2>Size</h2>
 * {@link #resize}, {@link #grow()} and {@link #refresh()} map the file anew at another size (as do
 * channels and output streams that write past the end). Other threads may keep reading and
 * writing meanwhile: they use the old mapping or the new one, both valid, because shrinking never
 * cuts the file under a mapping that may be in use: the cut is owed, and made at {@link #close()},
 * once the mappings are gone (never with {@link MapOption#AUTO_UNMAP}, whose views outlive close).
 * Until then the file keeps its length, this map has its new size, and growing again shows zeros
 * where the cut would have been. Views taken before keep showing their range. Earlier mappings
 * stay mapped until close, one kernel mapping each, so grow in large steps. {@code ftruncate}
 * sets a length, it cannot only extend, so two processes growing one file at once can undo each
 * other's growth: let one process grow a shared file and the others {@link #refresh()}.
 *
 * <h2>As a file</h2>
 * Streams and a {@link MappedChannel} (with {@code readLine}) let the map be used where Java code
 * expects them; {@link MappedFiles} does the same for whole files, in the words of {@link Files}.
 *
 * <h2>Threads and cost</h2>
 * A handle is safe for use by many threads. Every access to the mapped memory pays <em>the
 * checks</em>, then the memory operation of the table above: one volatile read of the current
 * mapping (a plain {@code mov} on x86-64), then the FFM's bounds, alignment, read-only and liveness
 * checks, as on a bare {@link MemorySegment}. Nothing on the path of an access allocates or takes a
 * lock; messages are built only once an access has failed. Copies are one {@code memcpy} (inlined
 * loads and stores when short); a method that takes a {@link ByteBuffer} or returns a view makes
 * one small object, which the JIT often eliminates. The accessors make no system call. Opening
 * costs an {@code open}, a {@code stat}, a few {@code fstat}s and an {@code mmap}, with an
 * {@code ftruncate} when it grows the file, an {@code fcntl} lock for
 * {@link MapOption#EXCLUSIVE_LOCK} and a read of every page for {@link MapOption#POPULATE};
 * {@code resize} and {@code refresh} an {@code fstat} and, when the size changes, an {@code mmap}
 * and (growing the file) an {@code ftruncate}; the paging methods the system call each names.
 * Those that change or must keep the mapping ({@code resize}, {@code grow}, {@code refresh},
 * {@code force()}, {@code advise}, {@code lockPages}, {@code unlockPages}, {@code close})
 * serialise on the handle. Measured figures, against a raw {@link VarHandle} on the same segment
 * and the peers, are in {@code docs/BENCHMARKS.md}.
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
     * CAS_GUARD: every compare-and-set and compare-and-exchange first loads the word it swaps and
     * drops the value. On a page cut off by another process's truncation, a load faults into an
     * InternalError, but the compare-and-set the JVM runs before C2 compiles the caller is a native
     * call HotSpot does not guard, where the fault kills the JVM; the load meets the truncation
     * first (docs/lifetimes.md). Compiled by C2, the load only brings in the cache line the swap
     * needs, at no cost (docs/BENCHMARKS.md, "Findings"). Uncompiled get-and-X loops load first.
     */

    /**
     * Up to this many bytes, pread/pwrite copy through a heap segment, which does not escape: the JDK
     * inlines such short segment copies, where its array copy calls a stub (docs/BENCHMARKS.md). Not
     * for 0 bytes, which that copy does not check; the array range is checked first, as for longer.
     */
    private static final int INLINE_COPY_MAX = 16;

    /** The mapping once closed: empty, so bounds checks fail, and dead, so empty accesses fail. */
    static final MemorySegment CLOSED;

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
     * The current mapping, or {@link #CLOSED}; volatile, so that every thread sees a close or resize
     * promptly, even in a loop. Written under {@link #stateLock}.
     */
    private volatile MemorySegment segment;

    private MMap(MappedFile file, MemorySegment segment, boolean readOnly, String source) {
        this.file = file;
        this.segment = segment;
        this.readOnly = readOnly;
        this.source = source;
    }

    // ---------------------------------------------------------------------------------------------
    // Opening; OpenSpec sorts the options.

    /**
     * Maps a whole existing file. An empty file gives an empty map, which {@link #resize} or
     * {@link #grow()} can enlarge. The options of every {@code open}: {@link StandardOpenOption}s
     * ({@code READ} is implied; {@code WRITE} for a writable map),
     * {@link java.nio.file.LinkOption#NOFOLLOW_LINKS} and {@link MapOption}s. Options that make no
     * sense for a map ({@code APPEND}, {@code SYNC}, {@code EXCLUSIVE_LOCK} without {@code WRITE} or
     * {@code PRIVATE}) are an {@link IllegalArgumentException}.
     */
    public static MMap open(Path path, OpenOption... options) throws IOException {
        return openRange(path, 0, -1, options);
    }

    /**
     * Maps the first {@code size} bytes of a file. A shorter file is grown to {@code size}
     * (zero-filled) with {@code WRITE}, else refused; a longer one is left as it is. If mapping
     * fails, a file this call created is removed and a file it grew gets its length back.
     */
    public static MMap open(Path path, long size, OpenOption... options) throws IOException {
        return openRange(path, 0, requireSize(size), options);
    }

    /** As {@link #open(Path, long, OpenOption...)} from file offset {@code offset}, page-aligned or not. */
    public static MMap open(Path path, long offset, long size, OpenOption... options) throws IOException {
        return openRange(path, offset, requireSize(size), options);
    }

    /**
     * The full form, as {@link java.nio.channels.FileChannel#open(Path, Set, FileAttribute[])}: a
     * file created by this call gets {@code attributes}, or else is owner-only ({@code rw-------}).
     */
    public static MMap open(Path path, long offset, long size, Set<? extends OpenOption> options,
                            FileAttribute<?>... attributes) throws IOException {
        return openRange(path, offset, requireSize(size), OpenSpec.forMap(options), attributes);
    }

    /**
     * Opens named shared memory, the file {@link #sharedMemoryPath}, as {@link #open(Path, long,
     * OpenOption...)}: {@code CREATE} creates it, {@link StandardOpenOption#DELETE_ON_CLOSE} removes
     * it at close. The name is 1 to 255 UTF-8 bytes, no {@code '/'} or NUL, not {@code "."} or
     * {@code ".."}.
     */
    public static MMap openShared(String name, long size, OpenOption... options) throws IOException {
        Path path = SharedMemory.path(name);
        SharedMemory.requireDirectory();
        return openRange(path, 0, requireSize(size), options);
    }

    /** The path of named shared memory, {@code /dev/shm/<name>}: to delete it, or list what exists. */
    public static Path sharedMemoryPath(String name) {
        return SharedMemory.path(name);
    }

    /**
     * Wraps native memory this handle does not own, read-only if the segment is; its arena decides
     * its lifetime, and alignment is judged on its address. A heap segment is refused.
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
     * Wraps a direct or mapped buffer's bytes between its position and limit (as they are now), as
     * {@link #wrap(MemorySegment)}. A heap buffer is refused.
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
    // What the map is. All but size() work after close.

    /** The number of bytes mapped. */
    public long size() {
        return current().byteSize();
    }

    /** The mapped file, or empty for a {@linkplain #wrap wrapped} segment. */
    public Optional<Path> path() {
        return file == null ? Optional.empty() : Optional.of(file.path);
    }

    /** The file offset at which the map starts, that of position 0; 0 for a wrapped segment. */
    public long fileOffset() {
        return file == null ? 0 : file.offset;
    }

    /**
     * Whether writes are refused: opened without {@code WRITE} and not {@code PRIVATE}, or wrapping
     * read-only memory.
     */
    public boolean isReadOnly() {
        return readOnly;
    }

    /** Whether the map is private copy-on-write ({@link MapOption#PRIVATE}). */
    public boolean isPrivate() {
        return file != null && file.spec.mode() == MapMode.PRIVATE;
    }

    /** Whether {@link #close()} has not been called yet. */
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

    /** Reads {@code length} bytes at {@code pos} into a new array. */
    public byte[] pread(long pos, int length) {
        MemorySegment s = range(pos, length);
        byte[] bytes = new byte[length];
        MemorySegment.copy(s, JAVA_BYTE, pos, bytes, 0, length);
        return bytes;
    }

    /** Fills {@code dst} with the bytes at {@code pos}. */
    public void pread(long pos, byte[] dst) {
        try {
            pread(pos, dst, 0, dst.length);
        } catch (NullPointerException e) {
            throw failure(e, pos, 0, Access.READ);
        }
    }

    /** Reads {@code length} bytes at {@code pos} into {@code dst[offset, offset + length)}. */
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
     * Reads {@code dst.remaining()} bytes at {@code pos} into {@code dst}, advancing its position; a
     * read-only {@code dst} is a {@link ReadOnlyBufferException}, as {@code ByteBuffer.put} has it.
     */
    public void pread(long pos, ByteBuffer dst) {
        try {
            if (dst.isReadOnly()) {
                throw new ReadOnlyBufferException(); // as ByteBuffer.put does: the JDK gives it no message
            }
            int n = dst.remaining();
            MemorySegment.copy(n == 0 ? range(pos, 0) : segment, pos, MemorySegment.ofBuffer(dst), 0, n);
        } catch (RuntimeException e) {
            throw failure(e, pos, dst == null ? 0 : dst.remaining(), Access.READ);
        }
        dst.position(dst.limit());
    }

    /**
     * Reads {@code dst.byteSize()} bytes at {@code pos} into {@code dst}; a read-only or dead
     * {@code dst} is refused as {@link MemorySegment#copy} refuses it.
     */
    public void pread(long pos, MemorySegment dst) {
        try {
            long n = dst.byteSize();
            MemorySegment.copy(n == 0 ? range(pos, 0) : segment, pos, dst, 0, n);
        } catch (RuntimeException e) {
            throw failure(e, pos, dst == null ? 0 : dst.byteSize(), Access.READ);
        }
    }

    /** Writes all of {@code src} at {@code pos}. */
    public void pwrite(long pos, byte[] src) {
        try {
            pwrite(pos, src, 0, src.length);
        } catch (NullPointerException e) {
            throw failure(e, pos, 0, Access.WRITE);
        }
    }

    /** Writes {@code src[offset, offset + length)} at {@code pos}. */
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

    /** Writes the {@code src.remaining()} bytes of {@code src} at {@code pos}, advancing its position. */
    public void pwrite(long pos, ByteBuffer src) {
        try {
            int n = src.remaining();
            MemorySegment.copy(MemorySegment.ofBuffer(src), 0, n == 0 ? range(pos, 0) : segment, pos, n);
        } catch (RuntimeException e) {
            throw failure(e, pos, src == null ? 0 : src.remaining(), Access.WRITE);
        }
        src.position(src.limit());
    }

    /** Writes all {@code src.byteSize()} bytes of {@code src} at {@code pos}, as {@link MemorySegment#copy}. */
    public void pwrite(long pos, MemorySegment src) {
        try {
            long n = src.byteSize();
            MemorySegment.copy(src, 0, n == 0 ? range(pos, 0) : segment, pos, n);
        } catch (RuntimeException e) {
            throw failure(e, pos, src == null ? 0 : src.byteSize(), Access.WRITE);
        }
    }

    /** Copies {@code length} bytes from {@code srcPos} to {@code dstPos}; the ranges may overlap ({@code memmove}). */
    public void copy(long srcPos, long dstPos, long length) {
        MemorySegment s = segment;
        try {
            if (length == 0) {
                range(srcPos, 0);
                range(dstPos, 0);
            }
            MemorySegment.copy(s, srcPos, s, dstPos, length);
        } catch (RuntimeException e) {
            RuntimeException source = failure(e, srcPos, length, Access.READ);
            throw source != e ? source : failure(e, dstPos, length, Access.WRITE);
        }
    }

    /** Sets {@code length} bytes at {@code pos} to {@code value} ({@code memset}). */
    public void fill(long pos, long length, byte value) {
        try {
            segment.asSlice(pos, length).fill(value);
        } catch (RuntimeException e) {
            throw failure(e, pos, length, Access.WRITE);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Typed access: little-endian, plain, unaligned allowed.

    /** Reads the byte at {@code pos}. */
    public byte getByte(long pos) {
        try {
            return segment.get(JAVA_BYTE, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 1, Access.READ);
        }
    }

    /** Writes the byte at {@code pos}. */
    public void putByte(long pos, byte value) {
        try {
            segment.set(JAVA_BYTE, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 1, Access.WRITE);
        }
    }

    /** Reads the short at {@code pos}. */
    public short getShort(long pos) {
        try {
            return segment.get(SHORT, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 2, Access.READ);
        }
    }

    /** Writes the short at {@code pos}. */
    public void putShort(long pos, short value) {
        try {
            segment.set(SHORT, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 2, Access.WRITE);
        }
    }

    /** Reads the int at {@code pos}. */
    public int getInt(long pos) {
        try {
            return segment.get(INT, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.READ);
        }
    }

    /** Writes the int at {@code pos}. */
    public void putInt(long pos, int value) {
        try {
            segment.set(INT, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.WRITE);
        }
    }

    /** Reads the long at {@code pos}. */
    public long getLong(long pos) {
        try {
            return segment.get(LONG, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.READ);
        }
    }

    /** Writes the long at {@code pos}. */
    public void putLong(long pos, long value) {
        try {
            segment.set(LONG, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.WRITE);
        }
    }

    /** Reads the float at {@code pos}. */
    public float getFloat(long pos) {
        try {
            return segment.get(FLOAT, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.READ);
        }
    }

    /** Writes the float at {@code pos}. */
    public void putFloat(long pos, float value) {
        try {
            segment.set(FLOAT, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.WRITE);
        }
    }

    /** Reads the double at {@code pos}. */
    public double getDouble(long pos) {
        try {
            return segment.get(DOUBLE, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.READ);
        }
    }

    /** Writes the double at {@code pos}. */
    public void putDouble(long pos, double value) {
        try {
            segment.set(DOUBLE, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.WRITE);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Int atomics and ordered access, on 4 bytes aligned to 4; see the class's ordering table.

    /** Reads the int at {@code pos}, volatile. */
    public int getIntVolatile(long pos) {
        try {
            return (int) INT_ATOMIC.getVolatile(segment, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_READ);
        }
    }

    /** Writes the int at {@code pos}, volatile. */
    public void putIntVolatile(long pos, int value) {
        try {
            INT_ATOMIC.setVolatile(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /** Reads the int at {@code pos}, acquire. */
    public int getIntAcquire(long pos) {
        try {
            return (int) INT_ATOMIC.getAcquire(segment, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_READ);
        }
    }

    /** Writes the int at {@code pos}, release. */
    public void putIntRelease(long pos, int value) {
        try {
            INT_ATOMIC.setRelease(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /** Reads the int at {@code pos}, opaque. */
    public int getIntOpaque(long pos) {
        try {
            return (int) INT_ATOMIC.getOpaque(segment, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_READ);
        }
    }

    /** Writes the int at {@code pos}, opaque. */
    public void putIntOpaque(long pos, int value) {
        try {
            INT_ATOMIC.setOpaque(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /** Atomically adds {@code delta} to the int at {@code pos}; returns the previous value. */
    public int getAndAddInt(long pos, int delta) {
        try {
            return (int) INT_ATOMIC.getAndAdd(segment, pos, delta);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /** Atomically subtracts {@code delta} from the int at {@code pos}; returns the previous value. */
    public int getAndSubInt(long pos, int delta) {
        try {
            return (int) INT_ATOMIC.getAndAdd(segment, pos, -delta);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /** Atomically replaces the int at {@code pos} with {@code value}; returns the previous value. */
    public int getAndSetInt(long pos, int value) {
        try {
            return (int) INT_ATOMIC.getAndSet(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /** Atomically ANDs {@code mask} into the int at {@code pos}; returns the previous value. */
    public int getAndBitwiseAndInt(long pos, int mask) {
        try {
            return (int) INT_ATOMIC.getAndBitwiseAnd(segment, pos, mask);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /** Atomically ORs {@code mask} into the int at {@code pos}; returns the previous value. */
    public int getAndBitwiseOrInt(long pos, int mask) {
        try {
            return (int) INT_ATOMIC.getAndBitwiseOr(segment, pos, mask);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /** Atomically XORs {@code mask} into the int at {@code pos}; returns the previous value. */
    public int getAndBitwiseXorInt(long pos, int mask) {
        try {
            return (int) INT_ATOMIC.getAndBitwiseXor(segment, pos, mask);
        } catch (RuntimeException e) {
            throw failure(e, pos, 4, Access.ATOMIC_WRITE);
        }
    }

    /** Atomically sets the int at {@code pos} to {@code newValue} if it is {@code expected}; returns whether it did. */
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
     * Atomically sets the int at {@code pos} to {@code newValue} if it is {@code expected}; returns the
     * value found, which is {@code expected} exactly when it was replaced.
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

    /** Reads the long at {@code pos}, volatile. */
    public long getLongVolatile(long pos) {
        try {
            return (long) LONG_ATOMIC.getVolatile(segment, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_READ);
        }
    }

    /** Writes the long at {@code pos}, volatile. */
    public void putLongVolatile(long pos, long value) {
        try {
            LONG_ATOMIC.setVolatile(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /** Reads the long at {@code pos}, acquire. */
    public long getLongAcquire(long pos) {
        try {
            return (long) LONG_ATOMIC.getAcquire(segment, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_READ);
        }
    }

    /** Writes the long at {@code pos}, release. */
    public void putLongRelease(long pos, long value) {
        try {
            LONG_ATOMIC.setRelease(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /** Reads the long at {@code pos}, opaque. */
    public long getLongOpaque(long pos) {
        try {
            return (long) LONG_ATOMIC.getOpaque(segment, pos);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_READ);
        }
    }

    /** Writes the long at {@code pos}, opaque. */
    public void putLongOpaque(long pos, long value) {
        try {
            LONG_ATOMIC.setOpaque(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /** Atomically adds {@code delta} to the long at {@code pos}; returns the previous value. */
    public long getAndAddLong(long pos, long delta) {
        try {
            return (long) LONG_ATOMIC.getAndAdd(segment, pos, delta);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /** Atomically subtracts {@code delta} from the long at {@code pos}; returns the previous value. */
    public long getAndSubLong(long pos, long delta) {
        try {
            return (long) LONG_ATOMIC.getAndAdd(segment, pos, -delta);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /** Atomically replaces the long at {@code pos} with {@code value}; returns the previous value. */
    public long getAndSetLong(long pos, long value) {
        try {
            return (long) LONG_ATOMIC.getAndSet(segment, pos, value);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /** Atomically ANDs {@code mask} into the long at {@code pos}; returns the previous value. */
    public long getAndBitwiseAndLong(long pos, long mask) {
        try {
            return (long) LONG_ATOMIC.getAndBitwiseAnd(segment, pos, mask);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /** Atomically ORs {@code mask} into the long at {@code pos}; returns the previous value. */
    public long getAndBitwiseOrLong(long pos, long mask) {
        try {
            return (long) LONG_ATOMIC.getAndBitwiseOr(segment, pos, mask);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /** Atomically XORs {@code mask} into the long at {@code pos}; returns the previous value. */
    public long getAndBitwiseXorLong(long pos, long mask) {
        try {
            return (long) LONG_ATOMIC.getAndBitwiseXor(segment, pos, mask);
        } catch (RuntimeException e) {
            throw failure(e, pos, 8, Access.ATOMIC_WRITE);
        }
    }

    /**
     * Atomically sets the long at {@code pos} to {@code newValue} if it is {@code expected}; returns
     * whether it did.
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
     * Atomically sets the long at {@code pos} to {@code newValue} if it is {@code expected}; returns the
     * value found, which is {@code expected} exactly when it was replaced.
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
    // Zero-copy views: writes through one are writes to the file. Read-only if the map is.

    /** A view of {@code length} bytes at {@code pos}. */
    public MemorySegment slice(long pos, long length) {
        return range(pos, length).asSlice(pos, length);
    }

    /** A view of the whole map as it is now: the mapping's own segment. */
    public MemorySegment segment() {
        return current();
    }

    /** A little-endian {@link ByteBuffer} view of {@code length} bytes at {@code pos}. */
    public ByteBuffer asByteBuffer(long pos, int length) {
        return slice(pos, length).asByteBuffer().order(LITTLE_ENDIAN);
    }

    /** A little-endian {@link ByteBuffer} view of the whole map, if no larger than a buffer (2 GiB - 1). */
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
     * An unbuffered stream of the bytes from {@code pos} to the end of the map (its size at each
     * read). As {@code Files.newInputStream}'s, a negative {@code skip} moves back; there is no mark.
     */
    public InputStream inputStream(long pos) {
        range(pos, 0);
        return new MappedInputStream(new MappedChannel(this, pos, ChannelMode.READ, false));
    }

    /**
     * A stream that writes the map from {@code pos} on. A write past the end grows the map as
     * {@link #grow()} does; closing the stream then cuts it back to the last byte written.
     */
    public OutputStream outputStream(long pos) {
        range(pos, 0);
        if (readOnly) {
            throw MapErrors.readOnly(this);
        }
        return new MappedOutputStream(new MappedChannel(this, pos, ChannelMode.WRITE, false));
    }

    /** A channel over the map, at position 0; writes past the end grow it as {@link #outputStream}'s do. */
    public MappedChannel channel() {
        current();
        return new MappedChannel(this, 0, readOnly ? ChannelMode.READ : ChannelMode.READ_WRITE, false);
    }

    /** As {@link #indexOf(byte[], long, long) indexOf(pattern, 0, size())}. */
    public long indexOf(byte[] pattern) {
        return indexOf(pattern, 0);
    }

    /** As {@link #indexOf(byte[], long, long) indexOf(pattern, from, size())}. */
    public long indexOf(byte[] pattern, long from) {
        Objects.requireNonNull(pattern, "pattern");
        MemorySegment s = range(from, 0);
        return ByteSearch.indexOf(s, from, s.byteSize(), pattern);
    }

    /**
     * The lowest position {@code p} such that {@code pattern} occupies {@code [p, p +
     * pattern.length)} within {@code [from, to)}, {@code 0 <= from <= to <= size()}, or -1; as
     * Python's {@code mmap.find(pattern, from, to)}. An empty pattern is found at {@code from}. A
     * pattern longer than 16 bytes costs one small object; the scan reads eight bytes at a time.
     */
    public long indexOf(byte[] pattern, long from, long to) {
        Objects.requireNonNull(pattern, "pattern");
        return ByteSearch.indexOf(searchRange(from, to), from, to, pattern);
    }

    /** As {@link #lastIndexOf(byte[], long, long) lastIndexOf(pattern, 0, size())}. */
    public long lastIndexOf(byte[] pattern) {
        Objects.requireNonNull(pattern, "pattern");
        MemorySegment s = current();
        return ByteSearch.lastIndexOf(s, 0, s.byteSize(), pattern);
    }

    /**
     * The highest position {@code p} such that {@code pattern} occupies {@code [p, p +
     * pattern.length)} within {@code [from, to)}, or -1: {@link #indexOf(byte[], long, long)} from
     * the end, as Python's {@code mmap.rfind}. An empty pattern is found at {@code to}.
     */
    public long lastIndexOf(byte[] pattern, long from, long to) {
        Objects.requireNonNull(pattern, "pattern");
        return ByteSearch.lastIndexOf(searchRange(from, to), from, to, pattern);
    }

    // ---------------------------------------------------------------------------------------------
    // Durability and paging: entry points to Paging and NativeMemory.

    /**
     * Writes every modified page of the map to the file ({@code msync(MS_SYNC)}), then the file's
     * metadata ({@code fsync}), so that data and size survive a crash of the machine; blocks until
     * they are on the device. A private map has nothing to write.
     */
    public void force() throws IOException {
        synchronized (stateLock) {
            Paging.force(current(), file);
        }
    }

    /** As {@link #force()} for the pages holding a range, without the metadata, and not serialised. */
    public void force(long pos, long length) throws IOException {
        Paging.force(slice(pos, length), null);
    }

    /** Reads every page into memory ({@code madvise(MADV_WILLNEED)}, then a load from each page). */
    public void load() {
        current().load();
    }

    /** Drops the pages ({@code madvise(MADV_DONTNEED)}); a shared map reads them back from the file. */
    public void unload() {
        Paging.unload(current(), this);
    }

    /** Whether every page is probably resident ({@code mincore}): a hint, maybe stale on return. */
    public boolean isLoaded() {
        return current().isLoaded();
    }

    /** Advises the kernel how the whole map will be used, as {@link #advise(long, long, Advice)}. */
    public boolean advise(Advice advice) throws IOException {
        return advise(0, size(), advice);
    }

    /**
     * Advises the kernel how a range will be used ({@code madvise} of its pages); returns whether
     * it did. An optional extra that needs native access ({@code --enable-native-access=io.mmap4j},
     * or {@code ALL-UNNAMED} on the class path); without it, one warning is logged and nothing done.
     */
    public boolean advise(long pos, long length, Advice advice) throws IOException {
        Objects.requireNonNull(advice, "advice");
        synchronized (stateLock) { // close waits, so the range stays mapped during the call
            return Paging.advise(range(pos, length), pos, length, advice, this);
        }
    }

    /**
     * Locks the pages in memory ({@code mlock}) until {@link #unlockPages()} or close, up to
     * {@code RLIMIT_MEMLOCK}; returns whether it did. An optional extra, as {@code advise}.
     */
    public boolean lockPages() throws IOException {
        synchronized (stateLock) {
            return Paging.lock(current(), true, this);
        }
    }

    /** Unlocks the pages ({@code munlock}); returns whether it did. An optional extra, as {@code advise}. */
    public boolean unlockPages() throws IOException {
        synchronized (stateLock) {
            return Paging.lock(current(), false, this);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Size: MappedFile resizes the file and maps it anew, by the rules of the class Javadoc.

    /**
     * Changes the size of the map, and the file's where it ended with the map (a file shorter than
     * the new end is extended, zero-filled); bytes beyond the map are never discarded. If mapping
     * fails, the file keeps its length.
     */
    public void resize(long newSize) throws IOException {
        requireSize(newSize);
        synchronized (stateLock) {
            MemorySegment current = current();
            segment = resizableFile("resized").resize(current, newSize);
        }
    }

    /** Resizes by emmap's policy (double up to 64 MiB, from 4 KiB; then add 64 MiB); returns the new size. */
    public long grow() throws IOException {
        synchronized (stateLock) {
            long size = MappedFile.grownSize(current().byteSize(), 0);
            resize(size);
            return size;
        }
    }

    /** Grows the map by {@link #grow()}'s policy, in one resize, to at least {@code minSize} bytes. */
    void growTo(long minSize) throws IOException {
        synchronized (stateLock) {
            long size = current().byteSize();
            if (size < minSize) {
                resize(MappedFile.grownSize(size, minSize));
            }
        }
    }

    /**
     * Maps the file as it is now, from this map's file offset to its end, to see another party's
     * resize; a shrink whose cut this map still owes counts as made. Never writes to the file.
     * Returns the new size; a wrapped segment's is its size.
     */
    public long refresh() throws IOException {
        synchronized (stateLock) {
            MemorySegment current = current();
            if (file == null) {
                return current.byteSize();
            }
            if (isPrivate()) {
                throw MapErrors.cannotResize(this, "refreshed");
            }
            MemorySegment refreshed = file.refresh(current);
            segment = refreshed;
            return refreshed.byteSize();
        }
    }

    /** The file, if this map may change its size (a private map is never read-only). */
    private MappedFile resizableFile(String what) {
        if (file == null || isPrivate()) {
            throw MapErrors.cannotResize(this, what);
        }
        if (readOnly) {
            throw MapErrors.readOnly(this);
        }
        return file;
    }

    // ---------------------------------------------------------------------------------------------
    // Closing

    /**
     * Closes the map: from now on this handle refuses access, and the memory is unmapped at once
     * (with {@link MapOption#AUTO_UNMAP}, once the last view is unreachable); then the file is cut
     * as a shrink left it owing (see {@link #resize}), the file and its lock are released, and
     * {@code DELETE_ON_CLOSE} deletes the file. Closing again does nothing.
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

    /** As {@link #close()}; an owner vouching that no view is in use lets an AUTO_UNMAP map cut the file. */
    void close(boolean noViewsLeft) {
        synchronized (stateLock) {
            segment = CLOSED;
            if (file != null) {
                file.close(noViewsLeft);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Checks: the accessors leave them to the FFM, then ask MapErrors (which says why).

    private RuntimeException failure(RuntimeException e, long pos, long length, Access access) {
        return MapErrors.failure(this, segment, e, pos, length, access);
    }

    /** The current mapping, or the closed-map exception. */
    private MemorySegment current() {
        MemorySegment s = segment;
        if (s == CLOSED) {
            throw MapErrors.closed(this);
        }
        return s;
    }

    /** The current mapping, if {@code [pos, pos + length)} lies within it; also checks empty copies. */
    private MemorySegment range(long pos, long length) {
        MemorySegment s = segment;
        if ((pos | length) < 0 || pos > s.byteSize() - length || s == CLOSED) {
            throw MapErrors.outOfBounds(this, s, pos, length);
        }
        return s;
    }

    /** The current mapping, if {@code [from, to)} is a range within it. */
    private MemorySegment searchRange(long from, long to) {
        range(from, 0);
        MemorySegment s = range(to, 0);
        if (to < from) {
            throw MapErrors.backwards(this, from, to);
        }
        return s;
    }

    /** Whether the file reads past the map's end though its size says not, as {@code /proc} files do. */
    boolean holdsMoreThanItsSize() throws IOException {
        synchronized (stateLock) {
            return file != null && file.readsPast(current().byteSize());
        }
    }

    /** Names the map in messages: its file and offset, or the segment it wraps. */
    String source() {
        return source;
    }
}
