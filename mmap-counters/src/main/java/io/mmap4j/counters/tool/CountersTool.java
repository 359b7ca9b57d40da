package io.mmap4j.counters.tool;

import io.mmap4j.counters.Counter;
import io.mmap4j.counters.Counters;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The command-line tool for counters files. Its one command, {@code stat}, prints every counter's
 * id, name, value and rate per second, reading the file read-only while writers keep updating it
 * (after Aeron's {@code AeronStat}):
 *
 * <pre>
 * java -jar mmap-counters-cli.jar stat &lt;file&gt; [--watch SECONDS] [--count N] [--filter REGEX]
 * </pre>
 *
 * Exit status: 0 when done, 1 if the file cannot be read (missing, corrupt), 2 for bad arguments.
 */
public final class CountersTool {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    static final String USAGE_TEXT = """
            usage: stat <file> [--watch SECONDS] [--count N] [--filter REGEX]
              Prints the id, name, value and rate per second of every counter in a counters file,
              read-only, while other processes go on updating it.
              --watch SECONDS  print again every SECONDS (decimals allowed, 0.05 to 86400) until
                               stopped; without it, print once, with rates measured over 1 second
              --count N        stop after N prints (default: 1 without --watch, no limit with it)
              --filter REGEX   only counters whose name contains a match of REGEX (Java syntax)
            """;

    private static final double MIN_INTERVAL = 0.05;
    private static final double MAX_INTERVAL = 86_400;

    private CountersTool() {
    }

    /**
     * Runs the tool and exits the JVM with its status (see above). Counters and the usage asked
     * for go to {@code System.out}; errors, and the usage after bad arguments, to {@code System.err}.
     *
     * @param args {@code stat <file> [--watch SECONDS] [--count N] [--filter REGEX]}, or one of
     *             {@code help}, {@code --help}, {@code -h} for the usage
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command line; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && (args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h"))) {
            out.print(USAGE_TEXT);
            return OK;
        }
        StatOptions options;
        try {
            options = StatOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("stat: " + e.getMessage());
            err.print(USAGE_TEXT);
            return USAGE;
        }
        try (Counters counters = Counters.openReadOnly(options.file())) {
            stat(counters, options, out);
            return OK;
        } catch (NoSuchFileException e) {
            err.println("stat: no such file: " + e.getFile());
        } catch (IOException e) {
            err.println("stat: " + e.getMessage());
        } catch (UncheckedIOException e) { // damage found while watching
            err.println("stat: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OK; // asked to stop watching
        }
        return FAILED;
    }

    /**
     * Prints {@code options.count()} frames, each with the rates since the previous sample. Each
     * sample is due one interval after the one before; a late one does not make the next come sooner.
     */
    private static void stat(Counters counters, StatOptions options, PrintStream out) throws InterruptedException {
        long intervalNanos = (long) (options.intervalSeconds() * 1e9);
        Frame frame = frame(counters, options.filter(), List.of(), 1);
        long previousAt = System.nanoTime();
        for (long printed = 0; printed < options.count(); printed++) {
            long wait = previousAt + intervalNanos - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            long now = System.nanoTime();
            frame = frame(counters, options.filter(), frame.rows, (now - previousAt) / 1e9);
            previousAt = now;
            print(counters, frame, out, printed > 0);
        }
    }

    private record Row(int id, String name, long value, String rate) {
    }

    /** The rows that pass the filter, out of {@code total} counters. */
    private record Frame(List<Row> rows, int total) {
    }

    /** The counters that pass the filter, with their rates since {@code previous}, {@code seconds} ago. */
    private static Frame frame(Counters counters, Pattern filter, List<Row> previous, double seconds) {
        Map<Integer, Long> before = new HashMap<>();
        for (Row row : previous) {
            before.put(row.id, row.value);
        }
        List<Row> rows = new ArrayList<>();
        List<Counter> all = counters.counters();
        for (Counter counter : all) {
            if (filter.matcher(counter.name()).find()) {
                long value = counter.get();
                Long old = before.get(counter.id());
                String rate = old == null ? "-" : String.format(Locale.ROOT, "%.1f", (value - old) / seconds);
                rows.add(new Row(counter.id(), counter.name(), value, rate));
            }
        }
        return new Frame(rows, all.size());
    }

    private static void print(Counters counters, Frame frame, PrintStream out, boolean separate) {
        int nameWidth = "name".length();
        for (Row row : frame.rows) {
            nameWidth = Math.max(nameWidth, row.name.length());
        }
        String format = "%6s  %-" + nameWidth + "s  %20s  %14s%n";
        StringBuilder text = new StringBuilder();
        if (separate) {
            text.append(System.lineSeparator());
        }
        text.append(Instant.now().truncatedTo(ChronoUnit.MILLIS)).append("  ").append(counters.path())
                .append("  showing ").append(frame.rows.size()).append(" of ").append(frame.total)
                .append(" counters, capacity ").append(counters.layout().capacity()).append(System.lineSeparator());
        text.append(String.format(Locale.ROOT, format, "id", "name", "value", "rate/s"));
        for (Row row : frame.rows) {
            text.append(String.format(Locale.ROOT, format, row.id, row.name, row.value, row.rate));
        }
        out.print(text);
        out.flush();
    }

    /** The arguments of {@code stat}. */
    record StatOptions(Path file, double intervalSeconds, long count, Pattern filter) {
        static StatOptions parse(String[] args) {
            if (args.length == 0 || !args[0].equals("stat")) {
                throw new IllegalArgumentException(args.length == 0 ? "no command given"
                        : "unknown command \"" + args[0] + "\", the only command is \"stat\"");
            }
            Path file = null;
            Double interval = null;
            Long count = null;
            Pattern filter = null;
            for (int i = 1; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--watch" -> {
                        requireOnce(interval, arg);
                        interval = seconds(value(args, ++i, arg));
                    }
                    case "--count" -> {
                        requireOnce(count, arg);
                        count = positive(value(args, ++i, arg));
                    }
                    case "--filter" -> {
                        requireOnce(filter, arg);
                        filter = regex(value(args, ++i, arg));
                    }
                    default -> {
                        if (arg.startsWith("--")) {
                            throw new IllegalArgumentException("unknown option " + arg);
                        }
                        if (file != null) {
                            throw new IllegalArgumentException("more than one file: " + file + " and " + arg);
                        }
                        file = Path.of(arg);
                    }
                }
            }
            if (file == null) {
                throw new IllegalArgumentException("no file given");
            }
            return new StatOptions(file, interval == null ? 1 : interval,
                    count != null ? count : interval == null ? 1 : Long.MAX_VALUE,
                    filter == null ? Pattern.compile("") : filter);
        }

        private static void requireOnce(Object seen, String option) {
            if (seen != null) {
                throw new IllegalArgumentException(option + " given twice");
            }
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }

        private static double seconds(String text) {
            double seconds;
            try {
                seconds = Double.parseDouble(text);
            } catch (NumberFormatException e) {
                seconds = Double.NaN;
            }
            if (!(seconds >= MIN_INTERVAL && seconds <= MAX_INTERVAL)) {
                throw new IllegalArgumentException("--watch " + text + ": expected seconds from " + MIN_INTERVAL
                        + " to " + (long) MAX_INTERVAL);
            }
            return seconds;
        }

        private static long positive(String text) {
            try {
                long count = Long.parseLong(text);
                if (count > 0) {
                    return count;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("--count " + text + ": expected a whole number from 1 to " + Long.MAX_VALUE);
        }

        private static Pattern regex(String text) {
            try {
                return Pattern.compile(text);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("--filter " + text + ": not a regular expression: "
                        + e.getDescription() + " near index " + e.getIndex());
            }
        }
    }
}
