package io.mmap4j.cli;

import io.mmap4j.cli.Sample.Figure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
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
        description = {
            "Prints what an mmap4j file holds, read-only, while other processes go on writing it.",
            "counters: each counter's id, name, value and change per second.",
        })
final class StatCommand implements Callable<Integer> {
    private static final double MIN_SECONDS = 0.05;
    private static final double MAX_SECONDS = 86_400;

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private Mmap4j tool;

    @Parameters(paramLabel = "FILE", description = "an mmap4j file, recognised by its first bytes")
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
            description = "only the items whose name holds a match of REGEX (Java syntax): counters")
    private void filter(String regex) {
        try {
            filter = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new ParameterException(spec.commandLine(), "--filter " + regex + ": not a regular expression: "
                    + e.getDescription() + " near index " + e.getIndex());
        }
    }

    @Override
    public Integer call() throws Failure, IOException, InterruptedException {
        FileType type = FileType.of(file);
        if (filter != null && !type.hasRows) {
            throw new ParameterException(spec.commandLine(), "--filter selects named items, and a " + type.label
                    + " file has none");
        }
        long samples = count != null ? count : watching ? Long.MAX_VALUE : 1;
        long sizeAtOpen = Files.size(file);
        try (Inspector inspector = type.open(file)) {
            StatPrinter printer = new StatPrinter(spec.commandLine().getOut(), tool.terminal,
                    json ? new Json(tool.terminal) : null, file, type);
            Sample previous = sample(inspector, sizeAtOpen);
            boolean rated = type.hasRows || previous.figures().stream().anyMatch(Figure::rated);
            if (!rated && !watching && count == null) {
                printer.print(Instant.now(), previous, null, 0); // nothing to wait for
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
                Sample sample = sample(inspector, sizeAtOpen);
                printer.print(Instant.now(), sample, previous, (now - previousAt) / 1e9);
                previous = sample;
                previousAt = now;
            }
        }
        return 0;
    }

    /**
     * Samples the file, unless another process has truncated it: reading a mapped page past the
     * end of the file is a fault ({@code SIGBUS}) that the JVM reports as an error, so the size is
     * checked first, and a fault between the check and the read is reported the same way.
     */
    private Sample sample(Inspector inspector, long sizeAtOpen) throws Failure, IOException {
        requireNotShrunk(sizeAtOpen);
        try {
            return inspector.sample(filter);
        } catch (InternalError | RuntimeException e) {
            requireNotShrunk(sizeAtOpen);
            throw e;
        }
    }

    private void requireNotShrunk(long sizeAtOpen) throws Failure, IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException deleted) {
            return; // the mapping outlives the name: the data is still there
        }
        if (size < sizeAtOpen) {
            throw new Failure(file + ": the file shrank from " + sizeAtOpen + " to " + size
                    + " bytes while being read (another process truncated it)");
        }
    }
}
