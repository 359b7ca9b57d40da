package io.mmap4j;

import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;

/**
 * Mapping options of {@link MMap#open(java.nio.file.Path, long, OpenOption...) MMap.open}, passed
 * alongside the {@link StandardOpenOption}s.
 *
 * <p>Without any of them a map is {@code MAP_SHARED}: its writes reach the file and every other
 * process that maps it, and its memory is unmapped by {@link MMap#close()}. The only combination
 * refused is {@link #EXCLUSIVE_LOCK} without {@code WRITE} or {@link #PRIVATE}, for which
 * {@code MMap.open} throws {@link IllegalArgumentException}. No option adds anything to the cost of
 * an access; what each costs besides is said below.
 */
public enum MapOption implements OpenOption {
    /**
     * Map privately, copy-on-write ({@code MAP_PRIVATE}): writes stay in this map and reach neither
     * the file nor any other map of it. The map is writable even without
     * {@link StandardOpenOption#WRITE}, but the JDK still opens the file for reading and writing,
     * so the caller needs write permission: without it {@code open} throws
     * {@link java.nio.file.AccessDeniedException}. {@link MMap#force()} has nothing to write and a
     * private map cannot be {@linkplain MMap#resize(long) resized} or
     * {@linkplain MMap#refresh() refreshed} ({@link UnsupportedOperationException}: a new mapping
     * would drop the private changes). Costs a page fault and a copy of the page at the first write
     * to each page.
     */
    PRIVATE,

    /**
     * Let the garbage collector unmap: {@link MMap#close()} releases the file and its lock at once,
     * but the memory stays mapped while any view ({@link MMap#slice}, {@link MMap#asByteBuffer},
     * {@link MMap#segment()}) is reachable; a {@code Cleaner} unmaps it once the last one is gone.
     * The handle itself still refuses access after close. Costs nothing on an access; the price is
     * that when the memory and its address space go back is up to the garbage collector, and that
     * shrinking the map ({@link MMap#resize}) never cuts the file: the views may still use the
     * bytes it would cut (streams and channels of {@link MappedFiles} that never handed their map
     * out do cut it, at close).
     */
    AUTO_UNMAP,

    /**
     * Fault every page in when the map is opened or resized (as {@code MAP_POPULATE}), so that the
     * first accesses do not take page faults. Costs one read of the whole mapped range each time.
     */
    POPULATE,

    /**
     * Hold an exclusive lock on the whole file while the map is open. Opening fails with a
     * {@link java.nio.file.FileSystemException} when another process, or another map in this
     * JVM, holds a lock on the file. Needs {@link StandardOpenOption#WRITE} or {@link #PRIVATE}.
     * The lock is advisory: it keeps out only those who ask for it.
     *
     * <p>It is a {@link java.nio.channels.FileLock}, which on Linux is a POSIX ({@code fcntl})
     * record lock, owned by the process: the kernel releases it as soon as this JVM closes
     * <em>any</em> descriptor of the file, as {@code FileLock} warns. Other maps of the same file
     * opened in this JVM are safe: while the lock is held, closing them leaves their descriptor
     * open until the locking map closes (so opening and closing such maps in a loop holds one
     * descriptor per map until then). Anything else in this JVM that opens and closes the file,
     * such as {@code Files.readAllBytes} or a {@code FileChannel}, silently releases the lock for
     * every process; this map still reports nothing. Hold the lock in a JVM that touches the file
     * only through mmap4j, or lock a separate lock file.
     */
    EXCLUSIVE_LOCK
}
