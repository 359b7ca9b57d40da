package io.mmap4j.counters;

import java.io.IOException;
import java.io.Serial;
import java.nio.file.Path;

/**
 * A file is not a valid counters file: wrong magic or version, truncated, a field out of range,
 * an index entry or record that contradicts the rest. The message says what is wrong and at which
 * byte offset. The library never repairs or resets such a file; it is left exactly as found.
 *
 * <p>Found when a file is opened, this is thrown as is. Found later, by a lookup that meets a
 * corrupt index entry or record written after the open, it is thrown wrapped in an
 * {@link java.io.UncheckedIOException}.
 */
public final class CorruptCountersException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    /** The byte offset of the first bad byte or field; serialized, unlike the file. */
    private final long offset;
    private final String problem;

    /**
     * Reports a problem at one place in a file; the message names the file, the offset and the problem.
     *
     * @param file    the counters file
     * @param offset  the byte offset in the file of the first bad byte or field
     * @param problem what is wrong there
     */
    public CorruptCountersException(Path file, long offset, String problem) {
        super(file + ": corrupt counters file at byte offset " + offset + ": " + problem);
        this.file = file;
        this.offset = offset;
        this.problem = problem;
    }

    /** The problem without the file and offset, for {@link Counters#verify}. */
    String problem() {
        return problem;
    }

    /**
     * The counters file.
     *
     * @return the file, or null in a deserialized copy (the path is not serialized)
     */
    public Path file() {
        return file;
    }

    /**
     * The byte offset in the file of the first bad byte or field.
     *
     * @return the offset, in bytes from the start of the file
     */
    public long offset() {
        return offset;
    }
}
