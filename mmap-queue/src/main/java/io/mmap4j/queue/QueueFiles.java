package io.mmap4j.queue;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import io.mmap4j.MMap;
import io.mmap4j.internal.TempFiles;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

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
 * named {@code .NAME.queue-PID-RANDOM.tmp} ({@link TempFiles}). Every open deletes such files of
 * the same queue older than a minute whose process is gone (no live process has that id); one whose
 * id names a live process may be a creation under way, and is left alone.
 */
final class QueueFiles {
    private static final int MAX_ATTEMPTS = 8;
    /** A temporary file older than this, whose creator is not running, is left over from a crash. */
    private static final Duration STALE_AFTER = Duration.ofMinutes(1);
    /** The kind in the temporary names of queue files ({@link TempFiles}). */
    static final String TEMP_KIND = "queue";

    private QueueFiles() {
    }

    /** Opens the queue file, creating it with these fields if absent; a {@code seqKey} of 0 asks for a random one. */
    static MMap openOrCreate(Path path, long cells, long unblockNanos, long seqKey) throws IOException {
        deleteAbandonedTemporaries(path);
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

    /** Deletes the temporary files that creators of the queue at {@code path} left when they died. */
    static void deleteAbandonedTemporaries(Path path) {
        TempFiles.deleteAbandoned(path, TEMP_KIND, STALE_AFTER);
    }

    private static void create(Path path, long cells, long unblockNanos, long seqKey) throws IOException {
        Path temp = TempFiles.newPath(path, TEMP_KIND);
        try {
            try (MMap map = MMap.open(temp, 0, QueueFormat.fileSize(cells), Set.of(CREATE_NEW, READ, WRITE))) {
                QueueFormat.writeHeader(map.segment(), cells, unblockNanos, seqKey, Durability.bootId());
                map.force(); // before the link: the name must never show unwritten pages
            }
            Files.createLink(path, temp);
            TempFiles.syncDirectory(temp.getParent());
        } catch (FileAlreadyExistsException raced) {
            // another process published the queue first; it was complete when linked
        } catch (UnsupportedOperationException noHardLinks) {
            throw new FileSystemException(path.toString(), temp.toString(), "cannot publish a new queue file: that"
                    + " needs a hard link (atomic, and refused if the name exists), which this file system lacks");
        } finally {
            Files.deleteIfExists(temp); // after the link, only the temporary name goes
        }
    }
}
