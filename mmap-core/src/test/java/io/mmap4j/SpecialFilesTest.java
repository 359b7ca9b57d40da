package io.mmap4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.READ;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files a map cannot show: those of {@code /proc}, which report 0 bytes and read their content,
 * and FIFOs, which have no size at all. MappedFiles reads them as Files does, or says it cannot;
 * before, every read gave an empty result.
 */
class SpecialFilesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** Reports 0 bytes, reads the same content each time. */
    private static final Path PROC_FILE = Path.of("/proc/self/cmdline");
    private static final Path PROC_TEXT = Path.of("/proc/version");

    @TempDir
    Path dir;

    @Test
    void procFilesReadAsFilesReadsThem() throws IOException {
        assertEquals(0, Files.size(PROC_FILE), "the premise: the kernel reports no size");
        byte[] expected = Files.readAllBytes(PROC_FILE);
        assertFalse(expected.length == 0);
        assertArrayEquals(expected, MappedFiles.readAllBytes(PROC_FILE));
        try (InputStream in = MappedFiles.newInputStream(PROC_FILE, READ, MapOption.POPULATE)) {
            assertArrayEquals(expected, in.readAllBytes());
        }
        assertEquals(Files.readString(PROC_TEXT), MappedFiles.readString(PROC_TEXT));
        assertEquals(Files.readAllLines(PROC_TEXT), MappedFiles.readAllLines(PROC_TEXT));
        try (Stream<String> lines = MappedFiles.lines(PROC_TEXT)) {
            assertEquals(Files.readAllLines(PROC_TEXT), lines.toList());
        }
        FileSystemException e = assertThrows(FileSystemException.class, () -> MappedFiles.newByteChannel(PROC_FILE));
        assertEquals(PROC_FILE + ": not a file a map can show (a FIFO, a device, or a file whose content is not"
                + " in its size, as under /proc): use Files.newByteChannel", e.getMessage());
    }

    @Test
    void aFifoIsReadAsFilesReadsItAndNeverMapped() throws Exception {
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertEquals(List.of("a", "b"), readWhileWriting(fifo, () -> MappedFiles.readAllLines(fifo)));
        assertArrayEquals("a\nb\n".getBytes(UTF_8), readWhileWriting(fifo, () -> MappedFiles.readAllBytes(fifo)));
        assertEquals("a\nb\n", readWhileWriting(fifo, () -> MappedFiles.readString(fifo)));
        FileSystemException e = assertThrows(FileSystemException.class, () -> MappedFiles.newByteChannel(fifo));
        assertEquals(fifo + ": not a file a map can show (a FIFO, a device, or a file whose content is not in its"
                + " size, as under /proc): use Files.newByteChannel", e.getMessage());
        assertTimeoutPreemptively(TIMEOUT, () -> assertThrows(FileSystemException.class,
                () -> MappedFiles.newOutputStream(fifo)), "refused at once, not blocked waiting for a reader");
    }

    private interface Read<T> {
        T read() throws IOException;
    }

    /**
     * Reads the FIFO while another process writes two lines into it, as Files would read them. A
     * process of its own, not a thread: nothing in this JVM (a busy pool, a lock, its descriptors)
     * can keep the writer from opening its end, which would leave the reader waiting for ever.
     */
    private static <T> T readWhileWriting(Path fifo, Read<T> read) throws Exception {
        Process writer = new ProcessBuilder("sh", "-c", "printf 'a\\nb\\n' > \"$0\"", fifo.toString())
                .redirectErrorStream(true).start();
        try {
            T result = assertTimeoutPreemptively(TIMEOUT, read::read, () -> "writer alive: " + writer.isAlive());
            assertEquals(0, writer.waitFor(), "the writer's exit code");
            return result;
        } finally {
            writer.destroyForcibly();
        }
    }
}
