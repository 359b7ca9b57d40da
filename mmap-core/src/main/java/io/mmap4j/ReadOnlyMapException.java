package io.mmap4j;

import java.io.Serial;
import java.nio.ReadOnlyBufferException;

/**
 * A write to read-only mapped memory: a {@link ReadOnlyBufferException} (catch that one) whose
 * message says which map refused the write and why. The JDK's own carries no message.
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
