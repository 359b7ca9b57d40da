package io.mmap4j.cli;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TerminalTest {
    private final Terminal utf8 = new Terminal(UTF_8);
    private final Terminal ascii = new Terminal(US_ASCII);

    @Test
    void controlCharactersBecomeVisibleEscapes() {
        assertEquals("a\\nb\\rc\\td", utf8.escape("a\nb\rc\td"));
        assertEquals("\\x1b[2J\\x1b]0;title\\x07", utf8.escape("\u001b[2J\u001b]0;title\u0007")); // clear screen, retitle
        assertEquals("\\x00\\x1f\\x7f", utf8.escape("\u0000\u001f\u007f"));
        assertEquals("\\x9b31m\\x85", utf8.escape("\u009b31m\u0085")); // C1: the one-byte CSI, next line
        assertEquals("back\\\\slash \\\\n", utf8.escape("back\\slash \\n"), "a backslash is never mistaken for an escape");
    }

    @Test
    void separatorsAndBidirectionalControlsAreEscaped() {
        assertEquals("a\\u{2028}b\\u{2029}", utf8.escape("a\u2028b\u2029"));
        assertEquals("x\\u{202e}lmth.exe\\u{2066}\\u{2069}\\u{200f}\\u{61c}", utf8.escape("x\u202Elmth.exe\u2066\u2069\u200F\u061C"));
    }

    @Test
    void printableTextIsLeftAsItIsWhereTheOutputCanCarryIt() {
        assertEquals("名前.ü 🚀 e\u0301 a\u200Db", utf8.escape("名前.ü 🚀 e\u0301 a\u200Db"));
        assertEquals("\\u{540d}\\u{524d}.\\u{fc} \\u{1f680}", ascii.escape("名前.ü 🚀"), "not as ?");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "abc          | 3",
        "名前         | 4",
        "ｱｲ全角       | 6",  // half-width katakana 1 each, full-width 2
        "한국어        | 6",
        "🚀.x         | 4",
        "e\u0301      | 1",  // a combining accent takes no column
        "a\u200Bb     | 2",  // zero-width space
        "\u1100\u1161 | 2",  // a Hangul syllable from jamo: the vowel joins it
        "⌚✅          | 4",
        "\u00e9\u00df | 2"})
    void widthCountsTerminalColumns(String text, int columns) {
        assertEquals(columns, Terminal.width(text));
    }

    @Test
    void padsToColumnsNotCharacters() {
        assertEquals("名前  |", Terminal.padEnd("名前", 6) + "|");
        assertEquals("  🚀|", Terminal.padStart("🚀", 4) + "|");
        assertEquals("toolong|", Terminal.padEnd("toolong", 3) + "|");
    }
}
