package io.mmap4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmap4j.testkit.ChildJvm;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streaming a file never copies it to the heap: a child JVM with a 32 MiB heap reads the lines
 * and the bytes of a 100 MiB file, and, as the control that shows the heap really is too small,
 * fails to read the same file whole.
 */
class LargeFileStreamingTest {
    private static final int LINE = 64;
    private static final int LINES = 1_638_400; // 100 MiB
    private static final List<String> SMALL_HEAP = List.of("-Xmx32m");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static Path file;
    static long crc;

    /** Line i is "line " + i in ten digits, padded with '.' to 63 bytes, and '\n'. */
    @BeforeAll
    static void writeFile() throws IOException {
        file = dir.resolve("large.txt");
        CRC32 checksum = new CRC32();
        byte[] block = new byte[LINE * 1024];
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int first = 0; first < LINES; first += 1024) {
                for (int k = 0; k < 1024; k++) {
                    int at = k * LINE;
                    System.arraycopy("line ".getBytes(), 0, block, at, 5);
                    for (int d = 9, n = first + k; d >= 0; d--, n /= 10) {
                        block[at + 5 + d] = (byte) ('0' + n % 10);
                    }
                    Arrays.fill(block, at + 15, at + LINE - 1, (byte) '.');
                    block[at + LINE - 1] = '\n';
                }
                checksum.update(block);
                out.write(ByteBuffer.wrap(block));
            }
        }
        crc = checksum.getValue();
        assertEquals((long) LINE * LINES, Files.size(file));
    }

    @Test
    void linesOfAFileThreeTimesTheHeap() throws Exception {
        long sum = (long) LINES * (LINES - 1) / 2;
        assertEquals("lines " + LINES + " sum " + sum, runChild("lines"));
    }

    @Test
    void bytesOfAFileThreeTimesTheHeapThroughAnInputStream() throws Exception {
        assertEquals("crc " + crc, runChild("stream"));
    }

    @Test
    void readingTheWholeFileDoesNotFitThatHeap() throws Exception {
        assertEquals("OutOfMemoryError", runChild("whole"));
    }

    private static String runChild(String mode) throws Exception {
        try (ChildJvm child = ChildJvm.start(SMALL_HEAP, Reader.class, mode, file.toString())) {
            String result = child.awaitLine("result ", TIMEOUT);
            child.awaitExit(TIMEOUT, 0);
            return result.substring("result ".length());
        }
    }

    /** Reads the file one way and prints what it found. */
    public static final class Reader {
        public static void main(String[] args) throws IOException {
            Path path = Path.of(args[1]);
            switch (args[0]) {
                case "lines" -> {
                    long count = 0;
                    long sum = 0;
                    try (Stream<String> lines = MappedFiles.lines(path)) {
                        for (var it = lines.iterator(); it.hasNext(); count++) {
                            String line = it.next();
                            if (line.length() != LINE - 1) {
                                throw new AssertionError("line " + count + " is " + line.length() + " chars: " + line);
                            }
                            sum += Long.parseLong(line, 5, 15, 10);
                        }
                    }
                    System.out.println("result lines " + count + " sum " + sum);
                }
                case "stream" -> {
                    CRC32 checksum = new CRC32();
                    try (InputStream in = MappedFiles.newInputStream(path)) {
                        in.transferTo(new OutputStream() {
                            @Override
                            public void write(int b) {
                                checksum.update(b);
                            }

                            @Override
                            public void write(byte[] b, int off, int len) {
                                checksum.update(b, off, len);
                            }
                        });
                    }
                    System.out.println("result crc " + checksum.getValue());
                }
                case "whole" -> {
                    try {
                        System.out.println("result read " + MappedFiles.readAllBytes(path).length + " bytes");
                    } catch (OutOfMemoryError e) {
                        System.out.println("result OutOfMemoryError");
                    }
                }
                default -> throw new IllegalArgumentException(args[0]);
            }
        }
    }
}
