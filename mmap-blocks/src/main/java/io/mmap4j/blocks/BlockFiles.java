package io.mmap4j.blocks;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import io.mmap4j.MMap;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Opening a block storage file, creating it first if it does not exist, so that no process ever
 * maps a half-written header: a new file is written whole under a temporary name beside it, forced,
 * and then given its name by a hard link, which is atomic and refused if the name exists. The
 * loser of a race between two creators drops its temporary file and opens the winner's.
 */
final class BlockFiles {
    /** Give up if the file keeps vanishing between being created and being opened. */
    private static final int MAX_ATTEMPTS = 8;

    private BlockFiles() {
    }

    static MMap openOrCreate(Path path, int blockSize, long groups) throws IOException {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            try {
                return MMap.open(path, READ, WRITE);
            } catch (NoSuchFileException e) {
                create(path, blockSize, groups);
            }
        }
        throw new FileSystemException(path.toString(), null, "the block storage file vanished " + MAX_ATTEMPTS
                + " times between being created and being opened: is another process deleting it?");
    }

    /**
     * Maps the file anew if its header counts more groups than the mapping holds: another process
     * may have grown it between the {@code mmap} and the read of the header. A file that is still
     * too short after that is left for the header check to report.
     */
    static void coverPublishedGroups(MMap map) throws IOException {
        MemorySegment file = map.segment();
        if (file.byteSize() < BlockFormat.HEADER_FIELDS_END) {
            return;
        }
        int blockSize = file.get(BlockFormat.INT, BlockFormat.AT_BLOCK_SIZE);
        long groups = (long) BlockTree.WORD.getAcquire(file, BlockFormat.AT_GROUPS);
        if (blockSize >= BlockFormat.MIN_BLOCK_SIZE && blockSize <= BlockFormat.MAX_BLOCK_SIZE && groups >= 1
                && groups <= BlockFormat.MAX_GROUPS && file.byteSize() < BlockFormat.fileSize(blockSize, groups)) {
            map.refresh(); // growth extends the file before it publishes the count, so this covers it
        }
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
