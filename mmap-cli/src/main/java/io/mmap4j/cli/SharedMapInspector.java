package io.mmap4j.cli;

import io.mmap4j.cli.Sample.Figure;
import io.mmap4j.store.SharedMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A shared map under {@code stat}, opened read-only (it takes no lock and writes nothing): its
 * keys, live and dead bytes, and generation, read from the current data file at each sample, so
 * that a watch follows the map across the rewrites that grow or compact it.
 */
final class SharedMapInspector implements Inspector {
    private final SharedMap map;

    /** Opens the map in {@code path}, its directory or its control file {@code map}. */
    SharedMapInspector(Path path) throws IOException {
        this.map = SharedMap.open(Files.isDirectory(path) ? path : path.toAbsolutePath().getParent(),
                StandardOpenOption.READ);
    }

    @Override
    public Sample sample(Pattern filter) {
        return new Sample(figures(map.stats()), List.of());
    }

    /** What {@code stat} prints of a shared map, in order. */
    static List<Figure> figures(SharedMap.Stats stats) {
        return List.of(
                Figure.of("keys", stats.keys()),
                Figure.of("live bytes", stats.liveBytes()),
                Figure.of("dead bytes", stats.deadBytes()),
                Figure.of("data bytes", stats.dataBytes()),
                Figure.of("generation", stats.generation()),
                Figure.of("index slots", stats.slots()),
                Figure.of("used slots", stats.usedSlots()),
                new Figure("index load", stats.indexLoad(), false),
                Figure.of("file bytes", stats.fileBytes()),
                new Figure("seed", String.format(Locale.ROOT, "0x%016x", stats.seed()), false));
    }

    @Override
    public void close() {
        map.close();
    }
}
