package io.mmap4j.cli;

import io.mmap4j.cli.Sample.Figure;
import io.mmap4j.store.StaticStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A static store under {@code stat}: the figures its header holds. The file never changes once
 * published, so a sample is its {@link StaticStore#stat()}; a writer publishing a new version
 * renames a new file over the name, which {@code stat --watch} notices and opens.
 */
final class StaticStoreInspector implements Inspector {
    private final StaticStore store;

    StaticStoreInspector(Path file) throws IOException {
        this.store = StaticStore.open(file);
    }

    @Override
    public Sample sample(Pattern filter) {
        return new Sample(figures(store.stat()), List.of());
    }

    /** What {@code stat} prints of a static store, in order. */
    static List<Figure> figures(StaticStore.Stat stat) {
        return List.of(
                Figure.of("keys", stat.keys()),
                Figure.of("file bytes", stat.fileBytes()),
                Figure.of("key bytes", stat.keyBytes()),
                Figure.of("value bytes", stat.valueBytes()),
                Figure.of("largest value", stat.largestValue()),
                Figure.of("replaced records", stat.replacedRecords()),
                Figure.of("data bytes", stat.dataBytes()),
                Figure.of("index slots", stat.indexSlots()),
                new Figure("index load", stat.indexLoad(), false),
                Figure.of("max displacement", stat.maxDisplacement()),
                new Figure("seed", String.format(Locale.ROOT, "0x%016x", stat.seed()), false));
    }

    @Override
    public void close() {
        store.close();
    }
}
