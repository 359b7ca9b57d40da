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
     * or the name was removed or replaced since the open (the channel's close then is not
     * deferred: it cannot be told apart from a channel of another file).
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
            // The JDK's own check (OverlappingFileLockException) also covers channels of this JVM
            // that are not maps, but it knows only locks whose channel is still open.
            if (key != null && HELD.containsKey(key)) {
                throw lockedInThisJvm(path);
            }
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                throw lockedInThisJvm(path);
            }
            if (lock == null) {
                throw new FileSystemException(path.toString(), null, "locked by another process (EXCLUSIVE_LOCK)");
            }
            if (key != null) {
                HELD.put(key, new ArrayList<>());
            }
        }
    }

    private static FileSystemException lockedInThisJvm(Path path) {
        return new FileSystemException(path.toString(), null,
                "locked by another map or channel in this JVM (EXCLUSIVE_LOCK)");
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
