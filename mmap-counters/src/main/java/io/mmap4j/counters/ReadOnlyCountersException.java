package io.mmap4j.counters;

import java.io.Serial;
import java.nio.ReadOnlyBufferException;

/** A {@link ReadOnlyBufferException} that says which file and counter refused the write; the JDK's has no message. */
final class ReadOnlyCountersException extends ReadOnlyBufferException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String message;

    ReadOnlyCountersException(String message) {
        this.message = message;
    }

    @Override
    public String getMessage() {
        return message;
    }
}
