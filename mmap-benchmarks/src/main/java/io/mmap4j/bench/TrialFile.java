package io.mmap4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The fresh file each peer gets for each trial: {@link #SIZE} bytes of the same pseudo-random data,
 * in {@code /dev/shm} where there is one (memory only, so no peer waits for a disk), else in the
 * temporary directory; {@code -Dmmap4j.bench.dir=DIR} chooses another place. Every peer's file is
 * fully written before it is opened, so no peer meets a hole or a first-touch page fault. Peers
 * that need an empty file ({@link #createZeroed}) or create their own ({@link #createDirectory})
 * get those in the same place.
 */
public final class TrialFile {
    /** Bytes in each file: room for the 1 MiB transfers at {@link #IO_POS}. */
    public static final int SIZE = 4 << 20;
    /** The atomics' slot: 8-byte aligned, alone in its cache line, and zero in a new file. */
    public static final int SLOT = 64;
    /** The first bytes of every file are zero; the rest is pseudo-random. */
    private static final int ZERO_HEADER = 128;
    /** Where positional reads and writes happen: page-aligned. */
    public static final int IO_POS = 4096;

    private static final byte[] CONTENT = new byte[SIZE];

    static {
        new Random(6).nextBytes(CONTENT);
        Arrays.fill(CONTENT, 0, ZERO_HEADER, (byte) 0);
    }

    private TrialFile() {
    }

    /** Creates a new file for {@code peer}, owner-only, filled with the shared content. */
    public static Path create(String peer) throws IOException {
        // createTempFile makes it owner-only and never reuses a name.
        Path file = Files.createTempFile(directory(), "mmap4j-bench-" + peer + "-", ".dat");
        Files.write(file, CONTENT);
        return file;
    }

    /** Creates a new file for {@code peer} of {@code length} zero bytes, written out (not a hole). */
    public static Path createZeroed(String peer, int length) throws IOException {
        Path file = Files.createTempFile(directory(), "mmap4j-bench-" + peer + "-", ".dat");
        Files.write(file, new byte[length]);
        return file;
    }

    /** Creates a new, empty, owner-only directory for {@code peer}, for a file that peer creates itself. */
    public static Path createDirectory(String peer) throws IOException {
        return Files.createTempDirectory(directory(), "mmap4j-bench-" + peer + "-");
    }

    /**
     * Creates a new, empty, owner-only directory for {@code peer} on a disk, not in memory: for
     * benchmarks that measure writing to a file system ({@code StaticStoreBuild}).
     * {@code -Dmmap4j.bench.diskDir=DIR} chooses the place, else the temporary directory (which
     * must then not be a tmpfs for the figures to mean a disk).
     */
    public static Path createDiskDirectory(String peer) throws IOException {
        Path disk = Path.of(System.getProperty("mmap4j.bench.diskDir", System.getProperty("java.io.tmpdir")));
        return Files.createTempDirectory(disk, "mmap4j-bench-" + peer + "-");
    }

    /** A copy of {@code length} bytes of every trial file's content at {@code pos}. */
    static byte[] content(int pos, int length) {
        return Arrays.copyOfRange(CONTENT, pos, pos + length);
    }

    /**
     * Deletes a trial file: from {@link #create}, {@link #createZeroed}, or one a benchmark made
     * itself. A file already gone is fine.
     */
    public static void delete(Path file) throws IOException {
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }

    /** Deletes a directory made by {@link #createDirectory} and the files in it. */
    public static void deleteDirectory(Path directory) throws IOException {
        if (directory == null) {
            return;
        }
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(file);
            }
        }
        Files.deleteIfExists(directory);
    }

    /** The directory trial files go to: {@code -Dmmap4j.bench.dir}, else {@code /dev/shm}, else the temporary directory. */
    public static Path directory() {
        String chosen = System.getProperty("mmap4j.bench.dir");
        if (chosen != null) {
            return Path.of(chosen);
        }
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }
}
