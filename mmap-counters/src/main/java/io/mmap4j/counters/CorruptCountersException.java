package io.mmap4j.counters;

import io.mmap4j.CorruptFileException;
import java.io.Serial;
import java.nio.file.Path;

/**
 * A file is not a valid counters file: wrong magic or version, truncated, a field out of range,
 * an index entry or record that contradicts the rest. The message says what is wrong and at which
 * byte offset, in words: {@link #field()} is null. As with every {@link CorruptFileException}, the
 * file is left exactly as found.
 *
 * <p>Found when a file is opened, this is thrown as is. Found later, by a lookup that meets a
 * corrupt index entry or record written after the open, it is thrown wrapped in an
 * {@link java.io.UncheckedIOException}.
 */
public final class CorruptCountersException extends CorruptFileException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Reports a problem at one place in a file; the message names the file, the offset and the problem.
     *
     * @param file    the counters file
     * @param offset  the byte offset in the file of the first bad byte or field
     * @param problem what is wrong there
     */
    public CorruptCountersException(Path file, long offset, String problem) {
        // a problem in words, not one field: field() is null
        super(file, offset, null, problem, file + ": corrupt counters file at byte offset " + offset + ": ");
    }
}
