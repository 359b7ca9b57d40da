package io.mmap4j.queue;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import io.mmap4j.MMap;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Opens a queue file, creating it first when absent, such that no process ever maps a half-made
 * queue and processes creating it at once all end up with the same one: the new file is written
 * whole under a temporary name beside it, forced, then given its name with a hard link, which is
 * atomic and fails if the name exists, and the directory is forced, so that the name survives a
 * power cut as the contents do (without it the new entry reaches the disk in the kernel's own time,
 * and a power cut soon after creation could leave the forced contents nameless). The loser of a
 * race drops its file and opens the winner's. An existing file is never written while opening it.
 *
 * <p>A creator killed between making its temporary file and dropping it leaves the file behind,
 * named {@code .NAME.new-PID-RANDOM}. Every open deletes such files of the same queue whose process
 * is provably gone (no live process has that id); one whose id names a live process may be a
 * creation under way, and is left alone.
 */
final class QueueFiles {
    private static final int MAX_ATTEMPTS = 8;

    private QueueFiles() {
    }

    /** Opens the queue file, creating it with these fields if absent; a {@code seqKey} of 0 asks for a random one. */
    static MMap openOrCreate(Path path, long cells, long unblockNanos, long seqKey) throws IOException {
        deleteDeadTemporaries(path);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            try {
                return MMap.open(path, READ, WRITE);
            } catch (NoSuchFileException absent) {
                create(path, cells, unblockNanos, seqKey != 0 ? seqKey : QueueFormat.newSeqKey());
            }
        }
        throw new FileSystemException(path.toString(), null, "the queue file vanished " + MAX_ATTEMPTS
                + " times between being created and being opened: is another process deleting it?");
    }

    /** The prefix of the temporary files that creating the queue at {@code path} makes. */
    private static String temporaryPrefix(Path path) {
        return "." + path.getFileName() + ".new-";
    }

    /**
     * Deletes the temporary files that creators of the queue at {@code path} left when they died,
     * and returns their names. A file whose name carries no process id, or the id of a live
     * process, is kept.
     */
    static java.util.List<Path> deleteDeadTemporaries(Path path) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        String prefix = temporaryPrefix(path);
        java.util.List<Path> deleted = new java.util.ArrayList<>();
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (!name.startsWith(prefix)) {
                    continue;
                }
                long pid = creatorPid(name.substring(prefix.length()));
                if (pid > 0 && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                        && Files.deleteIfExists(file)) {
                    deleted.add(file);
                }
            }
        } catch (NoSuchFileException noDirectory) {
            // nothing to clean; opening reports the missing directory
        }
        return deleted;
    }

    /** The process id in {@code PID-RANDOM}, or -1 if it is not that shape. */
    private static long creatorPid(String rest) {
        int dash = rest.indexOf('-');
        if (dash <= 0) {
            return -1;
        }
        try {
            return Long.parseLong(rest, 0, dash, 10);
        } catch (NumberFormatException notOurs) {
            return -1;
        }
    }

    private static void create(Path path, long cells, long unblockNanos, long seqKey) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Path temp = dir.resolve(temporaryPrefix(path) + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            try (MMap map = MMap.open(temp, 0, QueueFormat.fileSize(cells), Set.of(CREATE_NEW, READ, WRITE))) {
                QueueFormat.writeHeader(map.segment(), cells, unblockNanos, seqKey, Durability.bootId());
                map.force(); // before the link: the name must never show unwritten pages
            }
            Files.createLink(path, temp);
            forceDirectory(dir);
        } catch (FileAlreadyExistsException raced) {
            // another process published the queue first; it was complete when linked
        } catch (UnsupportedOperationException noHardLinks) {
            throw new FileSystemException(path.toString(), temp.toString(), "cannot publish a new queue file: that"
                    + " needs a hard link (atomic, and refused if the name exists), which this file system lacks");
        } finally {
            Files.deleteIfExists(temp); // after the link, only the temporary name goes
        }
    }

    /**
     * Forces the directory's entries (the new link) to the device. A platform that cannot open a
     * directory as a channel (Windows) has nothing to force this way and is skipped; a force that
     * fails is an error, since the caller would otherwise believe in a name the disk may not hold.
     */
    private static void forceDirectory(Path dir) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(dir, READ);
        } catch (IOException | UnsupportedOperationException noDirectoryChannels) {
            return;
        }
        try (channel) {
            channel.force(true);
        }
    }
}
