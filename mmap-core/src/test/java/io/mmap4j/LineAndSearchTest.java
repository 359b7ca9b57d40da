package io.mmap4j;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_16;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.NonReadableChannelException;
import java.nio.charset.Charset;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Spliterator;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MappedChannel#readLine}, the line spliterator of {@link MappedFiles#lines} and
 * {@link MMap#indexOf}/{@link MMap#lastIndexOf}: the named edge cases, then every short input
 * checked against {@link BufferedReader} and a naive search, so that each byte position of the
 * eight-byte scanning loops and their tails is covered.
 */
class LineAndSearchTest {
    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    /** A map over exactly {@code content}, in native memory. */
    private static MMap mapOf(Arena arena, byte[] content) {
        MemorySegment segment = arena.allocate(Math.max(1, content.length)).asSlice(0, content.length);
        MemorySegment.copy(content, 0, segment, JAVA_BYTE, 0, content.length);
        return MMap.wrap(segment);
    }

    private static List<String> readLines(MappedChannel channel, Charset charset) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String line; (line = channel.readLine(charset)) != null; ) {
            lines.add(line);
        }
        assertNull(channel.readLine(charset), "the end stays the end");
        return lines;
    }

    private static List<String> bufferedReaderLines(String text) throws IOException {
        return new BufferedReader(new StringReader(text)).lines().toList();
    }

    // ---------------------------------------------------------------------------------------------
    // readLine: named cases

    @Test
    void anEmptyFileHasNoLines() throws IOException {
        Path p = dir.resolve("empty");
        Files.createFile(p);
        try (MMap map = MMap.open(p, READ); MappedChannel channel = map.channel()) {
            assertNull(channel.readLine());
            assertEquals(-1, map.indexOf(bytes("a")));
            assertEquals(0, map.indexOf(new byte[0]), "the empty pattern is found at from, as in Python");
            assertEquals(0, map.lastIndexOf(new byte[0]));
        }
    }

    @Test
    void theLastLineNeedsNoNewline() throws IOException {
        try (Arena arena = Arena.ofConfined(); MMap map = mapOf(arena, bytes("a\nb")); MappedChannel ch = map.channel()) {
            assertEquals("a", ch.readLine());
            assertEquals(2, ch.position());
            assertEquals("b", ch.readLine());
            assertEquals(3, ch.position());
            assertNull(ch.readLine());
        }
    }

    @Test
    void lfCrlfAndLoneCrEndLinesAsInBufferedReader() throws IOException {
        String text = "lf\ncrlf\r\ncr\r\r\n\nlast";
        try (Arena arena = Arena.ofConfined(); MMap map = mapOf(arena, bytes(text)); MappedChannel ch = map.channel()) {
            assertEquals(List.of("lf", "crlf", "cr", "", "", "last"), readLines(ch, UTF_8));
            assertEquals(bufferedReaderLines(text), List.of("lf", "crlf", "cr", "", "", "last"));
        }
    }

    @Test
    void crlfAcrossTheEightByteWordIsOneTerminator() throws IOException {
        for (int at = 0; at < 24; at++) {
            String text = "x".repeat(at) + "\r\n" + "y";
            try (Arena arena = Arena.ofConfined(); MMap map = mapOf(arena, bytes(text)); MappedChannel ch = map.channel()) {
                assertEquals(List.of("x".repeat(at), "y"), readLines(ch, UTF_8), "CRLF at " + at);
            }
        }
    }

    @Test
    void crlfCutByTheEndOfTheMapIsALoneCr() throws IOException {
        Path p = dir.resolve("crlf-cut");
        Files.write(p, bytes("ab\r\ncd"));
        try (MMap prefix = MMap.open(p, 3, READ); MappedChannel ch = prefix.channel()) {
            assertEquals("ab", ch.readLine());
            assertNull(ch.readLine(), "the map ends after the CR; its LF is not in it");
        }
        try (MMap rest = MMap.open(p, 3, 3, READ); MappedChannel ch = rest.channel()) {
            assertEquals("", ch.readLine(), "a map that starts at the LF sees an empty line first");
            assertEquals("cd", ch.readLine());
        }
    }

    @Test
    void aPositionBetweenCrAndLfReadsAnEmptyLine() throws IOException {
        try (Arena arena = Arena.ofConfined(); MMap map = mapOf(arena, bytes("a\r\nb")); MappedChannel ch = map.channel()) {
            ch.position(2);
            assertEquals("", ch.readLine());
            assertEquals("b", ch.readLine());
            ch.position(100);
            assertNull(ch.readLine(), "past the end");
        }
    }

    @Test
    void readLineDecodesInTheCharsetAsked() throws IOException {
        byte[] latin = {'c', 'a', 'f', (byte) 0xE9, '\n', (byte) 0x80, (byte) 0xFF};
        try (Arena arena = Arena.ofConfined(); MMap map = mapOf(arena, latin); MappedChannel ch = map.channel()) {
            assertEquals(List.of("café", "\u0080ÿ"), readLines(ch, ISO_8859_1));
            ch.position(0);
            assertEquals(List.of("café", "€ÿ"), readLines(ch, Charset.forName("windows-1252")));
            ch.position(0);
            MalformedInputException e = assertThrows(MalformedInputException.class, ch::readLine);
            assertEquals("Input length = 1", e.getMessage());
            assertEquals(0, ch.position(), "a line that cannot be decoded is not consumed");
            assertEquals("café", ch.readLine(ISO_8859_1));
            IllegalArgumentException notBytes = assertThrows(IllegalArgumentException.class, () -> ch.readLine(UTF_16));
            assertEquals("readLine needs a charset in which '\\n' and '\\r' are the single bytes 0x0A and 0x0D and those"
                    + " bytes mean nothing else (UTF-8, US-ASCII, ISO-8859-*, ...), not UTF-16; read such text through"
                    + " Channels.newReader(channel, charset)", notBytes.getMessage());
            assertThrows(NullPointerException.class, () -> ch.readLine(null));
        }
    }

    @Test
    void readLineOnAWriteOnlyChannelIsRefused() throws IOException {
        try (MappedChannel ch = MappedFiles.newByteChannel(dir.resolve("write-only"), CREATE, WRITE)) {
            assertThrows(NonReadableChannelException.class, ch::readLine);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // readLine and lines: every short text over the alphabet that matters

    /**
     * Every string of up to 10 characters over {a, CR, LF} (88,573 of them), read with
     * {@link MappedChannel#readLine} and with the spliterator behind {@link MappedFiles#lines},
     * must give the lines BufferedReader gives.
     */
    @Test
    void everyShortTextSplitsAsInBufferedReader() throws IOException {
        char[] alphabet = {'a', '\r', '\n'};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(16);
            for (int length = 0; length <= 10; length++) {
                int count = (int) Math.pow(3, length);
                char[] chars = new char[length];
                for (int n = 0; n < count; n++) {
                    for (int i = 0, rest = n; i < length; i++, rest /= 3) {
                        chars[i] = alphabet[rest % 3];
                    }
                    String text = new String(chars);
                    byte[] content = bytes(text);
                    MemorySegment segment = memory.asSlice(0, content.length);
                    MemorySegment.copy(content, 0, segment, JAVA_BYTE, 0, content.length);
                    List<String> expected = bufferedReaderLines(text);
                    MMap map = MMap.wrap(segment);
                    List<String> viaChannel = readLines(map.channel(), UTF_8);
                    List<String> viaLines = StreamSupport.stream(
                            new LineSpliterator(map, segment, UTF_8, 0, content.length), false).toList();
                    if (!expected.equals(viaChannel) || !expected.equals(viaLines)) {
                        fail("text " + escape(text) + ": BufferedReader " + expected + ", readLine " + viaChannel
                                + ", lines " + viaLines);
                    }
                }
            }
        }
    }

    private static String escape(String text) {
        return "\"" + text.replace("\r", "\\r").replace("\n", "\\n") + "\"";
    }

    @Test
    void splittingLinesCutsOnlyBetweenLines() throws IOException {
        Random random = new Random(11);
        StringBuilder text = new StringBuilder();
        String[] terminators = {"\n", "\r\n", "\r"};
        while (text.length() < 300_000) {
            text.append("z".repeat(random.nextInt(30))).append(terminators[random.nextInt(3)]);
        }
        byte[] content = bytes(text.toString());
        List<String> expected = bufferedReaderLines(text.toString());
        try (Arena arena = Arena.ofConfined(); MMap map = mapOf(arena, content)) {
            // Split as deep as it goes, then read the pieces in order: every line exactly once.
            List<Spliterator<String>> pieces = new ArrayList<>();
            split(new LineSpliterator(map, map.segment(), UTF_8, 0, content.length), pieces);
            List<String> lines = new ArrayList<>();
            pieces.forEach(piece -> piece.forEachRemaining(lines::add));
            assertEquals(expected, lines, "after " + pieces.size() + " pieces");
            assertTrue(pieces.size() > 4, "it did split: " + pieces.size());
        }
    }

    private static void split(Spliterator<String> s, List<Spliterator<String>> pieces) {
        Spliterator<String> prefix = s.trySplit();
        if (prefix == null) {
            pieces.add(s);
            return;
        }
        split(prefix, pieces);
        split(s, pieces);
    }

    // ---------------------------------------------------------------------------------------------
    // indexOf / lastIndexOf: named cases

    @Test
    void aPatternAtTheVeryEndIsFound() {
        byte[] content = bytes("0123456789abcdefghijEND");
        try (Arena arena = Arena.ofConfined(); MMap map = mapOf(arena, content)) {
            long end = content.length - 3;
            assertEquals(end, map.indexOf(bytes("END")));
            assertEquals(end, map.indexOf(bytes("END"), end));
            assertEquals(end, map.lastIndexOf(bytes("END")));
            assertEquals(end, map.indexOf(bytes("D"), content.length - 1) - 2);
            assertEquals(-1, map.indexOf(bytes("END"), 0, content.length - 1), "the range must hold the whole match");
            assertEquals(-1, map.lastIndexOf(bytes("END"), 0, content.length - 1));
        }
    }

    @Test
    void aPatternLongerThanWhatRemainsIsNotFound() {
        byte[] content = bytes("abcabc");
        try (Arena arena = Arena.ofConfined(); MMap map = mapOf(arena, content)) {
            assertEquals(-1, map.indexOf(bytes("abc"), 4));
            assertEquals(-1, map.indexOf(bytes("abcabcX")));
            assertEquals(-1, map.lastIndexOf(bytes("abcabcX")));
            assertEquals(-1, map.lastIndexOf(bytes("abc"), 1, 3));
            assertEquals(3, map.indexOf(bytes("abc"), 1));
            assertEquals(0, map.lastIndexOf(bytes("abc"), 0, 5));
        }
    }

    @Test
    void theEmptyPatternFollowsPython() {
        try (Arena arena = Arena.ofConfined(); MMap map = mapOf(arena, bytes("abc"))) {
            assertEquals(1, map.indexOf(new byte[0], 1));
            assertEquals(3, map.indexOf(new byte[0], 3), "found at the end, as b'abc'.find(b'', 3)");
            assertEquals(3, map.lastIndexOf(new byte[0]), "rfind of b'' is the end");
            assertEquals(2, map.lastIndexOf(new byte[0], 1, 2));
        }
    }

    @Test
    void searchRangesAreChecked() {
        try (Arena arena = Arena.ofConfined(); MMap map = mapOf(arena, bytes("abcdef"))) {
            String source = "the 6-byte map of wrapped segment " + map.segment();
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> map.indexOf(bytes("a"), 4, 2));
            assertEquals("search range [4, 2) ends before it starts, in the map of wrapped segment " + map.segment(),
                    e.getMessage());
            e = assertThrows(IndexOutOfBoundsException.class, () -> map.lastIndexOf(bytes("a"), 0, 7));
            assertEquals("range [7, 7 + 0) is outside " + source, e.getMessage());
            e = assertThrows(IndexOutOfBoundsException.class, () -> map.indexOf(bytes("a"), 7));
            assertEquals("range [7, 7 + 0) is outside " + source, e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> map.indexOf(bytes("a"), -1, 3));
            assertThrows(NullPointerException.class, () -> map.indexOf(null));
            assertThrows(NullPointerException.class, () -> map.lastIndexOf(null, 0, 1));
        }
    }

    @Test
    void bytesAboveSeventyFAreSearchedExactly() {
        // The eight-byte matcher must not confuse 0x80..0xFF with 0x00..0x7F (sign bits, borrows).
        byte[] content = new byte[64];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (0x80 + i);
        }
        try (Arena arena = Arena.ofConfined(); MMap map = mapOf(arena, content)) {
            for (int i = 0; i < content.length; i++) {
                assertEquals(i, map.indexOf(new byte[] {content[i]}));
                assertEquals(i, map.lastIndexOf(new byte[] {content[i]}));
                assertEquals(-1, map.indexOf(new byte[] {(byte) (content[i] & 0x7F)}));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // indexOf / lastIndexOf against a naive search

    private static long naiveIndexOf(byte[] h, byte[] p, int from, int to) {
        for (int i = from; i + p.length <= to; i++) {
            if (Arrays.equals(h, i, i + p.length, p, 0, p.length)) {
                return i;
            }
        }
        return -1;
    }

    private static long naiveLastIndexOf(byte[] h, byte[] p, int from, int to) {
        for (int i = to - p.length; i >= from; i--) {
            if (Arrays.equals(h, i, i + p.length, p, 0, p.length)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Random texts over two letters (so that partial matches abound) and patterns cut from them or
     * mutated, short ones and long ones (the vectorised compare), in random ranges: the same
     * answers as a naive search.
     */
    @Test
    void searchAgreesWithANaiveSearch() {
        long seed = 20_260_101;
        Random random = new Random(seed);
        try (Arena arena = Arena.ofConfined()) {
            for (int round = 0; round < 3_000; round++) {
                int length = random.nextInt(round % 10 == 0 ? 400 : 70);
                byte[] h = new byte[length];
                for (int i = 0; i < length; i++) {
                    h[i] = random.nextInt(4) == 0 ? (byte) 0xE2 : (byte) 'a';
                }
                MMap map = mapOf(arena, h);
                for (int k = 0; k < 10; k++) {
                    int n = random.nextInt(random.nextBoolean() ? 6 : 40);
                    byte[] p = new byte[n];
                    if (length >= n && random.nextBoolean()) {
                        System.arraycopy(h, random.nextInt(length - n + 1), p, 0, n);
                    } else {
                        for (int i = 0; i < n; i++) {
                            p[i] = random.nextInt(4) == 0 ? (byte) 0xE2 : (byte) 'a';
                        }
                    }
                    int from = random.nextInt(length + 1);
                    int to = from + random.nextInt(length - from + 1);
                    String where = "seed " + seed + " round " + round + ": pattern of " + n + " in [" + from + ", " + to
                            + ") of " + length;
                    assertEquals(naiveIndexOf(h, p, from, to), map.indexOf(p, from, to), where);
                    assertEquals(naiveLastIndexOf(h, p, from, to), map.lastIndexOf(p, from, to), where);
                    assertEquals(naiveIndexOf(h, p, from, length), map.indexOf(p, from), where);
                    assertEquals(naiveLastIndexOf(h, p, 0, length), map.lastIndexOf(p), where);
                }
            }
        }
    }

    @Test
    void searchWorksOnAFileMapAfterItGrows() throws IOException {
        Path p = dir.resolve("grown");
        try (MMap map = MMap.open(p, 0, CREATE, READ, WRITE)) {
            assertEquals(-1, map.indexOf(bytes("needle")));
            map.resize(1 << 20);
            map.pwrite((1 << 20) - 6, bytes("needle"));
            assertEquals((1 << 20) - 6, map.indexOf(bytes("needle")));
            assertEquals((1 << 20) - 6, map.lastIndexOf(bytes("needle")));
            assertEquals(-1, map.indexOf(bytes("needle"), 0, (1 << 20) - 1));
        }
    }
}
