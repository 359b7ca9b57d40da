package io.mmap4j.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The temporary files beside a file that is being created or replaced, and the directory force
 * that makes the new name durable: what every store that publishes a whole file (write it under a
 * temporary name, force it, then link or rename it into place) shares.
 *
 * <p>A temporary name is {@code .<first 40 characters of the name>.<kind>-<pid>-<16 hex digits>.tmp}
 * in the target's directory: hidden, tied to the target and its kind, and carrying the creating
 * process's id, so that a later creator can tell a file left by a crash (its process is gone) from
 * one still being written. The name is cut so that it stays a valid file name for any target.
 *
 * <p>Not API: the package is exported only to mmap4j's own store modules. Stateless and safe for
 * use by any number of threads.
 */
public final class TempFiles {
    private static final String SUFFIX = ".tmp";
    /** Characters of the target's name kept in its temporary name, which must stay a valid file name. */
    private static final int NAME_CHARS = 40;

    private TempFiles() {
    }

    /** {@code .<name>.<kind>-}: the temporary names of {@code target}'s creators of that kind start with this. */
    public static String prefix(Path target, String kind) {
        String name = target.getFileName().toString();
        if (name.length() > NAME_CHARS) {
            name = name.substring(0, Character.isHighSurrogate(name.charAt(NAME_CHARS - 1)) ? NAME_CHARS - 1 : NAME_CHARS);
        }
        return "." + name + "." + kind + "-";
    }

    /** A fresh temporary name for this process beside {@code target}; nothing is created. */
    public static Path newPath(Path target, String kind) {
        return target.toAbsolutePath().resolveSibling(prefix(target, kind) + ProcessHandle.current().pid() + "-"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + SUFFIX);
    }

    /**
     * Deletes {@code target}'s temporary files of this kind that crashed creators left: those whose
     * process is not running and that were last modified more than {@code minAge} ago. The age
     * guards against a creator in another process-id namespace sharing the directory, whose id
     * means nothing here. A file not of this shape is never touched. Best effort: what cannot be
     * listed or deleted is left for the next creator, since a leftover temporary file harms nothing
     * but disk space. Returns what was deleted.
     */
    public static List<Path> deleteAbandoned(Path target, String kind, Duration minAge) {
        String prefix = prefix(target, kind);
        DirectoryStream.Filter<Path> ours = p -> {
            String n = p.getFileName().toString();
            return n.startsWith(prefix) && n.endsWith(SUFFIX);
        };
        Instant before = Instant.now().minus(minAge);
        List<Path> deleted = new ArrayList<>();
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(target.toAbsolutePath().getParent(), ours)) {
            for (Path temp : temps) {
                String name = temp.getFileName().toString();
                if (creatorGone(name.substring(prefix.length()))
                        && Files.getLastModifiedTime(temp).toInstant().isBefore(before)
                        && Files.deleteIfExists(temp)) {
                    deleted.add(temp);
                }
            }
        } catch (IOException | RuntimeException unlisted) {
            // left for the next creator; a missing directory is reported by creating the file
        }
        return deleted;
    }

    /** True if {@code rest} ({@code <pid>-<random>.tmp}) names a process that is not running. */
    private static boolean creatorGone(String rest) {
        int dash = rest.indexOf('-');
        if (dash <= 0) {
            return false;
        }
        try {
            long pid = Long.parseLong(rest, 0, dash, 10);
            return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
        } catch (NumberFormatException notOurs) {
            return false;
        }
    }

    /**
     * Forces {@code dir}'s entries to the device, so that a name just linked or renamed there
     * survives a power cut as the forced contents do. A platform that cannot open a directory as a
     * channel (Windows) has nothing to force this way and is skipped; a force that fails is an
     * error, since the caller would otherwise believe in a name the disk may not hold.
     *
     * @throws IOException if the directory opened but could not be forced
     */
    public static void syncDirectory(Path dir) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(dir, StandardOpenOption.READ);
        } catch (IOException | UnsupportedOperationException noDirectoryChannels) {
            return;
        }
        try (channel) {
            channel.force(true);
        }
    }
}
