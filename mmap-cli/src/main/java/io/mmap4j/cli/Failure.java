package io.mmap4j.cli;

import java.io.Serial;

/**
 * A command could not do its work, for a reason the operator can act on: a missing file, a file
 * that is not an mmap4j file, a damaged one, a file truncated while being watched. The message is
 * the one line the tool prints; the exit status is 1.
 */
final class Failure extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    Failure(String message) {
        super(message);
    }
}
