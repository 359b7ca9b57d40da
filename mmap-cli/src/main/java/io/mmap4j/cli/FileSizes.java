package io.mmap4j.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The identity and size of a store's files when a command began to read them: the file itself, or
 * for a store that is a directory, each regular file directly in it. Reading a mapped page past
 * the end of a file that another process has truncated is a fault ({@code SIGBUS}) that the JVM
 * turns into an {@link InternalError} in the thread that read; comparing the sizes now with these
 * tells such a truncation from any other failure, so that the tool can say what happened in one
 * line instead of a stack trace.
 */
final class FileSizes {
    /** A file as first seen: its identity (device and inode, where the file system has them) and size. */
    private record Seen(Object key, long size) {
    }

    private final Map<Path, Seen> files;

    private FileSizes(Map<Path, Seen> files) {
        this.files = files;
    }

    /** The sizes of {@code path}'s files now: {@code path} if it is a regular file, else the regular files directly in it. */
    static FileSizes of(Path path) throws IOException {
        Map<Path, Seen> files = new LinkedHashMap<>();
        if (Files.isDirectory(path)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
                for (Path file : entries) {
                    add(files, file);
                }
            }
        } else {
            add(files, path);
        }
        return new FileSizes(files);
    }

    private static void add(Map<Path, Seen> files, Path file) throws IOException {
        BasicFileAttributes a = attributes(file);
        if (a != null && a.isRegularFile()) {
            files.put(file, new Seen(a.fileKey(), a.size()));
        }
    }

    /** A file's attributes now, links not followed, or null if its name is gone. */
    private static BasicFileAttributes attributes(Path file) throws IOException {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException gone) {
            return null;
        }
    }

    /**
     * The first file that is now shorter than it was, the same file (not one renamed over its name,
     * nor one deleted: a mapping outlives both), or null if none is.
     */
    Shrunk shrunk() throws IOException {
        for (Map.Entry<Path, Seen> e : files.entrySet()) {
            BasicFileAttributes now = attributes(e.getKey());
            Seen then = e.getValue();
            if (now != null && now.isRegularFile() && (then.key() == null || then.key().equals(now.fileKey()))
                    && now.size() < then.size()) {
                return new Shrunk(e.getKey(), then.size(), now.size());
            }
        }
        return null;
    }

    /**
     * A file that shrank while it was read.
     *
     * @param file   the file
     * @param before its size when the command began
     * @param after  its size now
     */
    record Shrunk(Path file, long before, long after) {
        /** What happened, for the operator: {@code the file shrank from B to A bytes while being DOING (...)}. */
        String describe(String doing) {
            return "the file shrank from " + before + " to " + after + " bytes while being " + doing
                    + " (another process truncated it)";
        }
    }
}
