package io.mmap4j.store;

import io.mmap4j.CorruptFileException;
import java.io.Serial;
import java.nio.file.Path;

/**
 * A store file failed a check when it was opened: wrong magic or version, a length or offset that
 * contradicts the header, a truncated region. The message and the file's fate are those of
 * {@link CorruptFileException}: the file is left exactly as found.
 *
 * <p>Damage that only a read can find (a record pointing outside its region, a checksum that does
 * not match) is reported by that read as a {@link CorruptEntryException}, which is unchecked.
 */
public final class CorruptStoreException extends CorruptFileException {
    @Serial
    private static final long serialVersionUID = 1L;

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
        super(file, "store", offset, field, found, expected);
    }
}
