package io.mmap4j.blocks;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import io.mmap4j.MMap;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Opening a block storage file, creating it first if it does not exist, so that no process ever
 * maps a half-written header: a new file is written whole under a temporary name beside it, forced,
 * and then given its name by a hard link, which is atomic and refused if the name exists. The
 * loser of a race between two creators drops its temporary file and opens the winner's.
 */
final class BlockFiles {
    private static final long PAGE = BlockFormat.PAGE;
    /** Give up if the file keeps vanishing between being created and being opened. */
    private static final int MAX_ATTEMPTS = 8;

    private BlockFiles() {
    }

    static BlockFile openOrCreate(Path path, int blockSize, long groups) throws IOException {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            try {
                return BlockFile.open(path, true);
            } catch (NoSuchFileException e) {
                create(path, blockSize, groups);
            }
        }
        throw new FileSystemException(path.toString(), null, "the block storage file vanished " + MAX_ATTEMPTS
                + " times between being created and being opened: is another process deleting it?");
    }

    /** How often a header check is repeated while other processes keep growing the file under it. */
    private static final int MAX_RECHECKS = 16;

    /**
     * Checks the header of the mapped file, as {@link BlockFormat#checkHeader}, after mapping the
     * file anew whenever its header counts more groups than the mapping holds: another process
     * may grow it (even several times) between the {@code mmap} and the read of the header.
     * Growth extends the file before it publishes the count, so a file that stays too short over
     * a fresh mapping is damage.
     */
    static List<BlockStorage.Problem> checkHeader(BlockFile map) throws IOException {
        List<BlockStorage.Problem> problems = BlockFormat.checkHeader(map.segment());
        for (int attempt = 0; attempt < MAX_RECHECKS && !problems.isEmpty()
                && problems.getFirst().field().equals("file length") && map.segment().byteSize() >= PAGE; attempt++) {
            long before = map.segment().byteSize();
            if (map.refresh().byteSize() == before) {
                break; // the file did not grow: the length is what it is
            }
            problems = BlockFormat.checkHeader(map.segment());
        }
        return problems;
    }

    private static void create(Path path, int blockSize, long groups) throws IOException {
        Path absolute = path.toAbsolutePath();
        Path temp = absolute.resolveSibling("." + absolute.getFileName() + ".blocks-" + ProcessHandle.current().pid()
                + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            try (MMap map = MMap.open(temp, BlockFormat.fileSize(blockSize, groups), CREATE_NEW, READ, WRITE)) {
                BlockFormat.writeHeader(map.segment(), blockSize, groups);
                map.force(); // before the link: the name must never point at an unwritten header
            }
            try {
                Files.createLink(absolute, temp);
            } catch (FileAlreadyExistsException e) {
                // another process created it first; its file was complete when it got its name
            } catch (UnsupportedOperationException e) {
                throw new FileSystemException(path.toString(), temp.toString(), "cannot create a block storage"
                        + " file: that needs a hard link (atomic, refused if the name exists), which this file"
                        + " system does not support");
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
