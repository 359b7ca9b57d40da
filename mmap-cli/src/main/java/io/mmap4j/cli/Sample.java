package io.mmap4j.cli;

import java.util.List;
import java.util.Objects;

/**
 * One look at a file, as {@code stat} prints it: its figures, and the rows of its named items if
 * the file holds any (a counters file's counters).
 *
 * @param figures the file's figures, in the order printed
 * @param rows    its named items, in id order; empty for files without any
 */
record Sample(List<Figure> figures, List<Row> rows) {
    Sample {
        figures = List.copyOf(figures);
        rows = List.copyOf(rows);
    }

    /**
     * A figure of a file.
     *
     * @param label its name as printed, lower case words ("bytes used"); the JSON key is its camel
     *              case form ("bytesUsed")
     * @param value a {@link Long}, a {@link Double} or a {@link String}
     * @param rated whether {@code stat} also shows its change per second (a {@link Long} that grows)
     */
    record Figure(String label, Object value, boolean rated) {
        Figure {
            Objects.requireNonNull(label, "label");
            if (!(value instanceof Long || value instanceof Double || value instanceof String)) {
                throw new IllegalArgumentException("figure " + label + " has a value of " + value
                        + ", expected a Long, Double or String");
            }
            if (rated && !(value instanceof Long)) {
                throw new IllegalArgumentException("figure " + label + " is rated but not a whole number: " + value);
            }
        }

        /** A whole number. */
        static Figure of(String label, long value) {
            return new Figure(label, value, false);
        }

        /** A whole number that {@code stat} also shows per second. */
        static Figure rated(String label, long value) {
            return new Figure(label, value, true);
        }

        /** The JSON key: the label in camel case. */
        String key() {
            String[] words = label.split(" ");
            StringBuilder key = new StringBuilder(words[0]);
            for (int i = 1; i < words.length; i++) {
                key.append(Character.toUpperCase(words[i].charAt(0))).append(words[i], 1, words[i].length());
            }
            return key.toString();
        }
    }

    /**
     * A named item of a file, whose value {@code stat} also shows per second.
     *
     * @param id    its id, the same in every sample
     * @param name  its name, as read from the file (not yet escaped)
     * @param value its value
     */
    record Row(long id, String name, long value) {
        Row {
            Objects.requireNonNull(name, "name");
        }
    }
}
