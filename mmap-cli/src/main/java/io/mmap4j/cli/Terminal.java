package io.mmap4j.cli;

import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Text read from a file, made safe and aligned for the operator's terminal.
 *
 * <p>Names, keys and paths come from files that any process may have written. A counter name may
 * hold a newline, which would break a row, or an escape sequence, which would drive the terminal:
 * move the cursor, rewrite what is shown, retitle the window. {@link #escape} turns every such
 * character into a visible escape, so what is printed is exactly one row and says exactly what the
 * file holds:
 * <ul>
 * <li>{@code \} becomes {@code \\}, so an escape can always be told from the same characters in a name;</li>
 * <li>newline, carriage return and tab become {@code \n}, {@code \r} and {@code \t};</li>
 * <li>every other control character (C0, DEL, C1, which holds the one-byte CSI) becomes {@code \xHH};</li>
 * <li>the line and paragraph separators and the bidirectional-text controls (which reorder what follows
 *     them on the line, so that a row would read other than it is) become <code>&#92;u{HHHH}</code>;</li>
 * <li>a character the output's encoding cannot carry becomes <code>&#92;u{HHHH}</code> rather than a
 *     {@code ?} that would hide it.</li>
 * </ul>
 *
 * <p>{@link #width} is the number of terminal columns a string takes, as {@code wcwidth} counts
 * them: 2 for East Asian wide and full-width characters and emoji, 0 for combining marks and
 * invisible format characters, 1 for the rest; {@link #padEnd} and {@link #padStart} align on it.
 */
final class Terminal {
    /**
     * Code point ranges, first and last, that a terminal shows two columns wide: East Asian Wide and
     * Fullwidth (Unicode's EastAsianWidth.txt) and emoji shown as pictures by default, after
     * Markus Kuhn's {@code wcwidth} with the emoji blocks added since. Sorted.
     */
    private static final int[] WIDE = {
        0x1100, 0x115F, 0x231A, 0x231B, 0x2329, 0x232A, 0x23E9, 0x23EC, 0x23F0, 0x23F0, 0x23F3, 0x23F3,
        0x25FD, 0x25FE, 0x2614, 0x2615, 0x2648, 0x2653, 0x267F, 0x267F, 0x2693, 0x2693, 0x26A1, 0x26A1,
        0x26AA, 0x26AB, 0x26BD, 0x26BE, 0x26C4, 0x26C5, 0x26CE, 0x26CE, 0x26D4, 0x26D4, 0x26EA, 0x26EA,
        0x26F2, 0x26F3, 0x26F5, 0x26F5, 0x26FA, 0x26FA, 0x26FD, 0x26FD, 0x2705, 0x2705, 0x270A, 0x270B,
        0x2728, 0x2728, 0x274C, 0x274C, 0x274E, 0x274E, 0x2753, 0x2755, 0x2757, 0x2757, 0x2795, 0x2797,
        0x27B0, 0x27B0, 0x27BF, 0x27BF, 0x2B1B, 0x2B1C, 0x2B50, 0x2B50, 0x2B55, 0x2B55, 0x2E80, 0x303E,
        0x3041, 0x33FF, 0x3400, 0x4DBF, 0x4E00, 0x9FFF, 0xA000, 0xA4CF, 0xA960, 0xA97F, 0xAC00, 0xD7A3,
        0xF900, 0xFAFF, 0xFE10, 0xFE19, 0xFE30, 0xFE6F, 0xFF00, 0xFF60, 0xFFE0, 0xFFE6, 0x16FE0, 0x16FE4,
        0x17000, 0x18AFF, 0x1B000, 0x1B2FF, 0x1F004, 0x1F004, 0x1F0CF, 0x1F0CF, 0x1F18E, 0x1F18E,
        0x1F191, 0x1F19A, 0x1F200, 0x1F251, 0x1F300, 0x1F64F, 0x1F680, 0x1F6FF, 0x1F7E0, 0x1F7EB,
        0x1F90C, 0x1F9FF, 0x1FA70, 0x1FAFF, 0x20000, 0x2FFFD, 0x30000, 0x3FFFD,
    };

    private final CharsetEncoder encoder;

    /**
     * A terminal whose output is encoded with {@code charset}.
     *
     * @param charset the encoding of the output, e.g. {@code System.out.charset()}
     */
    Terminal(Charset charset) {
        this.encoder = charset.newEncoder();
    }

    /** {@code text} with every character a terminal would act on, or the output cannot carry, escaped (see above). */
    String escape(String text) {
        StringBuilder escaped = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            switch (c) {
                case '\\' -> escaped.append("\\\\");
                case '\n' -> escaped.append("\\n");
                case '\r' -> escaped.append("\\r");
                case '\t' -> escaped.append("\\t");
                default -> {
                    if (isControl(c)) {
                        escaped.append("\\x").append(HexFormat.of().toHexDigits((byte) c));
                    } else if (!carries(c)) {
                        escaped.append("\\u{").append(Integer.toHexString(c)).append('}');
                    } else {
                        escaped.appendCodePoint(c);
                    }
                }
            }
        });
        return escaped.toString();
    }

    /** Whether {@code c} can be printed as is: neither acted on by a terminal nor beyond the output's encoding. */
    boolean carries(int c) {
        return !isControl(c) && !reorders(c) && encoder.canEncode(Character.toString(c));
    }

    /** The columns {@code text} takes on a terminal; text already {@linkplain #escape escaped}. */
    static int width(String text) {
        return text.codePoints().map(Terminal::width).sum();
    }

    /** {@code text} followed by spaces up to {@code columns} columns. */
    static String padEnd(String text, int columns) {
        return text + " ".repeat(Math.max(0, columns - width(text)));
    }

    /** Spaces, then {@code text}, to {@code columns} columns. */
    static String padStart(String text, int columns) {
        return " ".repeat(Math.max(0, columns - width(text))) + text;
    }

    private static int width(int c) {
        int type = Character.getType(c);
        if (type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK || type == Character.FORMAT
                || (c >= 0x1160 && c <= 0x11FF)) { // Hangul medial vowels and final consonants join the syllable
            return 0;
        }
        int i = Arrays.binarySearch(WIDE, c);
        // Found: c is a first or a last of a range. Not found: inside a range when the insertion point is odd.
        return i >= 0 || (-i - 1) % 2 == 1 ? 2 : 1;
    }

    private static boolean isControl(int c) {
        return c < 0x20 || (c >= 0x7F && c <= 0x9F);
    }

    /** Line and paragraph separators, and the controls that reorder bidirectional text. */
    private static boolean reorders(int c) {
        return c == 0x2028 || c == 0x2029 || c == 0x061C || c == 0x200E || c == 0x200F
                || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
    }
}
