package io.mmap4j;

import java.io.Serial;
import java.nio.ReadOnlyBufferException;

/**
 * A write to read-only mapped memory: a {@link ReadOnlyBufferException} (catch that one) whose
 * message says which map refused the write and why. The JDK's own carries no message.
 *
 * <p>Thrown by every method of {@link MMap} that writes, resizes or opens an output stream when
 * the map is read-only, and by the counters module when a counters file opened read-only would be
 * written. A write through a view of a read-only map is refused by the view itself, with the JDK's
 * own exception. Nothing on the success path builds one: its message is composed only once a write
 * has been refused.
 */
public final class ReadOnlyMapException extends ReadOnlyBufferException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String message;

    /**
     * An exception with this message.
     *
     * @param message what refused the write, and how to get a writable map
     */
    public ReadOnlyMapException(String message) {
        this.message = message;
    }

    @Override
    public String getMessage() {
        return message;
    }
}
