package io.mmap4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.util.Objects;

/**
 * The file side of an {@link MMap}: the open channel, the lock held on it, the segments mapped
 * from it and their lifetime, and the file's size as the map resizes it. Not thread-safe:
 * {@code MMap} serialises calls under its lock.
 */
final class MappedFile {
    /** emmap's growth policy: double up to this size, then add this much at a time. */
    private static final long GROWTH_STEP = 64L << 20;
    private static final long MIN_GROWTH = 4096;

    final Path path;
    final long offset;
    final OpenSpec spec;
    private final FileChannel channel;
    /** Identifies the file for {@link ExclusiveLocks}; null where the file system has no keys. */
    private final Object fileKey;
    /**
     * Explicit lifetime: one shared arena holds every segment mapped so far, so that views of a range
     * mapped before a resize stay valid until close, and closing it unmaps all of them at once.
     * Null with AUTO_UNMAP, where each mapping gets an automatic arena of its own.
     */
    private final Arena arena;
    private boolean unmapped;
    private boolean released;

    private MappedFile(Path path, long offset, OpenSpec spec, FileChannel channel, Object fileKey) {
        this.path = path;
        this.offset = offset;
        this.spec = spec;
        this.channel = channel;
        this.fileKey = fileKey;
        this.arena = spec.autoUnmap() ? null : Arena.ofShared();
    }

    /**
     * Opens the file for a map of {@code size} bytes at {@code offset} ({@code size < 0}: to the
     * end of the file) and locks it if asked; nothing is mapped yet.
     */
    static MappedFile open(Path path, long offset, long size, OpenSpec spec, FileAttribute<?>[] attributes)
            throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(attributes, "attributes");
        if (offset < 0) {
            throw new IllegalArgumentException("negative file offset " + offset);
        }
        requireEnd(offset, size);
        FileChannel channel = FileChannel.open(path, spec.channelOptions(), spec.attributes(path, attributes));
        Object key = ExclusiveLocks.key(path, spec.channelOptions().contains(LinkOption.NOFOLLOW_LINKS));
        boolean locked = false;
        try {
            if (spec.exclusiveLock()) {
                ExclusiveLocks.lock(path, key, channel); // held until the channel closes
                locked = true;
            }
            return new MappedFile(path, offset, spec, channel, key);
        } catch (IOException | RuntimeException e) {
            try {
                ExclusiveLocks.close(channel, key, locked);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** As {@link #map}, for a file just opened: if mapping fails, the file is closed, so nothing leaks. */
    MemorySegment mapFirst(long size) throws IOException {
        try {
            return map(size);
        } catch (IOException | RuntimeException | Error e) {
            try {
                close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Maps {@code size} bytes at this map's offset, or, for a negative {@code size}, the file from
     * that offset to its end. The file is extended first if it is shorter and the map may grow it;
     * otherwise a file that is too short is an error naming both sizes.
     */
    MemorySegment map(long size) throws IOException {
        long fileSize = channel.size();
        if (size < 0) {
            size = Math.max(0, fileSize - offset);
        }
        if (offset + size > fileSize && !spec.mayGrowFile()) {
            throw new FileSystemException(path.toString(), null, "file has " + fileSize + " bytes, a "
                    + spec.mode() + " map of " + size + " bytes at offset " + offset + " needs " + (offset + size)
                    + "; open with WRITE to grow it");
        }
        MemorySegment segment;
        try {
            // FileChannel.map extends a writable file that is too short (ftruncate to offset + size).
            segment = channel.map(spec.mode(), offset, size, arena != null ? arena : Arena.ofAuto());
        } catch (IOException e) {
            // The JDK's message is the bare errno text ("No such device" for a directory).
            throw (IOException) new FileSystemException(path.toString(), null, "cannot map " + size
                    + " bytes at offset " + offset + ": " + e.getMessage()).initCause(e);
        }
        if (spec.populate()) {
            segment.load();
        }
        return segment;
    }

    /**
     * The mapping of {@code newSize} bytes that replaces {@code current}, or {@code current} itself
     * if it has that size already. A file shorter than the new end is extended (sparse, zero-filled);
     * a file that ended where {@code current} ended is cut to the new end. Bytes of the file beyond
     * the map are never discarded. {@code current} stays mapped until close.
     */
    MemorySegment resize(MemorySegment current, long newSize) throws IOException {
        requireEnd(offset, newSize);
        long oldSize = current.byteSize();
        if (newSize == oldSize) {
            return current;
        }
        boolean mapEndsFile = channel.size() <= offset + oldSize;
        MemorySegment resized = map(newSize); // extends the file if it is shorter
        if (newSize < oldSize && mapEndsFile) {
            channel.truncate(offset + newSize);
        }
        return resized;
    }

    /**
     * The mapping of the file as it is now, from this map's offset to its end; {@code current} if
     * its size is unchanged.
     */
    MemorySegment refresh(MemorySegment current) throws IOException {
        long size = Math.max(0, channel.size() - offset);
        return size == current.byteSize() ? current : map(size);
    }

    /**
     * The size emmap's growth policy takes a map of {@code size} bytes to, in as many steps as it
     * takes to hold {@code minSize} bytes, and at least one.
     */
    static long grownSize(long size, long minSize) {
        do {
            size = size < GROWTH_STEP ? Math.max(MIN_GROWTH, size * 2)
                    : size > Long.MAX_VALUE - GROWTH_STEP ? Long.MAX_VALUE : size + GROWTH_STEP;
        } while (size < minSize);
        return size;
    }

    private static void requireEnd(long offset, long size) {
        if (size > Long.MAX_VALUE - offset) {
            throw new IllegalArgumentException("file offset " + offset + " + size " + size + " overflows a long");
        }
    }

    /** Writes the file's metadata (its size) to the device; the map's pages are {@link Paging#force}'s. */
    void force() throws IOException {
        channel.force(true);
    }

    /**
     * Unmaps (explicit lifetime), releases the lock, closes the channel and, with
     * {@code DELETE_ON_CLOSE}, deletes the file. Each step is tried even when an earlier one fails,
     * so a failed unmap does not leak the descriptor or the lock; the first failure is thrown, with
     * any later ones suppressed. Idempotent: a later call retries only the unmap, which fails while
     * a view's buffer is in use by an I/O operation; the channel is closed and the file deleted at
     * most once (a second delete could hit a new file of the same name).
     */
    void close() {
        RuntimeException failure = null;
        if (arena != null && !unmapped) {
            try {
                arena.close();
                unmapped = true;
            } catch (IllegalStateException e) {
                failure = new IllegalStateException("cannot unmap " + path + " yet: one of its views is in use by an"
                        + " I/O operation; close again once it completes (the file and its lock are released)", e);
            }
        }
        if (!released) {
            released = true;
            try {
                // Releases the lock if this map holds it; otherwise may wait for the holder's close.
                ExclusiveLocks.close(channel, fileKey, spec.exclusiveLock());
            } catch (IOException e) {
                failure = chain(failure, new UncheckedIOException("closing " + path + " failed", e));
            }
            if (spec.deleteOnClose()) {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    failure = chain(failure, new UncheckedIOException("deleting " + path + " on close failed", e));
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static RuntimeException chain(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }
}
