package io.mmap4j.queue;

import io.mmap4j.CorruptFileException;
import java.io.Serial;
import java.nio.file.Path;

/**
 * A queue file is damaged: a header field that is not what the format allows, a file shorter than
 * its header says, a record whose checksum or length is wrong. The message and the file's fate are
 * those of {@link CorruptFileException}: {@link MappedQueue#open} refuses it as found, and a
 * damaged record is skipped by the rule of {@link MappedQueue} ("Damage"), never delivered.
 *
 * <p>Found when a queue is opened, this is thrown as is. Found by a poll or peek, it is thrown
 * wrapped in an {@link java.io.UncheckedIOException}.
 */
public final class CorruptQueueException extends CorruptFileException {
    @Serial
    private static final long serialVersionUID = 1L;

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
        super(file, "queue", offset, field, found, expected);
    }
}
