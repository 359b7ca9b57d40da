package io.mmap4j;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/** Named shared memory: files in the tmpfs at {@code /dev/shm}, for {@link MMap#openShared}. */
final class SharedMemory {
    private static final Path DIRECTORY = Path.of("/dev/shm");
    /** The longest file name Linux allows (NAME_MAX). */
    private static final int MAX_NAME_BYTES = 255;

    private SharedMemory() {}

    /** {@code /dev/shm/<name>}, for a name that is a plain file name. */
    static Path path(String name) {
        Objects.requireNonNull(name, "name");
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("shared memory name must be 1 to " + MAX_NAME_BYTES
                    + " UTF-8 bytes, got " + bytes + ": \"" + name + "\"");
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0 || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("shared memory name must be a plain file name (no '/', no NUL, not"
                    + " \".\" or \"..\"), got \"" + name + "\"");
        }
        return DIRECTORY.resolve(name);
    }

    /** Fails, saying why, on a system without {@code /dev/shm}. */
    static void requireDirectory() throws FileSystemException {
        if (!Files.isDirectory(DIRECTORY)) {
            throw new FileSystemException(DIRECTORY.toString(), null,
                    "named shared memory needs a tmpfs at /dev/shm, which this system lacks");
        }
    }
}
