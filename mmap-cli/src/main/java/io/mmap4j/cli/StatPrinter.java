package io.mmap4j.cli;

import io.mmap4j.cli.Sample.Figure;
import io.mmap4j.cli.Sample.Row;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prints the samples of {@code stat}, each with the rates since the sample before: as text for
 * people (a title line, the figures, a table of the rows) or as one line of JSON each.
 */
final class StatPrinter {
    private static final int ID_COLUMNS = 6;
    private static final int VALUE_COLUMNS = 20;
    private static final int RATE_COLUMNS = 14;

    private final PrintWriter out;
    private final Terminal terminal;
    private final Json json;
    private final Path file;
    private boolean first = true;

    /** A printer of the samples of {@code file}, as JSON through {@code json}, or as text if it is null. */
    StatPrinter(PrintWriter out, Terminal terminal, Json json, Path file) {
        this.out = out;
        this.terminal = terminal;
        this.json = json;
        this.file = file;
    }

    /**
     * Prints {@code sample} of a file of this {@code type}, taken at {@code time}, with the rates
     * since {@code previous}, taken {@code seconds} before; without a previous sample, no rates.
     */
    void print(Instant time, FileType type, Sample sample, Sample previous, double seconds) {
        Map<String, Long> figuresBefore = new HashMap<>();
        Map<Long, Long> rowsBefore = new HashMap<>();
        if (previous != null) {
            previous.figures().stream().filter(Figure::rated).forEach(f -> figuresBefore.put(f.label(), (Long) f.value()));
            previous.rows().forEach(r -> rowsBefore.put(r.id(), r.value()));
        }
        time = time.truncatedTo(ChronoUnit.MILLIS);
        if (json != null) {
            printJson(time, type, sample, figuresBefore, rowsBefore, seconds);
        } else {
            printText(time, type, sample, figuresBefore, rowsBefore, seconds);
        }
        out.flush();
        first = false;
    }

    private void printText(Instant time, FileType type, Sample sample, Map<String, Long> figuresBefore,
                           Map<Long, Long> rowsBefore, double seconds) {
        List<String> lines = new ArrayList<>();
        if (!first) {
            lines.add("");
        }
        lines.add(time + "  " + terminal.escape(file.toString()) + "  " + type.label);
        int labelColumns = sample.figures().stream().mapToInt(f -> f.label().length()).max().orElse(0);
        int valueColumns = sample.figures().stream().mapToInt(f -> text(f.value()).length()).max().orElse(0);
        for (Figure figure : sample.figures()) {
            String line = "  " + Terminal.padEnd(figure.label(), labelColumns) + "  "
                    + Terminal.padStart(terminal.escape(text(figure.value())), valueColumns);
            if (figure.rated()) {
                line += "  " + rate((Long) figure.value(), figuresBefore.get(figure.label()), seconds) + "/s";
            }
            lines.add(line);
        }
        if (type.hasRows) {
            List<String[]> cells = new ArrayList<>();
            for (Row row : sample.rows()) {
                cells.add(new String[] {Long.toString(row.id()), terminal.escape(row.name()), Long.toString(row.value()),
                        rate(row.value(), rowsBefore.get(row.id()), seconds)});
            }
            int nameColumns = Math.max("name".length(), cells.stream().mapToInt(c -> Terminal.width(c[1])).max().orElse(0));
            lines.add(row(new String[] {"id", "name", "value", "rate/s"}, nameColumns));
            cells.forEach(c -> lines.add(row(c, nameColumns)));
        }
        lines.forEach(out::println);
    }

    private static String row(String[] cells, int nameColumns) {
        return Terminal.padStart(cells[0], ID_COLUMNS) + "  " + Terminal.padEnd(cells[1], nameColumns) + "  "
                + Terminal.padStart(cells[2], VALUE_COLUMNS) + "  " + Terminal.padStart(cells[3], RATE_COLUMNS);
    }

    private void printJson(Instant time, FileType type, Sample sample, Map<String, Long> figuresBefore,
                           Map<Long, Long> rowsBefore, double seconds) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("time", time.toString());
        object.put("file", file.toString());
        object.put("type", type.label);
        for (Figure figure : sample.figures()) {
            object.put(figure.key(), figure.value());
            if (figure.rated()) {
                object.put(figure.key() + "PerSecond", perSecond((Long) figure.value(), figuresBefore.get(figure.label()),
                        seconds));
            }
        }
        if (type.hasRows) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Row row : sample.rows()) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("id", row.id());
                r.put("name", row.name());
                r.put("value", row.value());
                r.put("perSecond", perSecond(row.value(), rowsBefore.get(row.id()), seconds));
                rows.add(r);
            }
            object.put("rows", rows);
        }
        out.println(json.write(object));
    }

    private static String text(Object value) {
        return value instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : value.toString();
    }

    /** The change per second, one decimal, or "-" without an earlier value. */
    private static String rate(long value, Long before, double seconds) {
        double perSecond = perSecond(value, before, seconds);
        return Double.isNaN(perSecond) ? "-" : String.format(Locale.ROOT, "%.1f", perSecond);
    }

    /** The change per second, or NaN without an earlier value. */
    private static double perSecond(long value, Long before, double seconds) {
        return before == null || seconds <= 0 ? Double.NaN : (value - before) / seconds;
    }
}
