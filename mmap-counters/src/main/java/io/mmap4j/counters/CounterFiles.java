package io.mmap4j.counters;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import io.mmap4j.MMap;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

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
    /** Give up if the file keeps vanishing between being created and being opened. */
    private static final int MAX_ATTEMPTS = 8;
    private static final String TEMP_MARK = ".counters-";
    private static final String TEMP_SUFFIX = ".tmp";
    /** Characters of the file's name kept in its temporary name, which must stay a valid file name. */
    private static final int NAME_CHARS_IN_TEMP = 40;

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
        Path dir = path.toAbsolutePath().getParent();
        String prefix = tempPrefix(path);
        deleteStaleTemps(dir, prefix);
        Path temp = dir.resolve(prefix + ProcessHandle.current().pid() + "-"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + TEMP_SUFFIX);
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
            syncDirectory(dir);
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

    /**
     * Makes the new directory entry durable, so the file survives a machine crash right after
     * creation. Best effort: some platforms cannot open a directory as a channel.
     */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, READ)) {
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            // The file is created either way; only its durability across a power cut is weaker.
        }
    }

    /** ".<name>.counters-": the temporary names of one file's creators start with this. */
    static String tempPrefix(Path path) {
        String name = path.getFileName().toString();
        if (name.length() > NAME_CHARS_IN_TEMP) {
            int end = Character.isHighSurrogate(name.charAt(NAME_CHARS_IN_TEMP - 1)) ? NAME_CHARS_IN_TEMP - 1 : NAME_CHARS_IN_TEMP;
            name = name.substring(0, end);
        }
        return "." + name + TEMP_MARK;
    }

    /**
     * Deletes temporary files of this file's creators that crashed: older than {@link #STALE_AFTER}
     * and made by a process that is not running. Best effort, and never touches a file a running
     * creator may still be building.
     */
    private static void deleteStaleTemps(Path dir, String prefix) {
        DirectoryStream.Filter<Path> ours = p -> {
            String n = p.getFileName().toString();
            return n.startsWith(prefix) && n.endsWith(TEMP_SUFFIX);
        };
        Instant staleBefore = Instant.now().minus(STALE_AFTER);
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, ours)) {
            for (Path temp : temps) {
                if (creatorGone(temp.getFileName().toString(), prefix)
                        && Files.getLastModifiedTime(temp).toInstant().isBefore(staleBefore)) {
                    Files.deleteIfExists(temp);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Left for the next creator; a leftover temporary file harms nothing but disk space.
        }
    }

    private static boolean creatorGone(String tempName, String prefix) {
        String rest = tempName.substring(prefix.length());
        int dash = rest.indexOf('-');
        try {
            long pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
            return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
        } catch (NumberFormatException e) {
            return false; // not one of ours after all
        }
    }
}
