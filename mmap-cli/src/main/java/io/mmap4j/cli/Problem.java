package io.mmap4j.cli;

import java.util.Objects;

/**
 * One problem {@code verify} found, in the form common to every file type: where it is and what is
 * wrong there, as the store's own {@code verify} reported it.
 *
 * @param offset the byte offset in the file
 * @param text   what is wrong there, as read from the store's report (not yet escaped)
 */
record Problem(long offset, String text) {
    Problem {
        Objects.requireNonNull(text, "text");
    }
}
