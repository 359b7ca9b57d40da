package io.mmap4j.content;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A {@link Store} in a directory, as HyperBEAM's {@code hb_store_fs}: a value is a file, a group a
 * directory, a link a symbolic link. The tree can be read with {@code ls}, {@code cat} and
 * {@code readlink}, and is portable: a link's target is written relative to the link's directory,
 * so the directory can be moved or copied ({@code cp -a}).
 *
 * <h2>Processes and crashes</h2>
 * Many threads and processes may use one directory at once. A value is written to a temporary file
 * beside its path (named {@code .mmap4j-tmp-<pid>-<random>}) and renamed over it, and a link is made
 * under a temporary name and renamed the same way; so a reader sees the old entry or the new one,
 * whole, never a part, and a process killed at any moment leaves every entry it finished writing
 * intact (and at worst a temporary file, which no read sees and {@link #reset()} deletes). Groups
 * are made with {@code mkdir}, which tolerates a racing process making the same one. Durability
 * against a power failure is the file system's: nothing is forced to the disk.
 *
 * <p>Costs: a read of an existing path is one {@code lstat} and one {@code read}; each link on the
 * way adds a {@code readlink}; {@link #list} is one directory listing.
 */
public final class FileSystemStore extends EntryStore {
    private static final String TEMP_PREFIX = StorePaths.RESERVED_PREFIX + "tmp-";

    private final Path root;
    private final ConcurrentHashMap<String, Boolean> plainDirectories = new ConcurrentHashMap<>();

    private FileSystemStore(Path root) {
        this.root = root;
    }

    /**
     * Opens the store in {@code directory}, creating the directory (and its parents) if it does not
     * exist.
     *
     * @param directory the store's directory
     * @return the store
     * @throws IOException if the directory cannot be created, or {@code directory} is not one
     */
    public static FileSystemStore open(Path directory) throws IOException {
        Objects.requireNonNull(directory, "directory");
        Path given = directory.toAbsolutePath().normalize();
        Files.createDirectories(given);
        if (!Files.isDirectory(given)) {
            throw new NotDirectoryException(given.toString());
        }
        return new FileSystemStore(given.toRealPath()); // real: so that a link inside is told from the way to the root
    }

    /**
     * The store's directory.
     *
     * @return the absolute, normalised directory
     */
    public Path directory() {
        return root;
    }

    @Override
    public String location() {
        return root.toString();
    }

    @Override
    Entry entry(String path) {
        Path file = file(path);
        if (path.indexOf('/') >= 0 && !isPlainDirectory(StorePaths.parent(path))) {
            return null; // the OS would follow a link on the way; as an exact path, nothing is there
        }
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isDirectory()) {
                return Entry.GROUP;
            }
            if (a.isSymbolicLink()) {
                return Entry.link(storePath(file, Files.readSymbolicLink(file)));
            }
            return Entry.UNLOADED_VALUE;
        } catch (NoSuchFileException | NotDirectoryException absent) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(location() + ": cannot read " + path, e);
        }
    }

    /**
     * Whether the directory of the store path {@code dir} is reached with no symbolic link on the
     * way. Groups are never replaced (only {@link #reset()} deletes them), so a yes is remembered.
     */
    private boolean isPlainDirectory(String dir) {
        if (plainDirectories.containsKey(dir)) {
            return true;
        }
        Path d = file(dir);
        try {
            if (!d.toRealPath().equals(d) || !Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                return false; // a link on the way, or a value (which a link may replace: never remembered)
            }
        } catch (IOException absentOrLooping) {
            return false;
        }
        if (plainDirectories.size() > 100_000) {
            plainDirectories.clear(); // a bound, not a cache policy: directories are few in practice
        }
        plainDirectories.put(dir, Boolean.TRUE);
        return true;
    }

    @Override
    byte[] value(String path) {
        try {
            return Files.readAllBytes(file(path));
        } catch (NoSuchFileException | NotDirectoryException absent) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(location() + ": cannot read " + path, e);
        }
    }

    @Override
    void putValue(String path, byte[] value, boolean isNew) {
        Path file = file(path);
        Path temp = temp(file);
        try {
            Files.write(temp, value);
            replace(temp, file, path);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new UncheckedIOException(location() + ": cannot write " + path, e);
        }
    }

    @Override
    void putGroup(String path) {
        try {
            Files.createDirectory(file(path));
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(file(path), LinkOption.NOFOLLOW_LINKS)) {
                throw new IllegalStateException(location() + ": cannot make a group at " + path + ": something else is there");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(location() + ": cannot make the group " + path, e);
        }
    }

    @Override
    void putLink(String path, String target, boolean isNew) {
        Path file = file(path);
        Path temp = temp(file);
        try {
            Path relative = file.getParent().relativize(file(target));
            // a link to its own directory is "." (an empty target is no symbolic link)
            Files.createSymbolicLink(temp, relative.toString().isEmpty() ? Path.of(".") : relative);
            replace(temp, file, path);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new UncheckedIOException(location() + ": cannot make the link " + path, e);
        }
    }

    @Override
    List<String> children(String path) {
        try (Stream<Path> files = Files.list(path.isEmpty() ? root : file(path))) {
            List<String> names = new ArrayList<>();
            files.forEach(f -> {
                String name = f.getFileName().toString();
                if (!name.startsWith(TEMP_PREFIX)) {
                    names.add(name);
                }
            });
            return names;
        } catch (NoSuchFileException | NotDirectoryException absent) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(location() + ": cannot list " + path, e);
        }
    }

    @Override
    void clear() {
        plainDirectories.clear();
        try (Stream<Path> top = Files.list(root)) {
            for (Path p : (Iterable<Path>) top::iterator) {
                deleteTree(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(location() + ": cannot reset", e);
        }
    }

    @Override
    void release() {
        // nothing is held open between calls
    }

    /** Names the directory. */
    @Override
    public String toString() {
        return "FileSystemStore[" + root + "]";
    }

    private Path file(String path) {
        return path.isEmpty() ? root : root.resolve(path);
    }

    /** The store path a symbolic link at {@code link} leads to; a target outside the store is kept as the link has it. */
    private String storePath(Path link, Path target) {
        Path absolute = link.getParent().resolve(target).normalize();
        if (!absolute.startsWith(root)) {
            return target.toString(); // written by hand; resolves to whatever that path means inside the store
        }
        return root.relativize(absolute).toString().replace(link.getFileSystem().getSeparator(), "/");
    }

    private static Path temp(Path file) {
        return file.resolveSibling(TEMP_PREFIX + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    }

    /** Renames {@code temp} over {@code file} in one step: a reader sees the old entry or the new. */
    private void replace(Path temp, Path file, String path) throws IOException {
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (DirectoryNotEmptyException | FileAlreadyExistsException group) {
            deleteQuietly(temp);
            throw new IllegalStateException(location() + ": " + path + " is a group");
        } catch (AtomicMoveNotSupportedException e) {
            deleteQuietly(temp);
            throw new UncheckedIOException(location() + ": the file system cannot rename atomically", e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the temporary file is invisible to reads; reset deletes it
        }
    }

    private static void deleteTree(Path top) throws IOException {
        if (!Files.isDirectory(top, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(top);
            return;
        }
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
