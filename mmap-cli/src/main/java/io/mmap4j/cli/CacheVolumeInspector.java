package io.mmap4j.cli;

import io.mmap4j.cache.CacheVolume;
import io.mmap4j.cli.Sample.Figure;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A cache volume under {@code stat}: its figures as of its last directory sync, read from the file
 * without a lock while the process that has it open goes on ({@link CacheVolume#stats(Path)}).
 * Hits, misses, evictions and corrupt entries dropped live in that process, not in the file, so
 * they are not shown.
 */
final class CacheVolumeInspector {
    private CacheVolumeInspector() {
    }

    static Inspector open(Path file) throws IOException {
        return new PathInspector<>(file, CacheVolume::stats, CacheVolumeInspector::figures);
    }

    /** What {@code stat} prints of a cache volume, in order. */
    static List<Figure> figures(CacheVolume.Stats stats) {
        return List.of(
                Figure.of("objects", stats.objects()),
                new Figure("fill", stats.fill(), false),
                Figure.rated("write cursor", stats.writeCursor()),
                Figure.of("sync serial", stats.syncSerial()),
                Figure.of("directory entries", stats.directoryEntries()),
                new Figure("directory bytes per object", stats.directoryBytesPerObject(), false),
                Figure.of("data bytes", stats.dataBytes()),
                Figure.of("volume bytes", stats.volumeBytes()),
                Figure.of("recoveries", stats.recoveries()));
    }
}
