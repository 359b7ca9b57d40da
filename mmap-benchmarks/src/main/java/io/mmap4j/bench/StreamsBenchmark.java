package io.mmap4j.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mmap4j.MappedFiles;
import java.io.BufferedInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A whole file read the way Java code reads files, per peer: one operation opens the file, reads
 * it to the end and closes it. The file is a {@code mib} MiB log ({@code LogFile.line}), written
 * once per trial into {@code /dev/shm} (or the temporary directory; see {@link TrialFile}), the
 * same bytes for every peer. On tmpfs the file's pages are the page cache, so every peer reads
 * from a warm cache and none waits for a disk.
 *
 * <ul>
 * <li>{@code read}: into a {@code chunk}-byte array until end of file. {@code mmap4j} is
 *     {@link MappedFiles#newInputStream} ({@code MMap.inputStream} is the same stream class);
 *     {@code buffered} is {@code new BufferedInputStream(new FileInputStream(f))}; {@code files}
 *     is {@link Files#newInputStream}. The last byte of every chunk is added to a field, so no
 *     read is dead.</li>
 * <li>{@code countLines}: {@code lines(f).count()}: {@link MappedFiles#lines} and {@link Files#lines}
 *     (whose sequential path is a {@code BufferedReader}, as {@code Files.newBufferedReader(f).lines()}),
 *     on an all-ASCII log and on one with a non-ASCII character in one line in 64. Both decode every
 *     line (a malformed one would throw).</li>
 * <li>{@code grep}: the same, filtered by {@code line.contains("ERROR")} before counting.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Thread)
@Baseline({"files", "buffered"})
public class StreamsBenchmark {
    static final String PATTERN = "ERROR";
    static final int ERROR_EVERY = 1000;

    /** Sum of the last byte of every chunk read: written, so the reads cannot be eliminated. */
    private long lastBytes;

    /** A {@code mib} MiB log, written once per trial: the same bytes for every peer. */
    public abstract static class LogFile {
        private static final String[] LEVELS = {" INFO ", " DEBUG ", " WARN ", " INFO ", " INFO "};
        private static final String[] REQUESTS = {"GET /items/", "POST /orders/", "GET /search?q=", "PUT /users/"};
        private static final String[] WORDS = {"took", "cache", "hit", "miss", "retry", "ok", "slow", "backend",
            "timeout=250ms", "bytes=4096"};

        /** The file's size in MiB: 256 for the published numbers; the smoke test makes it 1. */
        @Param("256")
        public int mib;

        Path path;
        long size;
        long lines;
        long errors;

        /** Writes the log; with {@code nonAscii}, one line in 64 holds a non-ASCII character. */
        void generate(boolean nonAscii) throws IOException {
            path = Files.createTempFile(TrialFile.directory(), "mmap4j-bench-streams-", ".log");
            long target = (long) mib << 20;
            Random random = new Random(6);
            StringBuilder text = new StringBuilder(1 << 16);
            try (OutputStream out = Files.newOutputStream(path)) {
                while (size < target) {
                    text.setLength(0);
                    while (text.length() < 60_000) {
                        line(text, ++lines, nonAscii, random);
                    }
                    byte[] bytes = text.toString().getBytes(UTF_8);
                    out.write(bytes);
                    size += bytes.length;
                }
            }
            errors = lines / ERROR_EVERY;
        }

        /**
         * Line {@code n} of the log: a time, a level ({@code ERROR} on every {@value #ERROR_EVERY}th
         * line and nowhere else), a request and zero to seven words; one line in 64 names a user,
         * {@code Jos\u00e9} if {@code nonAscii}, else {@code Jose}. 32 to 135 bytes with the
         * newline, 61 on average (4.4 million lines in 256 MiB).
         */
        private static void line(StringBuilder text, long n, boolean nonAscii, Random random) {
            text.append(1_763_700_000_000L + n * 7).append(n % ERROR_EVERY == 0 ? " ERROR " : LEVELS[random.nextInt(LEVELS.length)])
                    .append(REQUESTS[random.nextInt(REQUESTS.length)]).append(random.nextInt(100_000));
            if (n % 64 == 0) {
                text.append(nonAscii ? " user=Jos\u00e9" : " user=Jose");
            }
            for (int words = random.nextInt(8); words > 0; words--) {
                text.append(' ').append(WORDS[random.nextInt(WORDS.length)]);
            }
            text.append('\n');
        }

        @TearDown(Level.Trial)
        public void delete() throws IOException {
            TrialFile.delete(path);
        }
    }

    /**
     * The log the line benchmarks read: {@code ascii}, every byte ASCII; or {@code utf8}, with an
     * {@code \u00e9} (two bytes in UTF-8) in one line in 64, as logs with people's names have.
     */
    @State(Scope.Benchmark)
    public static class TextFile extends LogFile {
        @Param({"ascii", "utf8"})
        public String text;

        @Setup(Level.Trial)
        public void write() throws IOException {
            generate(text.equals("utf8"));
        }
    }

    /** The log the stream benchmarks read, whose bytes matter to no peer: the {@code utf8} one. */
    @State(Scope.Benchmark)
    public static class DataFile extends LogFile {
        @Setup(Level.Trial)
        public void write() throws IOException {
            generate(true);
        }
    }

    /** The caller's array. */
    @State(Scope.Thread)
    public static class Chunk {
        @Param({"8192", "65536"})
        public int chunk;

        byte[] bytes;

        @Setup(Level.Trial)
        public void allocate() {
            bytes = new byte[chunk];
        }
    }

    /** Reads {@code in} to its end through {@code chunk}; returns the number of bytes read. */
    private long drain(InputStream in, byte[] chunk) throws IOException {
        long total = 0;
        for (int n; (n = in.read(chunk)) > 0; ) {
            total += n;
            lastBytes += chunk[n - 1];
        }
        return total;
    }

    // --- read a whole file through an InputStream -----------------------------------------------

    @Benchmark
    public long read_mmap4j(DataFile file, Chunk chunk) throws IOException {
        try (InputStream in = MappedFiles.newInputStream(file.path)) {
            return drain(in, chunk.bytes);
        }
    }

    @Benchmark
    public long read_buffered(DataFile file, Chunk chunk) throws IOException {
        try (InputStream in = new BufferedInputStream(new FileInputStream(file.path.toFile()))) {
            return drain(in, chunk.bytes);
        }
    }

    @Benchmark
    public long read_files(DataFile file, Chunk chunk) throws IOException {
        try (InputStream in = Files.newInputStream(file.path)) {
            return drain(in, chunk.bytes);
        }
    }

    // --- count lines ----------------------------------------------------------------------------

    @Benchmark
    public long countLines_mmap4j(TextFile file) throws IOException {
        try (Stream<String> lines = MappedFiles.lines(file.path)) {
            return lines.count();
        }
    }

    @Benchmark
    public long countLines_files(TextFile file) throws IOException {
        try (Stream<String> lines = Files.lines(file.path)) {
            return lines.count();
        }
    }

    // --- count the lines that contain a word ----------------------------------------------------

    @Benchmark
    public long grep_mmap4j(TextFile file) throws IOException {
        try (Stream<String> lines = MappedFiles.lines(file.path)) {
            return lines.filter(line -> line.contains(PATTERN)).count();
        }
    }

    @Benchmark
    public long grep_files(TextFile file) throws IOException {
        try (Stream<String> lines = Files.lines(file.path)) {
            return lines.filter(line -> line.contains(PATTERN)).count();
        }
    }
}
