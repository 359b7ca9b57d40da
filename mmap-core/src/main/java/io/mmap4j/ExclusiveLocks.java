package io.mmap4j;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link MapOption#EXCLUSIVE_LOCK}s this JVM holds, by file key, so that mmap4j's own channels
 * do not drop them.
 *
 * <p>{@code FileChannel.tryLock} takes an {@code fcntl} record lock, which the kernel releases
 * when the process closes <em>any</em> descriptor of the file, not only the locked one. So while
 * a map holds the lock, closing another map of the same file would silently end it. Instead,
 * such a channel is parked here and closed together with the lock holder's. Channels this library
 * does not open (a {@code Files.readAllBytes}, a user's {@code FileChannel}) still drop the lock.
 */
final class ExclusiveLocks {
    /** Lock holders' file keys, each with the channels of that file whose close waits for the holder's. */
    private static final Map<Object, List<FileChannel>> HELD = new HashMap<>();

    private ExclusiveLocks() {}

    /**
     * The file key of the file just opened at {@code path}, or null where the file system has none
     * or the name is gone. Read by name, as the JDK offers no key for a channel: a name replaced
     * between the open and this call gives the other file's key, which only loses this protection.
     */
    static Object key(Path path, boolean noFollowLinks) {
        try {
            LinkOption[] options = noFollowLinks ? new LinkOption[] {LinkOption.NOFOLLOW_LINKS} : new LinkOption[0];
            return Files.readAttributes(path, BasicFileAttributes.class, options).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** Takes the exclusive lock on {@code channel}'s file, or fails naming who holds it. */
    static void lock(Path path, Object key, FileChannel channel) throws IOException {
        synchronized (HELD) {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                // The JDK's table of this JVM's locks: another map, or a user's FileChannel.
                throw new FileSystemException(path.toString(), null,
                        "locked by another map or channel in this JVM (EXCLUSIVE_LOCK)");
            }
            if (lock == null) {
                throw new FileSystemException(path.toString(), null, "locked by another process (EXCLUSIVE_LOCK)");
            }
            if (key != null) {
                HELD.put(key, new ArrayList<>());
            }
        }
    }

    /**
     * Closes {@code channel}, which holds the lock on its file if {@code holder}: then also the
     * channels parked for that file. A channel of a file another map holds the lock on is parked
     * instead. Every channel is closed even if one fails; the first failure is thrown.
     */
    static void close(FileChannel channel, Object key, boolean holder) throws IOException {
        if (key == null) {
            channel.close();
            return;
        }
        // Under the monitor, so that no new lock is taken between the release and the closes.
        synchronized (HELD) {
            if (!holder) {
                List<FileChannel> parked = HELD.get(key);
                if (parked != null) {
                    parked.add(channel);
                } else {
                    channel.close();
                }
                return;
            }
            List<FileChannel> channels = new ArrayList<>(HELD.remove(key));
            channels.add(0, channel);
            IOException failure = null;
            for (FileChannel c : channels) {
                try {
                    c.close();
                } catch (IOException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }
}
