package io.mmap4j.counters;

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
import java.nio.file.attribute.FileAttribute;
import java.time.Duration;
import java.util.Set;

/**
 * Opening a counters file, creating it first if it does not exist, such that no process ever
 * sees a half-made file and two processes creating it at once both end up with the same one.
 *
 * <p>A new file is built completely under a temporary name in the same directory, forced to disk,
 * and then given its real name with a hard link, which is atomic and fails if the name exists.
 * The loser of a race deletes its temporary file and opens the winner's. A creator that crashes
 * leaves only a temporary file, which a later creator deletes once its process is gone. A file
 * that exists is never written while opening it.
 */
final class CounterFiles {
    /** A temporary file older than this, whose creator is not running, is left over from a crash. */
    private static final Duration STALE_AFTER = Duration.ofMinutes(1);
    /** The kind in the temporary names of counters files ({@link TempFiles}). */
    static final String TEMP_KIND = "counters";
    /** Give up if the file keeps vanishing between being created and being opened. */
    private static final int MAX_ATTEMPTS = 8;

    private CounterFiles() {
    }

    /** Maps the file for reading and writing, creating it with {@code layout} if it does not exist. */
    static MMap openOrCreate(Path path, CountersLayout layout, FileAttribute<?>... attributes) throws IOException {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            try {
                return MMap.open(path, READ, WRITE);
            } catch (NoSuchFileException e) {
                requireNoDanglingLink(path, e);
                publishNew(path, layout, attributes);
            }
        }
        throw new FileSystemException(path.toString(), null, "the counters file vanished " + MAX_ATTEMPTS
                + " times between being created and being opened: is another process deleting it?");
    }

    /**
     * A name that exists while opening it finds no file is a symbolic link to nothing: creating the
     * file cannot help (the link's name is taken), so say what it is instead of trying again.
     */
    private static void requireNoDanglingLink(Path path, NoSuchFileException notFound) throws IOException {
        if (Files.isSymbolicLink(path)) {
            NoSuchFileException e = new NoSuchFileException(path.toString(), null, "a symbolic link to "
                    + Files.readSymbolicLink(path) + ", which does not exist: cannot create a counters file through it");
            e.initCause(notFound);
            throw e;
        }
    }

    /** Creates the file complete, unless another process creates it first; returns either way. */
    private static void publishNew(Path path, CountersLayout layout, FileAttribute<?>[] attributes) throws IOException {
        TempFiles.deleteAbandoned(path, TEMP_KIND, STALE_AFTER);
        Path temp = TempFiles.newPath(path, TEMP_KIND);
        CountersFormat format = CountersFormat.of(layout);
        try {
            try (MMap map = openTemp(path, temp, format, attributes)) {
                format.writeHeader(map);
                map.force(); // before the link: the name must never point at unwritten pages
            }
            try {
                Files.createLink(path, temp);
            } catch (FileAlreadyExistsException e) {
                return; // another process won the race; its file is complete, since it was linked complete
            } catch (UnsupportedOperationException | FileSystemException e) {
                FileSystemException failure = new FileSystemException(path.toString(), temp.toString(),
                        "cannot publish a new counters file: creating one needs a hard link (atomic, and refused if the"
                                + " name exists), which failed here (" + e.getMessage() + "). On a file system without"
                                + " hard links, create the file elsewhere and copy it here before any process opens it");
                failure.initCause(e);
                throw failure;
            }
            TempFiles.syncDirectory(temp.getParent());
        } finally {
            Files.deleteIfExists(temp); // after the link this removes only the temporary name
        }
    }

    /** Creates the temporary file; a missing directory is reported for the caller's path, not the temporary one. */
    private static MMap openTemp(Path path, Path temp, CountersFormat format, FileAttribute<?>[] attributes)
            throws IOException {
        try {
            return MMap.open(temp, 0, format.fileSize, Set.of(CREATE_NEW, READ, WRITE), attributes);
        } catch (NoSuchFileException e) {
            NoSuchFileException named = new NoSuchFileException(path.toString(), null,
                    "cannot create the counters file: its directory " + temp.getParent() + " does not exist");
            named.initCause(e);
            throw named;
        }
    }
}
