package io.mmap4j;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_16;
import static java.nio.charset.StandardCharsets.UTF_16LE;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.DELETE_ON_CLOSE;
import static java.nio.file.StandardOpenOption.DSYNC;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.SPARSE;
import static java.nio.file.StandardOpenOption.SYNC;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.mmap4j.testkit.ChildJvm;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.Spliterator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@link MappedFiles} method against its {@link Files} namesake: the same bytes, strings,
 * lines, files left behind and exceptions (type and message), over contents chosen to break line
 * splitting and decoding, in several charsets, on missing files and directories, and with every
 * combination of options a user passes.
 */
class MappedFilesTest {
    @TempDir
    Path dir;

    static final Charset WINDOWS_1252 = Charset.forName("windows-1252");
    static final List<Charset> CHARSETS = List.of(UTF_8, ISO_8859_1, US_ASCII, UTF_16, UTF_16LE, WINDOWS_1252);

    /** Named contents: line terminators in every arrangement, multi-byte and malformed text, long lines. */
    static List<Content> contents() {
        List<Content> contents = new ArrayList<>(List.of(
                text("empty", ""),
                text("one char", "a"),
                text("one line", "a\n"),
                text("no trailing newline", "a\nb"),
                text("CRLF", "a\r\nb\r\n"),
                text("lone CR", "\r"),
                text("CRLF only", "\r\n"),
                text("empty lines", "\n\n"),
                text("CR as terminator", "a\rb\r"),
                text("CR CR LF LF", "\r\r\n\n"),
                text("CRLF across an 8-byte word", "1234567\r\n89abcde\r\nf"),
                text("multi-byte", "héllo wörld €😀\nsecond line"),
                text("real U+FFFD", "\uFFFD\nx"),
                text("long line", "x".repeat(100_000) + "\n" + "y"),
                new Content("malformed UTF-8", new byte[] {'a', '\n', (byte) 0xFF, '\n'}),
                new Content("truncated UTF-8 at the end", new byte[] {'a', '\n', (byte) 0xC3}),
                new Content("UTF-16 with BOM", "two\nlines".getBytes(UTF_16))));
        Random random = new Random(42);
        StringBuilder mixed = new StringBuilder();
        String[] terminators = {"\n", "\r\n", "\r"};
        for (int i = 0; i < 2_000; i++) {
            mixed.append("l".repeat(random.nextInt(20))).append(terminators[random.nextInt(3)]);
        }
        contents.add(text("2000 lines, mixed terminators", mixed.toString()));
        byte[] noise = new byte[10_000];
        random.nextBytes(noise);
        contents.add(new Content("random bytes", noise));
        return contents;
    }

    record Content(String name, byte[] bytes) {}

    static Content text(String name, String text) {
        return new Content(name, text.getBytes(UTF_8));
    }

    interface Call {
        Object call() throws IOException;
    }

    /** What a call gave, comparable across the two implementations: the value, or what it threw. */
    static String outcome(Call call) {
        try {
            Object value = call.call();
            return value instanceof byte[] bytes ? "bytes " + HexFormat.of().formatHex(bytes) : "value " + value;
        } catch (UncheckedIOException e) {
            return "unchecked " + thrown(e.getCause());
        } catch (IOException | RuntimeException e) {
            return thrown(e);
        }
    }

    static String thrown(Throwable e) {
        return "threw " + e.getClass().getName() + ": " + e.getMessage();
    }

    /** A reading method in both implementations. */
    record Reader(String name, Call files, Call mapped) {}

    static List<Reader> readers(Path p, Charset cs) {
        return List.of(
                new Reader("readAllBytes", () -> Files.readAllBytes(p), () -> MappedFiles.readAllBytes(p)),
                new Reader("readString", () -> Files.readString(p), () -> MappedFiles.readString(p)),
                new Reader("readString " + cs, () -> Files.readString(p, cs), () -> MappedFiles.readString(p, cs)),
                new Reader("readAllLines", () -> Files.readAllLines(p), () -> MappedFiles.readAllLines(p)),
                new Reader("readAllLines " + cs, () -> Files.readAllLines(p, cs), () -> MappedFiles.readAllLines(p, cs)),
                new Reader("lines", () -> lines(Files.lines(p)), () -> lines(MappedFiles.lines(p))),
                new Reader("lines " + cs, () -> lines(Files.lines(p, cs)), () -> lines(MappedFiles.lines(p, cs))),
                new Reader("lines parallel", () -> lines(Files.lines(p, cs).parallel()),
                        () -> lines(MappedFiles.lines(p, cs).parallel())),
                new Reader("newInputStream", () -> readAll(Files.newInputStream(p)),
                        () -> readAll(MappedFiles.newInputStream(p))),
                new Reader("newByteChannel", () -> readAll(Files.newByteChannel(p)),
                        () -> readAll(MappedFiles.newByteChannel(p))));
    }

    static List<String> lines(Stream<String> lines) {
        try (lines) {
            return lines.toList();
        }
    }

    static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[1000]; // small reads, to go through the stream many times
            for (int n; (n = in.read(chunk)) >= 0; ) {
                out.write(chunk, 0, n);
            }
            return out.toByteArray();
        }
    }

    static byte[] readAll(SeekableByteChannel channel) throws IOException {
        try (channel) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(777);
            while (channel.read(buffer) >= 0) {
                out.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
            return out.toByteArray();
        }
    }

    @TestFactory
    Stream<DynamicTest> readingGivesWhatFilesGives() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Content content : contents()) {
            Path p = dir.resolve(content.name.replace(' ', '-'));
            Files.write(p, content.bytes);
            for (Charset cs : CHARSETS) {
                for (Reader reader : readers(p, cs)) {
                    if (!reader.name.contains(" ") && cs != UTF_8) {
                        continue; // the charset-less methods once, not per charset
                    }
                    tests.add(dynamicTest(content.name + ": " + reader.name,
                            () -> assertEquals(outcome(reader.files), outcome(reader.mapped))));
                }
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> aMissingFileIsReportedAsFilesReportsIt() {
        Path missing = dir.resolve("missing");
        return readers(missing, UTF_8).stream().map(reader -> dynamicTest(reader.name, () -> {
            String expected = outcome(reader.files);
            assertEquals("threw java.nio.file.NoSuchFileException: " + missing, expected);
            assertEquals(expected, outcome(reader.mapped));
        }));
    }

    /**
     * The one documented difference on a directory: Files opens it for newInputStream,
     * newByteChannel and lines and fails on the first read (lines: wrapped in
     * UncheckedIOException); MappedFiles fails at open, with the same IOException unwrapped. The
     * whole-file reads fail in the call with both.
     */
    @Test
    void aDirectoryFailsAtOpenWhereFilesFailsAtTheFirstRead() throws IOException {
        String isADirectory = "threw java.io.IOException: Is a directory";
        for (Reader reader : readers(dir, UTF_16)) {
            if (reader.name.startsWith("read")) {
                assertEquals(isADirectory, outcome(reader.files), reader.name);
                assertEquals(isADirectory, outcome(reader.mapped), reader.name);
            }
        }

        try (InputStream in = Files.newInputStream(dir)) {
            assertEquals(isADirectory, outcome(in::read));
        }
        try (SeekableByteChannel channel = Files.newByteChannel(dir)) {
            assertEquals(isADirectory, outcome(() -> channel.read(ByteBuffer.allocate(1))));
        }
        for (Charset cs : List.of(UTF_8, UTF_16)) {
            try (Stream<String> lines = Files.lines(dir, cs)) {
                assertEquals("unchecked " + isADirectory, outcome(lines::findFirst), cs.name());
            }
        }

        assertEquals(isADirectory, outcome(() -> MappedFiles.newInputStream(dir)));
        assertEquals(isADirectory, outcome(() -> MappedFiles.newByteChannel(dir)));
        assertEquals(isADirectory, outcome(() -> MappedFiles.newByteChannel(dir, Set.of(READ))));
        assertEquals(isADirectory, outcome(() -> MappedFiles.lines(dir)));
        assertEquals(isADirectory, outcome(() -> MappedFiles.lines(dir, UTF_16)));
    }

    @Test
    void writingToADirectoryOrAMissingDirectoryFailsAsWithFiles() {
        Path missingParent = dir.resolve("no-such-dir").resolve("file");
        for (Path p : List.of(dir, missingParent)) {
            assertEquals(outcome(() -> Files.write(p, new byte[1])), outcome(() -> MappedFiles.write(p, new byte[1])));
            assertEquals(outcome(() -> Files.newOutputStream(p)), outcome(() -> MappedFiles.newOutputStream(p)));
            assertEquals(outcome(() -> Files.newByteChannel(p, WRITE)), outcome(() -> MappedFiles.newByteChannel(p, WRITE)));
        }
        assertEquals("threw java.nio.file.FileSystemException: " + dir + ": Is a directory",
                outcome(() -> MappedFiles.write(dir, new byte[1])));
        assertEquals("threw java.nio.file.NoSuchFileException: " + missingParent,
                outcome(() -> MappedFiles.write(missingParent, new byte[1])));
    }

    static final List<List<OpenOption>> WRITE_OPTIONS = List.of(
            List.of(),
            List.of(WRITE),
            List.of(CREATE, WRITE),
            List.of(APPEND),
            List.of(CREATE, APPEND),
            List.of(CREATE_NEW),
            List.of(CREATE_NEW, WRITE),
            List.of(CREATE, TRUNCATE_EXISTING),
            List.of(TRUNCATE_EXISTING),
            List.of(WRITE, SYNC),
            List.of(CREATE, DSYNC, APPEND),
            List.of(CREATE, WRITE, SPARSE),
            List.of(CREATE, WRITE, DELETE_ON_CLOSE),
            List.of(READ),
            List.of(READ, WRITE),
            List.of(APPEND, TRUNCATE_EXISTING));

    /** What a write left: the outcome of the call, then the file's bytes and permissions, or that it is absent. */
    static String writeOutcome(Path p, Call write) throws IOException {
        String outcome = outcome(write);
        if (!Files.exists(p)) {
            return outcome + "; no file";
        }
        return outcome.replace(p.getFileName().toString(), "<file>") + "; file " + HexFormat.of().formatHex(Files.readAllBytes(p))
                + " " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @TestFactory
    Stream<DynamicTest> writingLeavesWhatFilesLeaves() {
        byte[] old = "old content, longer than the new".getBytes(UTF_8);
        byte[] bytes = "new\ncontent".getBytes(UTF_8);
        List<DynamicTest> tests = new ArrayList<>();
        int[] n = {0};
        for (List<OpenOption> options : WRITE_OPTIONS) {
            OpenOption[] array = options.toArray(OpenOption[]::new);
            for (boolean exists : List.of(true, false)) {
                String name = options + (exists ? " on an existing file" : " on a missing file");
                tests.add(dynamicTest("write " + name, () -> compareWrite(exists ? old : null, n[0]++,
                        p -> Files.write(p, bytes, array), p -> MappedFiles.write(p, bytes, array))));
                tests.add(dynamicTest("write lines " + name, () -> compareWrite(exists ? old : null, n[0]++,
                        p -> Files.write(p, LINES, array), p -> MappedFiles.write(p, LINES, array))));
                tests.add(dynamicTest("writeString " + name, () -> compareWrite(exists ? old : null, n[0]++,
                        p -> Files.writeString(p, "new\ncontent", array), p -> MappedFiles.writeString(p, "new\ncontent", array))));
                tests.add(dynamicTest("newOutputStream, write by byte and by array, " + name, () -> compareWrite(
                        exists ? old : null, n[0]++,
                        p -> writeInPieces(Files.newOutputStream(p, array), bytes),
                        p -> writeInPieces(MappedFiles.newOutputStream(p, array), bytes))));
                tests.add(dynamicTest("newByteChannel " + name, () -> compareWrite(exists ? old : null, n[0]++,
                        p -> writeAndRead(Files.newByteChannel(p, array), bytes),
                        p -> writeAndRead(MappedFiles.newByteChannel(p, array), bytes))));
            }
        }
        return tests.stream();
    }

    static final List<String> LINES = List.of("new", "", "content");

    /** Text that every charset can encode, and text that some cannot: each in both kinds of string (Latin-1 and UTF-16). */
    static final List<String> TEXTS = List.of("", "plain ascii", "café", "€ and 😀", "a\uD800b", "ends high \uD83D",
            "\uDE00 low first", "x".repeat(20_000) + "\uD800", "y".repeat(20_000) + "€");

    /**
     * The text writers with every charset, on text some charsets cannot encode: the same bytes
     * left (untouched by writeString, partly written by write lines, as Files leaves them) and the
     * same exception, type and message.
     */
    @TestFactory
    Stream<DynamicTest> writingTextLeavesWhatFilesLeaves() {
        byte[] old = "old content".getBytes(UTF_8);
        List<DynamicTest> tests = new ArrayList<>();
        int[] n = {0};
        for (String text : TEXTS) {
            String name = text.length() > 30 ? text.substring(0, 10) + "... (" + text.length() + " chars)" : text;
            List<String> lines = List.of("first", text, "last");
            tests.add(dynamicTest("writeString UTF-8 " + name, () -> compareWrite(old, n[0]++,
                    p -> Files.writeString(p, text), p -> MappedFiles.writeString(p, text))));
            tests.add(dynamicTest("write lines UTF-8 " + name, () -> compareWrite(old, n[0]++,
                    p -> Files.write(p, lines), p -> MappedFiles.write(p, lines))));
            for (Charset cs : CHARSETS) {
                tests.add(dynamicTest("writeString " + cs + " " + name, () -> compareWrite(old, n[0]++,
                        p -> Files.writeString(p, new StringBuilder(text), cs),
                        p -> MappedFiles.writeString(p, new StringBuilder(text), cs))));
                tests.add(dynamicTest("write lines " + cs + " " + name, () -> compareWrite(old, n[0]++,
                        p -> Files.write(p, lines, cs, APPEND), p -> MappedFiles.write(p, lines, cs, APPEND))));
            }
        }
        return tests.stream();
    }

    /** Null arguments: the same exception type as Files (messages differ: the JDK's are helpful NPE texts), and nothing created. */
    @Test
    void textWritersRefuseNullsAsFilesDoes() throws IOException {
        Path p = dir.resolve("nulls");
        List<String> withNull = new ArrayList<>(List.of("a"));
        withNull.add(null);
        List<Call[]> pairs = List.of(
                new Call[] {() -> Files.writeString(null, "x"), () -> MappedFiles.writeString(null, "x")},
                new Call[] {() -> Files.writeString(p, null), () -> MappedFiles.writeString(p, null)},
                new Call[] {() -> Files.writeString(p, "x", (Charset) null), () -> MappedFiles.writeString(p, "x", (Charset) null)},
                new Call[] {() -> Files.writeString(p, "x", (OpenOption) null), () -> MappedFiles.writeString(p, "x", (OpenOption) null)},
                new Call[] {() -> Files.write(null, LINES), () -> MappedFiles.write(null, LINES)},
                new Call[] {() -> Files.write(p, (Iterable<String>) null), () -> MappedFiles.write(p, (Iterable<String>) null)},
                new Call[] {() -> Files.write(p, LINES, (Charset) null), () -> MappedFiles.write(p, LINES, (Charset) null)},
                new Call[] {() -> Files.write(p, LINES, UTF_8, (OpenOption) null),
                        () -> MappedFiles.write(p, LINES, UTF_8, (OpenOption) null)});
        for (Call[] pair : pairs) {
            String expected = outcome(pair[0]);
            assertTrue(expected.startsWith("threw java.lang.NullPointerException"), expected);
            String actual = outcome(pair[1]);
            assertTrue(actual.startsWith("threw java.lang.NullPointerException"), actual);
            assertFalse(Files.exists(p), "nothing was created");
        }
        // Writer.append(null) writes "null": a null line is not refused.
        Files.write(dir.resolve("null-line-theirs"), withNull);
        MappedFiles.write(dir.resolve("null-line-ours"), withNull);
        String sep = System.lineSeparator();
        assertEquals("a" + sep + "null" + sep, Files.readString(dir.resolve("null-line-theirs")));
        assertEquals("a" + sep + "null" + sep, Files.readString(dir.resolve("null-line-ours")));
    }

    interface PathCall {
        Object call(Path p) throws IOException;
    }

    private void compareWrite(byte[] initial, int n, PathCall files, PathCall mapped) throws IOException {
        Path theirs = dir.resolve("theirs-" + n);
        Path ours = dir.resolve("ours-" + n);
        if (initial != null) {
            Files.write(theirs, initial);
            Files.write(ours, initial);
        }
        String expected = writeOutcome(theirs, () -> files.call(theirs));
        assertEquals(expected.replace(theirs.toString(), "<path>"),
                writeOutcome(ours, () -> mapped.call(ours)).replace(ours.toString(), "<path>"));
    }

    private static String writeInPieces(OutputStream out, byte[] bytes) throws IOException {
        try (out) {
            out.write(bytes[0]);
            out.write(bytes, 1, 3);
            out.write(bytes, 4, bytes.length - 4);
        }
        return "written";
    }

    /** Writes, then reads back from 0 what the channel allows, and reports position and size on the way. */
    private static String writeAndRead(SeekableByteChannel channel, byte[] bytes) throws IOException {
        try (channel) {
            String result = outcome(() -> channel.write(ByteBuffer.wrap(bytes)));
            result += ", position " + channel.position() + ", size " + channel.size();
            channel.position(0);
            result += ", read back " + outcome(() -> {
                ByteBuffer b = ByteBuffer.allocate(100);
                int count = channel.read(b);
                return count + " " + HexFormat.of().formatHex(b.array(), 0, Math.max(0, count));
            });
            return result;
        }
    }

    @Test
    void optionsThatDoNotGoTogetherAreRefusedAsByFiles() {
        Path p = dir.resolve("options");
        List<Call[]> pairs = List.of(
                new Call[] {() -> Files.newInputStream(p, WRITE), () -> MappedFiles.newInputStream(p, WRITE)},
                new Call[] {() -> Files.newInputStream(p, APPEND), () -> MappedFiles.newInputStream(p, APPEND)},
                new Call[] {() -> Files.newOutputStream(p, READ), () -> MappedFiles.newOutputStream(p, READ)},
                new Call[] {() -> Files.newOutputStream(p, CREATE, APPEND, TRUNCATE_EXISTING),
                        () -> MappedFiles.newOutputStream(p, CREATE, APPEND, TRUNCATE_EXISTING)},
                new Call[] {() -> Files.newByteChannel(p, READ, APPEND), () -> MappedFiles.newByteChannel(p, READ, APPEND)},
                new Call[] {() -> Files.newByteChannel(p, CREATE, APPEND, TRUNCATE_EXISTING),
                        () -> MappedFiles.newByteChannel(p, CREATE, APPEND, TRUNCATE_EXISTING)},
                new Call[] {() -> Files.newInputStream(p, CREATE), () -> MappedFiles.newInputStream(p, CREATE)});
        for (Call[] pair : pairs) {
            String expected = outcome(pair[0]);
            assertTrue(expected.startsWith("threw"), expected);
            assertEquals(expected, outcome(pair[1]));
        }
        assertFalse(Files.exists(p), "nothing was created");
        assertThrows(NullPointerException.class, () -> MappedFiles.write(p, (byte[]) null));
        assertThrows(NullPointerException.class, () -> MappedFiles.readString(p, null));
        assertThrows(NullPointerException.class, () -> MappedFiles.lines(p, null));
        assertThrows(NullPointerException.class, () -> MappedFiles.newByteChannel(null));
        assertThrows(NullPointerException.class, () -> MappedFiles.newByteChannel(p, (OpenOption) null));
        assertFalse(Files.exists(p), "nothing was created");
    }

    @Test
    void theFileAttributesOfTheFullFormApplyToANewFile() throws IOException {
        Path p = dir.resolve("attributes");
        var ownerOnly = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
        try (MappedChannel channel = MappedFiles.newByteChannel(p, Set.of(CREATE_NEW, WRITE), ownerOnly)) {
            channel.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
        assertEquals(3, Files.size(p));
    }

    @Test
    void aLargeWriteEndsExactlyAtItsLastByte() throws IOException {
        Path p = dir.resolve("large");
        byte[] bytes = new byte[(5 << 20) + 123]; // past several growth steps
        new Random(7).nextBytes(bytes);
        MappedFiles.write(p, bytes);
        assertEquals(bytes.length, Files.size(p));
        assertEquals(HexFormat.of().formatHex(bytes), HexFormat.of().formatHex(Files.readAllBytes(p)));
        MappedFiles.write(p, new byte[] {9}, APPEND);
        assertEquals(bytes.length + 1, Files.size(p));
        MappedFiles.write(p, new byte[0]);
        assertEquals(0, Files.size(p), "an empty write truncates, as Files.write does");
    }

    @Test
    void closingTheLinesStreamUnmapsTheFile() throws IOException {
        Path p = dir.resolve("unmapped-at-close");
        Files.writeString(p, "a\nb\nc\n");
        Stream<String> lines = MappedFiles.lines(p);
        assertTrue(isMapped(p), "mapped while the stream is open");
        assertEquals(List.of("a", "b"), lines.limit(2).toList());
        lines.close();
        assertFalse(isMapped(p), "unmapped once the stream is closed");

        try (InputStream in = MappedFiles.newInputStream(p)) {
            assertEquals('a', in.read());
            assertTrue(isMapped(p));
        }
        assertFalse(isMapped(p), "unmapped once the input stream is closed");
        assertEquals(List.of("a", "b", "c"), MappedFiles.readAllLines(p));
        assertFalse(isMapped(p), "readAllLines leaves nothing mapped");
    }

    /**
     * An iterator or spliterator that outlives its closed lines stream throws, in the middle and
     * past the last line alike: never a clean end. (Files.lines answers from what its reader
     * buffered before the close, and throws only once that runs out.)
     */
    @Test
    void theLinesOfAClosedStreamThrowClosedChannelException() throws IOException {
        Path p = dir.resolve("lines-closed");
        Files.writeString(p, "a\nb\n");
        for (int read : List.of(1, 2)) {
            Stream<String> lines = MappedFiles.lines(p);
            Iterator<String> iterator = lines.iterator();
            for (int i = 0; i < read; i++) {
                iterator.next();
            }
            lines.close();
            UncheckedIOException e = assertThrows(UncheckedIOException.class, iterator::hasNext, read + " read");
            assertEquals(ClosedChannelException.class, e.getCause().getClass());
        }
        Files.writeString(p, "line\n".repeat(100_000));
        Stream<String> lines = MappedFiles.lines(p);
        Spliterator<String> spliterator = lines.spliterator();
        lines.close();
        assertEquals(ClosedChannelException.class, assertThrows(UncheckedIOException.class, spliterator::trySplit).getCause().getClass());
        assertEquals(ClosedChannelException.class,
                assertThrows(UncheckedIOException.class, () -> spliterator.forEachRemaining(line -> {})).getCause().getClass());
    }

    /** Whether this process maps the file, according to the kernel. */
    static boolean isMapped(Path p) throws IOException {
        return !LifetimeTest.mappedRanges(p).isEmpty();
    }

    @Test
    void parallelLinesSplitOnlyBetweenLines() throws IOException {
        // CRLF everywhere and lone CRs, so that split points land on every kind of terminator.
        StringBuilder text = new StringBuilder();
        Random random = new Random(3);
        for (int i = 0; i < 60_000; i++) {
            text.append(i).append(random.nextInt(4) == 0 ? "\r" : "\r\n");
        }
        Path p = dir.resolve("parallel");
        Files.writeString(p, text);
        List<String> expected = Files.readAllLines(p);
        try (Stream<String> lines = MappedFiles.lines(p).parallel()) {
            assertEquals(expected, lines.toList());
        }
        try (Stream<String> lines = MappedFiles.lines(p).parallel()) {
            assertEquals(expected.size(), lines.count());
        }
    }

    /**
     * Files unlinks a DELETE_ON_CLOSE file right after opening it; MappedFiles deletes it at close,
     * so while it is in use it is there by name, with what was written so far.
     */
    @Test
    void deleteOnCloseDeletesAtCloseWhereFilesUnlinksAtOpen() throws IOException {
        Path theirs = dir.resolve("delete-theirs");
        try (OutputStream out = Files.newOutputStream(theirs, CREATE_NEW, WRITE, DELETE_ON_CLOSE)) {
            out.write('x');
            assertFalse(Files.exists(theirs), "Files: unlinked while open");
        }
        Path ours = dir.resolve("delete-ours");
        try (OutputStream out = MappedFiles.newOutputStream(ours, CREATE_NEW, WRITE, DELETE_ON_CLOSE)) {
            out.write('x');
            assertEquals('x', Files.readAllBytes(ours)[0], "MappedFiles: there while open, written bytes and all");
        }
        assertFalse(Files.exists(ours), "deleted at close");

        Files.writeString(ours, "read, then deleted");
        try (InputStream in = MappedFiles.newInputStream(ours, DELETE_ON_CLOSE)) {
            assertEquals('r', in.read());
            assertTrue(Files.exists(ours));
        }
        assertFalse(Files.exists(ours));
        Files.writeString(ours, "read, then deleted");
        try (SeekableByteChannel channel = MappedFiles.newByteChannel(ours, READ, DELETE_ON_CLOSE)) {
            assertEquals(18, channel.size());
            assertTrue(Files.exists(ours));
        }
        assertFalse(Files.exists(ours));
    }

    /**
     * Until close, a file written past its end is padded with zeros up to the growth step, in
     * every write mode, and other readers see the padding; close cuts it off.
     */
    @Test
    void aFileBeingWrittenIsPaddedWithZerosUntilClose() throws IOException {
        byte[] ten = "ten bytes!".getBytes(UTF_8);
        Path p = dir.resolve("padded");
        try (OutputStream out = MappedFiles.newOutputStream(p)) {
            out.write(ten);
            assertEquals(paddedHex("ten bytes!"), HexFormat.of().formatHex(Files.readAllBytes(p)));
        }
        assertEquals(10, Files.size(p));
        try (SeekableByteChannel channel = MappedFiles.newByteChannel(p, WRITE, SYNC)) {
            channel.position(10).write(ByteBuffer.wrap(ten));
            assertEquals(4096, Files.size(p), "SYNC forces the bytes, the padding included");
        }
        assertEquals(20, Files.size(p));
        Files.write(p, new byte[5000]);
        try (OutputStream out = MappedFiles.newOutputStream(p, APPEND)) {
            out.write(1);
            assertEquals(10_000, Files.size(p), "the step doubles the size");
        }
        assertEquals(5001, Files.size(p));
    }

    /**
     * A writer killed before close: its file keeps the padding, and its DELETE_ON_CLOSE file is
     * left behind, where the JDK would have left exactly the bytes written and no file.
     */
    @Test
    void aWriterKilledBeforeCloseLeavesThePaddingAndItsDeleteOnCloseFile() throws Exception {
        Path padded = dir.resolve("killed-padded");
        Path deleteOnClose = dir.resolve("killed-delete-on-close");
        try (ChildJvm child = ChildJvm.start(WritesThenWaits.class, padded.toString(), deleteOnClose.toString())) {
            child.awaitLine("written", Duration.ofSeconds(60));
            assertEquals(4096, Files.size(padded), "another process sees the padding");
            child.kill();
        }
        assertEquals(paddedHex("ten bytes!"), HexFormat.of().formatHex(Files.readAllBytes(padded)));
        assertEquals(paddedHex("x"), HexFormat.of().formatHex(Files.readAllBytes(deleteOnClose)), "left behind, padded too");
    }

    /** {@code text} followed by zeros up to the first growth step, in hex. */
    private static String paddedHex(String text) {
        return HexFormat.of().formatHex(Arrays.copyOf(text.getBytes(UTF_8), 4096));
    }

    /** Writes ten bytes to one file and one to a DELETE_ON_CLOSE file, then waits to be killed. */
    public static final class WritesThenWaits {
        public static void main(String[] args) throws Exception {
            OutputStream padded = MappedFiles.newOutputStream(Path.of(args[0]));
            padded.write("ten bytes!".getBytes(UTF_8));
            OutputStream deleted = MappedFiles.newOutputStream(Path.of(args[1]), CREATE_NEW, WRITE, DELETE_ON_CLOSE);
            deleted.write('x');
            System.out.println("written");
            Thread.sleep(Duration.ofMinutes(2));
        }
    }

    /**
     * readString reports malformed UTF-8 exactly as Files.readString does, input length and all:
     * the cases that differ between a CharsetDecoder and the JDK's String decoding (before the fix,
     * "a\n" E2 82 gave length 2 where Files gives 1), then 3000 random byte strings rich in the
     * bytes that start and continue sequences.
     */
    @Test
    void readStringReportsMalformedUtf8AsFilesDoes() throws IOException {
        Path file = dir.resolve("malformed.txt");
        List<byte[]> cases = new ArrayList<>(List.of(
                new byte[] {'a', '\n', (byte) 0xE2, (byte) 0x82}, new byte[] {(byte) 0xE2, 0x41, 0x41},
                new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0x80}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                new byte[] {(byte) 0xF0, (byte) 0x80, (byte) 0x80, (byte) 0x80}, new byte[] {(byte) 0xF4, (byte) 0x90},
                new byte[] {(byte) 0xC0, (byte) 0x80}, new byte[] {(byte) 0xC3}, new byte[] {(byte) 0xFF},
                new byte[] {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD})); // a real U+FFFD
        Random random = new Random(10);
        byte[] alphabet = {'a', '\n', (byte) 0x80, (byte) 0x9F, (byte) 0xA0, (byte) 0xBF, (byte) 0xC0, (byte) 0xC2,
                (byte) 0xDF, (byte) 0xE0, (byte) 0xE2, (byte) 0xED, (byte) 0xEF, (byte) 0xF0, (byte) 0xF4, (byte) 0xF5};
        for (int i = 0; i < 3000; i++) {
            byte[] bytes = new byte[1 + random.nextInt(6)];
            for (int j = 0; j < bytes.length; j++) {
                bytes[j] = alphabet[random.nextInt(alphabet.length)];
            }
            cases.add(bytes);
        }
        for (byte[] bytes : cases) {
            Files.write(file, bytes);
            assertEquals(outcome(() -> Files.readString(file)), outcome(() -> MappedFiles.readString(file)),
                    () -> HexFormat.of().formatHex(bytes));
        }
    }
}
