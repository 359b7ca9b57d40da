package io.mmap4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The file side of an {@link MMap}: the open channel, the lock held on it, and the lifetime of the
 * segments mapped from it. Not thread-safe: {@code MMap} serialises calls under its lock.
 */
final class MappedFile {
    private static final FileAttribute<?> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

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

    /** Opens the file and locks it if asked; nothing is mapped yet. */
    static MappedFile open(Path path, long offset, OpenSpec spec, FileAttribute<?>[] attributes) throws IOException {
        if (attributes.length == 0 && path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            attributes = new FileAttribute<?>[] {OWNER_ONLY};
        }
        FileChannel channel = FileChannel.open(path, spec.channelOptions(), attributes);
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

    long fileSize() throws IOException {
        return channel.size();
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

    /** Cuts the file to {@code length} bytes. */
    void truncate(long length) throws IOException {
        channel.truncate(length);
    }

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
