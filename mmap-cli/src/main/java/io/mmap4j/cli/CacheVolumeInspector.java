package io.mmap4j.cli;

import io.mmap4j.cache.CacheVolume;
import io.mmap4j.cli.Sample.Figure;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A cache volume under {@code stat}: its figures as of its last directory sync, read from the file
 * without a lock while the process that has it open goes on ({@link CacheVolume#stats(Path)}).
 * The counts (hits, misses, evictions, bytes written, corrupt entries dropped) are the volume's
 * over its life as that sync saved them; the hit ratio is {@code n/a} before any get.
 */
final class CacheVolumeInspector {
    private CacheVolumeInspector() {
    }

    /** Opens {@code file}, a cache volume, for {@code stat}. */
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
                Figure.rated("hits", stats.hits()),
                Figure.rated("misses", stats.misses()),
                hitRatio(stats),
                Figure.of("evictions", stats.evictions()),
                Figure.rated("bytes written", stats.bytesWritten()),
                Figure.of("corrupt dropped", stats.corruptDropped()),
                Figure.of("directory entries", stats.directoryEntries()),
                new Figure("directory bytes per object", stats.directoryBytesPerObject(), false),
                Figure.of("data bytes", stats.dataBytes()),
                Figure.of("volume bytes", stats.volumeBytes()),
                Figure.of("recoveries", stats.recoveries()));
    }

    /** Hits over gets; not a number before any get, rather than a false zero. */
    static Figure hitRatio(CacheVolume.Stats stats) {
        return stats.hits() + stats.misses() == 0 ? new Figure("hit ratio", "n/a", false)
                : new Figure("hit ratio", stats.hitRatio(), false);
    }
}
