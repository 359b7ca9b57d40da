package io.mmap4j.blocks;

import io.mmap4j.CorruptFileException;
import java.io.Serial;
import java.nio.file.Path;

/**
 * A block storage file failed a check: a wrong magic, version or block size, a group count the
 * file is too short for, a published flag that is neither 0 nor 1. The message and the file's fate
 * are those of {@link CorruptFileException}: the file is left as found
 * ({@link BlockStorage#repair()} only rebuilds the hints, which are derived data).
 *
 * <p>{@link BlockStorage#open} throws it for a bad header. Damage found later, by a read, a write
 * or a free of one block, comes wrapped in an {@link java.io.UncheckedIOException}, since those
 * methods do no I/O of their own.
 */
public final class CorruptBlockStorageException extends CorruptFileException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Reports one bad field.
     *
     * @param file     the storage's file
     * @param offset   the byte offset of the field in the file
     * @param field    the field's name, as {@code docs/blocks-format.md} spells it
     * @param found    the value found, as text
     * @param expected what the format allows there, as text
     */
    public CorruptBlockStorageException(Path file, long offset, String field, String found, String expected) {
        super(file, "block storage", offset, field, found, expected);
    }
}
