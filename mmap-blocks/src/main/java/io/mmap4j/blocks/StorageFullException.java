package io.mmap4j.blocks;

import java.io.IOException;
import java.io.Serial;
import java.nio.file.Path;

/**
 * A block could not be stored because the storage holds the most blocks its format allows
 * ({@value BlockFormat#MAX_BLOCKS}), every one of them allocated: emmap's {@code {error, full}}.
 * A file system that refuses to grow the file is an ordinary {@link IOException} instead.
 */
public final class StorageFullException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Reports a full storage.
     *
     * @param file     the storage's file
     * @param capacity the number of blocks it holds, all allocated
     */
    public StorageFullException(Path file, long capacity) {
        super(file + ": block storage full: all " + capacity + " blocks are allocated, and "
                + BlockFormat.MAX_BLOCKS + " is the most a storage holds");
    }
}
