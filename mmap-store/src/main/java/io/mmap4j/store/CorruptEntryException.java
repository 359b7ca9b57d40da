package io.mmap4j.store;

import java.io.Serial;
import java.nio.file.Path;

/**
 * A read met damage that opening the store could not see: a record that points outside its
 * region, a length past the end of the file, a checksum that does not match. The message names
 * the file, the byte offset and what is wrong there. The store returns nothing from the damaged
 * record and changes nothing on disk; other records stay readable.
 *
 * <p>Unchecked, because it is found by methods ({@code get}, iteration) that a user calls on the
 * hot path and that cannot fail on an intact file.
 */
public final class CorruptEntryException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;

    /**
     * Reports damage at one place in a file.
     *
     * @param file    the store's file
     * @param offset  the byte offset in the file of the damaged record or field
     * @param problem what is wrong there
     */
    public CorruptEntryException(Path file, long offset, String problem) {
        super(file + ": corrupt entry at byte offset " + offset + ": " + problem);
        this.file = file;
        this.offset = offset;
    }

    /**
     * The store's file.
     *
     * @return the file, or null in a deserialized copy (the path is not serialized)
     */
    public Path file() {
        return file;
    }

    /**
     * The byte offset of the damaged record or field.
     *
     * @return the offset, in bytes from the start of the file
     */
    public long offset() {
        return offset;
    }
}
