package io.mmap4j.cli;

import io.mmap4j.cli.Sample.Figure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code mmap4j stat FILE}: what a file holds, read-only, while other processes go on writing it
 * (after Aeron's {@code AeronStat}). Each sample is due one interval after the one before; a late
 * one does not make the next come sooner. Rates are the change since the sample before, so the
 * first sample printed is the second taken, one interval after the file was opened.
 */
@Command(name = "stat", mixinStandardHelpOptions = true, versionProvider = Mmap4j.Version.class, sortOptions = false,
        description = "Prints what an mmap4j file holds, read-only, while other processes go on writing it.")
final class StatCommand implements Callable<Integer> {
    private static final double MIN_SECONDS = 0.05;
    private static final double MAX_SECONDS = 86_400;

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private Mmap4j tool;

    @Parameters(paramLabel = "FILE", description = "an mmap4j file, recognised by its first bytes, or the directory of a store of several files")
    private Path file;

    private double seconds = 1;
    private boolean watching;
    private Long count;
    private Pattern filter;

    @Option(names = "--json", order = 4, description = "one line of JSON per sample instead of text")
    private boolean json;

    @Option(names = "--watch", paramLabel = "SECONDS", order = 1, description = {
        "print again every SECONDS (decimals allowed, 0.05 to 86400) until stopped;",
        "without it, print once, with rates over 1 second"})
    private void watch(String text) {
        double value;
        try {
            value = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            value = Double.NaN;
        }
        if (!(value >= MIN_SECONDS && value <= MAX_SECONDS)) {
            throw new ParameterException(spec.commandLine(), "--watch " + text + ": expected seconds from "
                    + MIN_SECONDS + " to " + (long) MAX_SECONDS);
        }
        seconds = value;
        watching = true;
    }

    @Option(names = "--count", paramLabel = "N", order = 2,
            description = "stop after N prints (default: 1 without --watch, no limit with it)")
    private void count(String text) {
        try {
            long value = Long.parseLong(text);
            if (value > 0) {
                count = value;
                return;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ParameterException(spec.commandLine(), "--count " + text + ": expected a whole number from 1 to "
                + Long.MAX_VALUE);
    }

    @Option(names = "--filter", paramLabel = "REGEX", order = 3,
            description = "only the named items (counters) whose name holds a match of REGEX (Java syntax)")
    private void filter(String regex) {
        try {
            filter = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new ParameterException(spec.commandLine(), "--filter " + regex + ": not a regular expression: "
                    + e.getDescription() + " near index " + e.getIndex());
        }
    }

    /** Adds to the help what {@code stat} shows of each type of file. */
    static void describeTypes(CommandSpec stat) {
        List<String> description = new ArrayList<>(List.of(stat.usageMessage().description()));
        for (FileType type : FileType.values()) {
            description.add("  " + type.label + ": " + type.shows + ".");
        }
        stat.usageMessage().description(description.toArray(String[]::new));
    }

    @Override
    public Integer call() throws Failure, IOException, InterruptedException {
        try (Watched watched = new Watched(file)) {
            if (filter != null && !watched.type.hasRows) {
                throw new ParameterException(spec.commandLine(), "--filter selects named items, and a "
                        + watched.type.label + " file has none");
            }
            long samples = count != null ? count : watching ? Long.MAX_VALUE : 1;
            StatPrinter printer = new StatPrinter(spec.commandLine().getOut(), tool.terminal,
                    json ? new Json(tool.terminal) : null, file);
            Sample previous = watched.sample(filter);
            boolean rated = watched.type.hasRows || previous.figures().stream().anyMatch(Figure::rated);
            if (!rated && !watching && count == null) {
                printer.print(Instant.now(), watched.type, previous, null, 0); // nothing to wait for
                return 0;
            }
            long intervalNanos = (long) (seconds * 1e9);
            long previousAt = System.nanoTime();
            for (long printed = 0; printed < samples; printed++) {
                long wait = previousAt + intervalNanos - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                long now = System.nanoTime();
                Sample sample = watched.sample(filter);
                printer.print(Instant.now(), watched.type, sample, previous, (now - previousAt) / 1e9);
                if (tool.outputClosed()) {
                    return Mmap4j.OUTPUT_CLOSED;
                }
                previous = sample;
                previousAt = now;
            }
        }
        return 0;
    }

    /**
     * The file under {@code stat}, followed across replacements: a store that publishes a new
     * version renames a new file over the name (a static store always does), and the next sample
     * reads the new file (a store that is a directory follows its own files). A file truncated in
     * place is an error instead: reading a mapped page past
     * the end of the file is a fault ({@code SIGBUS}) that the JVM reports as an error, so the size
     * is checked before each sample, and a fault between the check and the read is reported the
     * same way.
     */
    private static final class Watched implements AutoCloseable {
        private final Path file;
        private FileType type;
        private Inspector inspector;
        /** The identity (device and inode) and size of the file {@link #inspector} has open. */
        private Object key;
        private long size;

        Watched(Path file) throws Failure, IOException {
            this.file = file;
            open(FileType.of(file), attributes());
        }

        private void open(FileType recognised, BasicFileAttributes attributes) throws IOException {
            Inspector opened = recognised.open(file);
            if (inspector != null) {
                inspector.close();
            }
            type = recognised;
            inspector = opened;
            key = attributes.fileKey();
            size = attributes.size();
        }

        /** The file's attributes now, or null if its name is gone (the mapping outlives the name). */
        private BasicFileAttributes attributes() throws IOException {
            try {
                return Files.readAttributes(file, BasicFileAttributes.class);
            } catch (NoSuchFileException deleted) {
                return null;
            }
        }

        Sample sample(Pattern filter) throws Failure, IOException {
            BasicFileAttributes now = attributes();
            if (now != null && key != null && !key.equals(now.fileKey())) {
                FileType recognised = FileType.of(file);
                if (recognised != type) {
                    throw new Failure(file + ": replaced by a " + recognised.label + " file while being read as a "
                            + type.label + " file");
                }
                open(recognised, now);
            } else {
                requireNotShrunk(now);
            }
            try {
                return inspector.sample(filter);
            } catch (InternalError | RuntimeException e) {
                requireNotShrunk(attributes());
                throw e;
            }
        }

        private void requireNotShrunk(BasicFileAttributes now) throws Failure {
            if (now != null && now.isRegularFile() && (key == null || key.equals(now.fileKey())) && now.size() < size) {
                throw new Failure(file + ": " + new FileSizes.Shrunk(file, size, now.size()).describe("read"));
            }
        }

        @Override
        public void close() {
            inspector.close();
        }
    }
}
