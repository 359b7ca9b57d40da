package io.mmap4j.cli;

import java.util.List;
import java.util.Map;

/**
 * Writes the JSON of {@code --json} (RFC 8259), one value on one line: a {@link Map} with string
 * keys is an object (in the map's order), a {@link List} an array, a {@link String} a string,
 * {@link Long}, {@link Integer} and finite {@link Double} values numbers, {@link Boolean} a
 * boolean, and {@code null} (or a rate that cannot be computed, NaN) null.
 *
 * <p>Strings are escaped as JSON requires, and also every character that {@link Terminal} would
 * escape, as {@code \}{@code uHHHH}: the line stays valid JSON that decodes to exactly the name
 * in the file, and printed raw it cannot drive a terminal.
 */
final class Json {
    private final Terminal terminal;

    Json(Terminal terminal) {
        this.terminal = terminal;
    }

    /** {@code value} as one line of JSON. */
    String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out);
        return out.toString();
    }

    private void write(Object value, StringBuilder out) {
        switch (value) {
            case null -> out.append("null");
            case String s -> string(s, out);
            case Double d -> out.append(d.isNaN() || d.isInfinite() ? "null" : d.toString());
            case Long _, Integer _, Boolean _ -> out.append(value);
            case Map<?, ?> map -> {
                out.append('{');
                String comma = "";
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    out.append(comma);
                    string((String) e.getKey(), out);
                    out.append(':');
                    write(e.getValue(), out);
                    comma = ",";
                }
                out.append('}');
            }
            case List<?> list -> {
                out.append('[');
                String comma = "";
                for (Object element : list) {
                    out.append(comma);
                    write(element, out);
                    comma = ",";
                }
                out.append(']');
            }
            default -> throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
        }
    }

    private void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    int codePoint = Character.isHighSurrogate(c) && i + 1 < s.length() ? s.codePointAt(i) : c;
                    if (terminal.carries(codePoint)) {
                        out.appendCodePoint(codePoint);
                        i += Character.charCount(codePoint) - 1;
                    } else {
                        out.append(String.format("\\u%04x", (int) c)); // a pair's low half follows on its own
                    }
                }
            }
        }
        out.append('"');
    }
}
