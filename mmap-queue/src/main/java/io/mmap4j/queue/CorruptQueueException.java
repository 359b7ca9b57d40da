package io.mmap4j.queue;

import java.io.IOException;
import java.io.Serial;
import java.nio.file.Path;

/**
 * A queue file is damaged: a header field that is not what the format allows, a file shorter than
 * its header says, a record whose checksum or length is wrong. The message names the file, the
 * byte offset, the field, the value found and what was expected. The library never repairs or
 * resets such a file: {@link MappedQueue#open} refuses it as found, and a damaged record is
 * skipped by the rule of {@link MappedQueue} ("Damage"), never delivered.
 *
 * <p>Found when a queue is opened, this is thrown as is. Found by a poll or peek, it is thrown
 * wrapped in an {@link java.io.UncheckedIOException}.
 */
public final class CorruptQueueException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;
    private final String field;

    /**
     * Reports one bad field or record.
     *
     * @param file     the queue's file
     * @param offset   the byte offset of the field or record in the file
     * @param field    what is there, as {@code docs/queue-format.md} names it
     * @param found    the value found, as text
     * @param expected what the format allows there, as text
     */
    public CorruptQueueException(Path file, long offset, String field, String found, String expected) {
        super(file + ": corrupt queue at byte offset " + offset + ": " + field + " is " + found
                + ", expected " + expected);
        this.file = file;
        this.offset = offset;
        this.field = field;
    }

    /**
     * The queue's file.
     *
     * @return the file, or null in a deserialized copy (the path is not serialized)
     */
    public Path file() {
        return file;
    }

    /**
     * The byte offset of the bad field or record.
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
