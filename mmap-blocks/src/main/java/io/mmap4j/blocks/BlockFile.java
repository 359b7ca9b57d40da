package io.mmap4j.blocks;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One use of a block storage file by this JVM, with its own mapping (an arena of its own, so
 * closing it unmaps only its segments), over descriptors shared by every use of the same file in
 * this JVM, which stay open until the last use of the file ends.
 *
 * <p>Why shared: the growth lock and the users lock are {@code fcntl} record locks, which the
 * kernel releases when the process closes <em>any</em> descriptor of the file. So this library
 * never closes a descriptor of a block storage file while it holds one of them: a {@code verify},
 * a {@code stats} or a second storage opened and closed meanwhile reuses a descriptor, and every
 * descriptor of the file closes together with the last use. (A descriptor that code outside this
 * library opens and closes, a {@code Files.readAllBytes} of the file say, still drops them: the
 * JDK's rule for {@link FileLock}.)
 *
 * <p>The users lock, a shared lock on bytes 24 to 31 of the file (a range no other lock takes),
 * is held while this JVM has at least one {@link BlockStorage} of the file open. Only
 * {@link BlockStorage#releaseReserved()} takes it exclusive, which the kernel grants only when no
 * other process holds it: when nobody else can be storing or freeing.
 */
final class BlockFile implements AutoCloseable {
    /**
     * Guards {@link #SHARED}, and is held while this JVM grows a file (under the growth lock), so
     * that no descriptor is closed then. Growth is rare; one monitor for every file is enough.
     */
    static final Object MONITOR = new Object();
    static final long USERS_AT = 24;
    static final long USERS_BYTES = 8;

    /** The descriptors of each file in use, by file key (device and inode). */
    private static final Map<Object, Shared> SHARED = new HashMap<>();

    /** The descriptors this JVM has open on one file (at most one of each mode), its uses and storages. */
    private static final class Shared {
        final Object key;
        FileChannel reader;
        FileChannel writer;
        int uses;
        int storages;
        FileLock users;

        Shared(Object key) {
            this.key = key;
        }
    }

    private final Path path;
    private final Shared shared;
    private final FileChannel channel;
    private final MapMode mode;
    private final Arena arena = Arena.ofShared();
    private volatile MemorySegment segment;
    private boolean storage;
    private boolean closed;

    private BlockFile(Path path, Shared shared, FileChannel channel, boolean write) throws IOException {
        this.path = path;
        this.shared = shared;
        this.channel = channel;
        this.mode = write ? MapMode.READ_WRITE : MapMode.READ_ONLY;
        this.segment = map();
    }

    /**
     * Opens the existing file at {@code path} and maps it whole.
     *
     * @throws java.nio.file.NoSuchFileException if there is none
     */
    static BlockFile open(Path path, boolean write) throws IOException {
        Object key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        synchronized (MONITOR) {
            Shared shared = key == null ? null : SHARED.get(key);
            if (shared == null) {
                shared = new Shared(key);
            }
            FileChannel channel = write || shared.reader == null ? shared.writer : shared.reader;
            if (channel == null) {
                channel = write ? FileChannel.open(path, READ, WRITE) : FileChannel.open(path, READ);
                if (write) {
                    shared.writer = channel;
                } else {
                    shared.reader = channel;
                }
            }
            if (shared.uses++ == 0 && key != null) {
                SHARED.put(key, shared);
            }
            try {
                return new BlockFile(path, shared, channel, write);
            } catch (IOException | RuntimeException | Error e) {
                release(shared);
                throw e;
            }
        }
    }

    /** The file's bytes, as mapped when opened or last refreshed. */
    MemorySegment segment() {
        return segment;
    }

    /** Maps the file again at its length now (the earlier mappings stay valid until close). */
    MemorySegment refresh() throws IOException {
        synchronized (this) { // not MONITOR: releaseReserved holds it, and may remap under its storage's lock
            if (closed) {
                throw new IllegalStateException("block storage " + path + " is closed");
            }
            segment = map();
            return segment;
        }
    }

    /** The file's length now, as the kernel has it. */
    long size() throws IOException {
        return channel.size();
    }

    /** A descriptor of the file open for writing, for the growth lock and for extending the file. */
    FileChannel channel() {
        return channel;
    }

    /**
     * Counts this use as an open {@link BlockStorage}: the first of the JVM takes the users lock,
     * shared, waiting while another process's {@code releaseReserved} holds it exclusive.
     */
    void joinStorages() throws IOException {
        synchronized (MONITOR) {
            if (shared.storages == 0) {
                shared.users = channel.lock(USERS_AT, USERS_BYTES, true);
            }
            shared.storages++;
            storage = true;
        }
    }

    /**
     * Runs {@code work} while no other storage of the file is open, in this process or another:
     * under the users lock taken exclusive, and this JVM's monitor, so that no storage of the file
     * opens meanwhile.
     *
     * @throws IllegalStateException naming who else has the file open
     */
    <T> T alone(Supplier<T> work) throws IOException {
        synchronized (MONITOR) {
            if (shared.storages > 1) {
                throw new IllegalStateException(path + " is open " + (shared.storages - 1)
                        + " more time(s) in this process; only a storage alone in its file may release reserved"
                        + " blocks, which a store under way elsewhere could hold");
            }
            shared.users.release();
            FileLock exclusive = channel.tryLock(USERS_AT, USERS_BYTES, false);
            if (exclusive == null) {
                shared.users = channel.lock(USERS_AT, USERS_BYTES, true);
                throw new IllegalStateException(path + " is open in another process; only a storage alone in its"
                        + " file may release reserved blocks, which a store under way there could hold (the"
                        + " other processes must close it, or have died, first)");
            }
            try {
                return work.get();
            } finally {
                exclusive.release();
                shared.users = channel.lock(USERS_AT, USERS_BYTES, true);
            }
        }
    }

    /** Writes the mapped pages to the storage device. */
    void force() {
        segment.force();
    }

    /**
     * Unmaps this use's segments; the descriptors close with the last use of the file in this
     * JVM, the users lock with its last storage. Closing again does nothing.
     */
    @Override
    public void close() throws IOException {
        synchronized (MONITOR) {
            if (closed) {
                return;
            }
            synchronized (this) {
                closed = true;
                arena.close();
            }
            if (storage && --shared.storages == 0) {
                shared.users.release();
                shared.users = null;
            }
            release(shared);
        }
    }

    private MemorySegment map() throws IOException {
        return channel.map(mode, 0, channel.size(), arena);
    }

    private static void release(Shared shared) throws IOException {
        if (--shared.uses > 0) {
            return;
        }
        if (shared.key != null) {
            SHARED.remove(shared.key);
        }
        FileChannel reader = shared.reader;
        FileChannel writer = shared.writer;
        shared.reader = null;
        shared.writer = null;
        try {
            if (reader != null) {
                reader.close();
            }
        } finally {
            if (writer != null) { // closed even if the reader's close failed
                writer.close();
            }
        }
    }
}
