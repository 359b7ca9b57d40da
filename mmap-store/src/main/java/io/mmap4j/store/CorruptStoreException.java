package io.mmap4j.store;

import java.io.IOException;
import java.io.Serial;
import java.nio.file.Path;

/**
 * A store file failed a check when it was opened: wrong magic or version, a length or offset that
 * contradicts the header, a truncated region. The message names the file, the byte offset, the
 * field, the value found and what was expected. The library never repairs or resets such a file;
 * it is left exactly as found.
 *
 * <p>Damage that only a read can find (a record pointing outside its region, a checksum that does
 * not match) is reported by that read as a {@link CorruptEntryException}, which is unchecked.
 */
public final class CorruptStoreException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;
    private final String field;

    /**
     * Reports one bad field.
     *
     * @param file     the store's file
     * @param offset   the byte offset of the field in the file
     * @param field    the field's name, as the format document spells it
     * @param found    the value found, as text
     * @param expected what the format allows there, as text
     */
    public CorruptStoreException(Path file, long offset, String field, String found, String expected) {
        super(file + ": corrupt store at byte offset " + offset + ": " + field + " is " + found
                + ", expected " + expected);
        this.file = file;
        this.offset = offset;
        this.field = field;
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
     * The byte offset of the bad field.
     *
     * @return the offset, in bytes from the start of the file
     */
    public long offset() {
        return offset;
    }

    /**
     * The bad field's name, as the format document spells it.
     *
     * @return the field's name
     */
    public String field() {
        return field;
    }
}
