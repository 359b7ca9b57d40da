package io.mmap4j.blocks;

import java.io.IOException;
import java.io.Serial;
import java.nio.file.Path;

/**
 * A block storage file failed a check: a wrong magic, version or block size, a group count the
 * file is too short for, a published flag that is neither 0 nor 1. The message names the file,
 * the byte offset, the field, the value found and what was expected. The library never resets
 * such a file; it is left as found ({@link BlockStorage#repair()} only rebuilds the hints, which
 * are derived data).
 *
 * <p>{@link BlockStorage#open} throws it for a bad header. Damage found later, by a read, a write
 * or a free of one block, comes wrapped in an {@link java.io.UncheckedIOException}, since those
 * methods do no I/O of their own.
 */
public final class CorruptBlockStorageException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;
    private final String field;

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
        super(file + ": corrupt block storage at byte offset " + offset + ": " + field + " is " + found
                + ", expected " + expected);
        this.file = file;
        this.offset = offset;
        this.field = field;
    }

    /**
     * The storage's file.
     *
     * @return the file, or null in a deserialized copy (the path is not serialized)
     */
    public Path file() {
        return file;
    }

    /**
     * The byte offset of the bad field.
     *
     * @return the offset, in bytes from the start of the file
     */
    public long offset() {
        return offset;
    }

    /**
     * The bad field's name, as {@code docs/blocks-format.md} spells it.
     *
     * @return the field's name
     */
    public String field() {
        return field;
    }
}
