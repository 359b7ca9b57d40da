package io.mmap4j;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

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
    /** Whether this handle created the file, so that a failed open removes it again. */
    private final boolean created;
    private boolean unmapped;
    private boolean released;
    /**
     * The file length a shrink owes the file, or -1: the cut is deferred while any mapping of this
     * handle may still be in use, because a page cut from under a live mapping faults, and a fault
     * inside a compare-and-set that the JVM has not compiled kills the JVM (docs/lifetimes.md).
     * Made at close, once the arena is closed; forgotten if another party resizes the file first.
     */
    private long cutTo = -1;
    /** The file's length when the cut was deferred: the file is still as this handle left it while it has it. */
    private long cutFrom;

    private MappedFile(Path path, long offset, OpenSpec spec, FileChannel channel, Object fileKey, boolean created) {
        this.path = path;
        this.offset = offset;
        this.spec = spec;
        this.channel = channel;
        this.fileKey = fileKey;
        this.created = created;
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
        Set<OpenOption> options = spec.channelOptions();
        FileAttribute<?>[] createWith = spec.attributes(path, attributes);
        boolean created = options.contains(CREATE_NEW);
        FileChannel channel = null;
        if (options.contains(CREATE) && !created) {
            // CREATE_NEW first, to learn whether this call creates the file (and must remove it if
            // mapping fails); an existing file is then opened as CREATE would open it.
            Set<OpenOption> createNew = new HashSet<>(options);
            createNew.remove(CREATE);
            createNew.add(CREATE_NEW);
            try {
                channel = FileChannel.open(path, createNew, createWith);
                created = true;
            } catch (FileAlreadyExistsException exists) {
                // opened below
            }
        }
        if (channel == null) {
            channel = FileChannel.open(path, options, createWith);
        }
        Object key = ExclusiveLocks.key(path, options.contains(LinkOption.NOFOLLOW_LINKS));
        boolean locked = false;
        try {
            if (spec.exclusiveLock()) {
                ExclusiveLocks.lock(path, key, channel); // held until the channel closes
                locked = true;
            }
            return new MappedFile(path, offset, spec, channel, key, created);
        } catch (IOException | RuntimeException e) {
            try {
                ExclusiveLocks.close(channel, key, locked);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            deleteCreated(path, created, e);
            throw e;
        }
    }

    /** Removes a file this call created before it failed, so that a failed open leaves nothing behind. */
    private static void deleteCreated(Path path, boolean created, Throwable failure) {
        if (created) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException suppressed) {
                failure.addSuppressed(suppressed);
            }
        }
    }

    /**
     * As {@link #map}, for a file just opened: if mapping fails, the file is closed, so nothing
     * leaks, and a file this call created is removed.
     */
    MemorySegment mapFirst(long size) throws IOException {
        try {
            return map(size);
        } catch (IOException | RuntimeException | Error e) {
            try {
                close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (!spec.deleteOnClose()) { // close has deleted it already
                deleteCreated(path, created, e);
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
        } catch (IOException | RuntimeException | Error e) {
            // The file may have been extended before the mmap failed (ENOMEM for 1 PiB): give it
            // its length back, or a failed open or resize would leave a huge sparse file behind.
            restoreLength(fileSize, e);
            if (!(e instanceof IOException)) {
                throw e;
            }
            // The JDK's message is the bare errno text ("No such device" for a directory).
            throw (IOException) new FileSystemException(path.toString(), null, "cannot map " + size
                    + " bytes at offset " + offset + ": " + e.getMessage()).initCause(e);
        }
        if (spec.populate()) {
            segment.load();
        }
        return segment;
    }

    /** Cuts a file that {@link #map} extended before it failed back to {@code length}. */
    private void restoreLength(long length, Throwable failure) {
        try {
            if (channel.size() > length) {
                channel.truncate(length);
            }
        } catch (IOException suppressed) {
            failure.addSuppressed(suppressed);
        }
    }

    /**
     * The mapping of {@code newSize} bytes that replaces {@code current}, or {@code current} itself
     * if it has that size already. A file shorter than the new end is extended (sparse, zero-filled).
     * A file that ended where {@code current} ended is to end at the new end; when that shrinks it,
     * the cut is owed until close (see {@link #cutTo}), and growing again before then zeroes the
     * bytes it would have cut, as a cut file extended again reads. Bytes of the file beyond the
     * map are never discarded. {@code current} stays mapped until close.
     */
    MemorySegment resize(MemorySegment current, long newSize) throws IOException {
        requireEnd(offset, newSize);
        long oldSize = current.byteSize();
        if (newSize == oldSize) {
            return current;
        }
        boolean mapEndsFile = length() <= offset + oldSize;
        MemorySegment resized = map(newSize); // extends the file if it is shorter
        long newEnd = offset + newSize;
        if (cutTo >= 0 && newEnd > cutTo) {
            long zeroEnd = Math.min(newEnd, cutFrom);
            resized.asSlice(cutTo - offset, zeroEnd - cutTo).fill((byte) 0);
        }
        long fileSize = channel.size();
        if (newEnd >= fileSize) {
            cutTo = -1; // the file ends where the map ends: nothing owed
        } else if (mapEndsFile) {
            cutTo = newEnd;
            cutFrom = fileSize;
        }
        return resized;
    }

    /**
     * The file's length as this handle sees it: the length it owes after a deferred cut, as long as
     * the file still has the length this handle left it with; otherwise its real length (another
     * party resized it, and the owed cut is forgotten).
     */
    private long length() throws IOException {
        long size = channel.size();
        if (cutTo >= 0 && size != cutFrom) {
            cutTo = -1;
        }
        return cutTo >= 0 ? cutTo : size;
    }

    /**
     * The mapping of the file as it is now (as {@link #length()} has it), from this map's offset to
     * its end; {@code current} if its size is unchanged. Never writes to the file: a file that now
     * ends before this map's offset gives an empty mapping, where mapping at the offset would
     * extend the file to reach it.
     */
    MemorySegment refresh(MemorySegment current) throws IOException {
        long size = Math.max(0, length() - offset);
        if (size == current.byteSize()) {
            return current;
        }
        if (size == 0) {
            return channel.map(spec.mode(), 0, 0, arena != null ? arena : Arena.ofAuto());
        }
        return map(size);
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
     * Unmaps (explicit lifetime), makes the cut a shrink owed the file (once unmapped, so that no
     * access can meet the cut pages), releases the lock, closes the channel and, with
     * {@code DELETE_ON_CLOSE}, deletes the file. Each step is tried even when an earlier one fails,
     * so a failed unmap does not leak the descriptor or the lock; the first failure is thrown, with
     * any later ones suppressed. Idempotent: a later call retries only the unmap, which fails while
     * a view's buffer is in use by an I/O operation; the channel is closed and the file deleted at
     * most once (a second delete could hit a new file of the same name).
     */
    void close() {
        close(false);
    }

    /**
     * As {@link #close()}; {@code noViewsLeft}: the caller vouches that nothing uses an
     * {@code AUTO_UNMAP} mapping any more (a stream that never handed its map out), so that the
     * cut a shrink owes is made as it is for an explicit lifetime.
     */
    void close(boolean noViewsLeft) {
        RuntimeException failure = null;
        if (arena != null && !unmapped) {
            try {
                arena.close();
                unmapped = true;
            } catch (IllegalStateException e) {
                failure = new IllegalStateException("cannot unmap " + path + " yet: one of its views is in use by an"
                        + " I/O operation; close again once it completes (the file and its lock are released"
                        + (cutTo >= 0 ? ", and the file keeps the length the map's shrinking would have cut" : "")
                        + ")", e);
            }
        }
        if (!released) {
            released = true;
            if (unmapped || noViewsLeft) {
                try {
                    makeOwedCut();
                } catch (IOException e) {
                    failure = chain(failure, new UncheckedIOException("cutting " + path + " to " + cutTo
                            + " bytes on close failed", e));
                }
            }
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

    /**
     * Makes the cut a shrink owed the file, now that none of this handle's mappings is left: the
     * arena's close waited for every access in flight, and every later one throws. Not with
     * {@code AUTO_UNMAP}, whose views outlive close: the file keeps its length.
     */
    private void makeOwedCut() throws IOException {
        if (cutTo >= 0 && channel.size() == cutFrom) {
            channel.truncate(cutTo);
        }
        cutTo = -1;
    }

    private static RuntimeException chain(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }
}
