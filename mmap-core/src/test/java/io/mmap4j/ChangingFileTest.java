package io.mmap4j;

import static java.nio.charset.StandardCharsets.UTF_16LE;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streams, channels and lines over a file that another party cuts short or appends to while they
 * read it: a cut is an IOException (an UncheckedIOException in a lines stream), never the JVM's
 * InternalError, which escaped code written to catch IOException before the fix; an append is not
 * seen (the stream reads the file as it was when opened), as the "What differs" list says.
 */
class ChangingFileTest {
    private static final int LINES = 100_000;

    @TempDir
    Path dir;

    private Path fileOfLines(Charset charset) throws IOException {
        Path file = dir.resolve("lines-" + charset.name() + ".txt");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < LINES; i++) {
            text.append("line ").append(i).append('\n');
        }
        Files.writeString(file, text, charset);
        return file;
    }

    private static void cut(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, WRITE)) {
            channel.truncate(4096);
        }
    }

    @Test
    void aFileCutShortUnderLinesIsAnUncheckedIOException() throws IOException {
        for (Charset charset : new Charset[] {UTF_8, UTF_16LE}) { // the mapped scan, and the reader path
            Path file = fileOfLines(charset);
            try (Stream<String> lines = MappedFiles.lines(file, charset)) {
                Iterator<String> it = lines.iterator();
                assertEquals("line 0", it.next());
                cut(file);
                UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> {
                    while (it.hasNext()) {
                        it.next();
                    }
                });
                assertFaultNames(file, e.getCause());
            }
        }
    }

    @Test
    void aFileCutShortUnderAStreamOrChannelIsAnIOException() throws IOException {
        Path file = fileOfLines(UTF_8);
        try (InputStream in = MappedFiles.newInputStream(file)) {
            assertEquals('l', in.read());
            cut(file);
            assertFaultNames(file, assertThrows(IOException.class, in::readAllBytes));
        }
        file = fileOfLines(UTF_8);
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(MappedFiles.newInputStream(file), UTF_8))) {
            assertEquals("line 0", reader.readLine());
            cut(file);
            assertFaultNames(file, assertThrows(IOException.class, () -> {
                while (reader.readLine() != null) {
                    // reads to the end
                }
            }));
        }
        file = fileOfLines(UTF_8);
        try (MappedChannel channel = MappedFiles.newByteChannel(file)) {
            assertEquals("line 0", channel.readLine());
            cut(file);
            assertFaultNames(file, assertThrows(IOException.class, () -> channel.position(1 << 20).readLine()));
            assertFaultNames(file, assertThrows(IOException.class, () -> channel.read(ByteBuffer.allocate(10))));
        }
    }

    @Test
    void bytesAppendedAfterOpeningAreNotRead() throws IOException {
        Path file = dir.resolve("appended.txt");
        Files.writeString(file, "a\nb\n");
        try (Stream<String> lines = MappedFiles.lines(file); InputStream in = MappedFiles.newInputStream(file)) {
            Files.writeString(file, "c\n", APPEND);
            assertEquals("a b", String.join(" ", lines.toList()), "the file as it was when opened");
            assertEquals("a\nb\n", new String(in.readAllBytes(), UTF_8));
        }
    }

    private static void assertFaultNames(Path file, Throwable e) {
        assertInstanceOf(IOException.class, e);
        assertTrue(e.getMessage().matches("a fault at position \\d+ of the map of " + file.toString().replace("\\", "\\\\")
                + ": the file was cut short by another party while mapped \\(or, for a write, its file system is"
                + " full\\)"), e.getMessage());
        assertInstanceOf(InternalError.class, e.getCause());
    }
}
