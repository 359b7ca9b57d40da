package io.mmap4j.cli;

import io.mmap4j.cli.Sample.Figure;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A file under {@code stat} whose store reads its figures from the path, read-only, each time
 * they are asked for (a static {@code stats(Path)}), so nothing is held between samples.
 *
 * @param <S> the store's record of figures
 */
final class PathInspector<S> implements Inspector {
    /** A store's read-only {@code stats(Path)}. */
    @FunctionalInterface
    interface Reader<S> {
        S read(Path file) throws IOException;
    }

    private final Path file;
    private final Reader<S> reader;
    private final Function<S, List<Figure>> figures;

    /**
     * Reads the figures once, so that a damaged file is refused now, before the first sample is due.
     *
     * @param file    the store's file
     * @param reader  its store's {@code stats(Path)}
     * @param figures what {@code stat} prints of them, in order
     */
    PathInspector(Path file, Reader<S> reader, Function<S, List<Figure>> figures) throws IOException {
        this.file = file;
        this.reader = reader;
        this.figures = figures;
        reader.read(file);
    }

    @Override
    public Sample sample(Pattern filter) throws IOException {
        return new Sample(figures.apply(reader.read(file)), List.of());
    }

    @Override
    public void close() {
        // nothing held between samples
    }
}
