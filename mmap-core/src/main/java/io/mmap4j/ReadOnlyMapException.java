package io.mmap4j;

import java.io.Serial;
import java.nio.ReadOnlyBufferException;

/** A {@link ReadOnlyBufferException} that says which map refused the write; the JDK's has no message. */
final class ReadOnlyMapException extends ReadOnlyBufferException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String message;

    ReadOnlyMapException(String message) {
        this.message = message;
    }

    @Override
    public String getMessage() {
        return message;
    }
}
