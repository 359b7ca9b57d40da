package io.mmap4j.cli;

import io.mmap4j.counters.Counter;
import io.mmap4j.counters.Counters;
import io.mmap4j.cli.Sample.Figure;
import io.mmap4j.cli.Sample.Row;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** A counters file under {@code stat}: each counter's id, name and value, which {@code stat} rates per second. */
final class CountersInspector implements Inspector {
    private final Counters counters;

    CountersInspector(Path file) throws IOException {
        this.counters = Counters.openReadOnly(file);
    }

    @Override
    public Sample sample(Pattern filter) throws IOException {
        List<Counter> all;
        try {
            all = counters.counters();
        } catch (UncheckedIOException e) { // damaged since it was opened
            throw e.getCause();
        }
        List<Row> rows = new ArrayList<>();
        for (Counter counter : all) {
            if (filter == null || filter.matcher(counter.name()).find()) {
                rows.add(new Row(counter.id(), counter.name(), counter.get()));
            }
        }
        List<Figure> figures = new ArrayList<>(List.of(
                Figure.of("counters", all.size()),
                Figure.of("capacity", counters.layout().capacity())));
        if (filter != null) {
            figures.add(Figure.of("shown", rows.size()));
        }
        return new Sample(figures, rows);
    }

    @Override
    public void close() {
        counters.close();
    }
}
