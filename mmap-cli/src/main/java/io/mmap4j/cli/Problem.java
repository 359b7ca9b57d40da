package io.mmap4j.cli;

import java.util.Objects;

/**
 * One problem {@code verify} found, in the form common to every file type: where it is and what is
 * wrong there, as the store's own {@code verify} reported it.
 *
 * @param location the file of a store of several files, or the entry of a store of entries, that
 *                 holds the problem; null in a store of one file
 * @param offset   the byte offset in the file; -1 where the store names an entry rather than bytes
 * @param text     what is wrong there, as read from the store's report (not yet escaped)
 */
record Problem(String location, long offset, String text) {
    Problem {
        Objects.requireNonNull(text, "text");
        if (offset < -1) {
            throw new IllegalArgumentException("offset " + offset + ", expected -1 (none) or more");
        }
    }

    /** A problem at {@code offset} of a store of one file. */
    static Problem at(long offset, String text) {
        return new Problem(null, offset, text);
    }

    /** A field at {@code offset} that holds {@code found} where the format expects {@code expected}, as the stores word it. */
    static Problem at(long offset, String field, String found, String expected) {
        return in(null, offset, field, found, expected);
    }

    /** The same, in the file {@code location} of a store of several files. */
    static Problem in(Object location, long offset, String field, String found, String expected) {
        return new Problem(location == null ? null : location.toString(), offset,
                field + " is " + found + ", expected " + expected);
    }

    /** As {@code verify} prints it: {@code [LOCATION: ][at byte offset N: ]TEXT}, as the stores word theirs. */
    @Override
    public String toString() {
        return (location == null ? "" : location + ": ") + (offset < 0 ? "" : "at byte offset " + offset + ": ") + text;
    }
}
