package io.mmap4j.cli;

import io.mmap4j.cli.Sample.Figure;
import io.mmap4j.queue.MappedQueue;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A queue file under {@code stat}: depth, bytes, head and tail (whose rates are the bytes consumed
 * and produced per second), abandoned claims. Each sample is the library's read-only
 * {@link MappedQueue#stats(Path)}, taken while producers and consumers go on.
 */
final class QueueInspector {
    private QueueInspector() {
    }

    static Inspector open(Path file) throws IOException {
        return new PathInspector<>(file, MappedQueue::stats, QueueInspector::figures);
    }

    /** What {@code stat} prints of a queue, in order. */
    static List<Figure> figures(MappedQueue.Stats stats) {
        return List.of(
                Figure.of("records", stats.records()),
                Figure.of("bytes used", stats.bytesUsed()),
                Figure.of("capacity", stats.capacity()),
                Figure.rated("head", stats.head()),
                Figure.rated("tail", stats.tail()),
                Figure.of("abandoned claims", stats.abandonedClaims()),
                Figure.of("corrupt records", stats.corruptRecords()),
                Figure.of("max record bytes", stats.maxRecordBytes()),
                Figure.of("unblock timeout ms", stats.unblockTimeout().toMillis()),
                Figure.of("file bytes", stats.fileBytes()));
    }
}
