package io.mmap4j.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mmap4j.MMap;
import io.mmap4j.MappedFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * The {@code Files}-like adapter: count the lines of a generated log of a few hundred MiB and grep
 * it for a pattern, through {@link MappedFiles} and through {@link java.nio.file.Files}, on the
 * same file. Same answers, and the mapped file needs no read system calls and no copy into a
 * buffer. One run each, for a feel; the measured comparison is in {@code docs/BENCHMARKS.md}.
 *
 * <pre>mvn -B -q -DskipTests -Pdemo verify -Dexample=FilesAdapterExample</pre>
 */
public final class FilesAdapterExample {
    private static final String PATTERN = "ERROR";
    private static final int ERROR_EVERY = 1000;

    public static void main(String[] args) throws Exception {
        System.exit(run(false) ? 0 : 1);
    }

    /** Generates the log, counts and greps it both ways; true if every way agrees with what was written. */
    public static boolean run(boolean quick) throws Exception {
        long targetBytes = quick ? 8L << 20 : 300L << 20;
        Path log = Files.createTempFile("mmap4j-access", ".log");
        log.toFile().deleteOnExit(); // the finally below does not run on Ctrl-C; this does
        try {
            long[] written = generate(log, targetBytes);
            long lines = written[0], errors = written[1];
            System.out.printf("    generated %s: %,d MiB, %,d lines, %,d of them with \"%s\"%n", log,
                    Files.size(log) >> 20, lines, errors, PATTERN);
            System.out.println("                            lines     grep \"" + PATTERN + "\"");
            boolean ok = report("java.nio.file.Files", lines, errors,
                    () -> count(Files.lines(log), false), () -> count(Files.lines(log), true));
            ok &= report("io.mmap4j.MappedFiles", lines, errors,
                    () -> count(MappedFiles.lines(log), false), () -> count(MappedFiles.lines(log), true));
            ok &= report("io.mmap4j.MMap.indexOf", lines, errors, null, () -> indexOfCount(log));
            return ok;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** Writes log lines until the file has about {@code targetBytes}; returns {lines, lines with the pattern}. */
    private static long[] generate(Path log, long targetBytes) throws IOException {
        long lines = 0, errors = 0, bytes = 0;
        StringBuilder chunk = new StringBuilder(1 << 16);
        try (OutputStream out = MappedFiles.newOutputStream(log)) {
            while (bytes < targetBytes) {
                chunk.setLength(0);
                while (chunk.length() < 60_000) {
                    boolean error = ++lines % ERROR_EVERY == 0;
                    errors += error ? 1 : 0;
                    chunk.append("2026-11-21T10:00:00.").append(lines % 1000).append(error ? " ERROR " : " INFO ")
                            .append("GET /items/").append(lines * 7919 % 100_000).append(" took ")
                            .append(lines % 97).append(" ms\n");
                }
                byte[] bytesOfChunk = chunk.toString().getBytes(UTF_8);
                out.write(bytesOfChunk);
                bytes += bytesOfChunk.length;
            }
        }
        return new long[] {lines, errors};
    }

    private static long count(Stream<String> lines, boolean grep) {
        try (lines) {
            return grep ? lines.filter(line -> line.contains(PATTERN)).count() : lines.count();
        }
    }

    /** Counts the pattern by searching the mapped bytes directly: no decoding, no strings. */
    private static long indexOfCount(Path log) throws IOException {
        byte[] pattern = PATTERN.getBytes(UTF_8);
        try (MMap map = MMap.open(log)) {
            long found = 0;
            for (long at = map.indexOf(pattern); at >= 0; at = map.indexOf(pattern, at + pattern.length)) {
                found++;
            }
            return found;
        }
    }

    /** Times both counts (a null one is not offered this way) and checks them against what was written. */
    private static boolean report(String way, long lines, long errors, Callable<Long> countLines,
                                  Callable<Long> countErrors) throws Exception {
        String linesColumn = "      -   ";
        boolean ok = true;
        if (countLines != null) {
            long start = System.nanoTime();
            long counted = countLines.call();
            linesColumn = String.format("%,7d ms", (System.nanoTime() - start) / 1_000_000);
            ok = counted == lines;
        }
        long start = System.nanoTime();
        long grepped = countErrors.call();
        long grepMillis = (System.nanoTime() - start) / 1_000_000;
        ok &= grepped == errors;
        System.out.printf("    %-22s %s  %,7d ms%s%n", way, linesColumn, grepMillis, ok ? "" : "   WRONG COUNT");
        return ok;
    }

    private FilesAdapterExample() {}
}
