package io.mmap4j.counters;

import java.util.Objects;

/**
 * One problem {@link Counters#verify} found in a counters file: where it is and what is wrong
 * there, in the words of the {@link CorruptCountersException} that opening the file would throw.
 *
 * @param offset  the byte offset in the file of the first bad byte or field
 * @param problem what is wrong there
 */
public record CountersProblem(long offset, String problem) {
    /**
     * Checks the components.
     *
     * @param offset  the byte offset, 0 or more
     * @param problem what is wrong, not null
     */
    public CountersProblem {
        if (offset < 0) {
            throw new IllegalArgumentException("offset " + offset + " is negative");
        }
        Objects.requireNonNull(problem, "problem");
    }

    static CountersProblem of(CorruptCountersException e) {
        return new CountersProblem(e.offset(), e.problem());
    }

    /** {@code at byte offset OFFSET: PROBLEM}. */
    @Override
    public String toString() {
        return "at byte offset " + offset + ": " + problem;
    }
}
