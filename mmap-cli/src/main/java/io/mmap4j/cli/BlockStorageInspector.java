package io.mmap4j.cli;

import io.mmap4j.blocks.BlockStorage;
import io.mmap4j.cli.Sample.Figure;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A block storage file under {@code stat}: its blocks allocated, reserved (claimed by a store or a
 * free still under way, or left so by a process that died) and free, counted by the library's
 * read-only {@link BlockStorage#stats(Path)} at each sample while other processes store and free.
 * The tool maps the file read-only: it creates, stores, frees and grows nothing, and works on a
 * file it may only read.
 */
final class BlockStorageInspector {
    private BlockStorageInspector() {
    }

    /** Opens {@code file}, a block storage file, for {@code stat}. */
    static Inspector open(Path file) throws IOException {
        return new PathInspector<>(file, BlockStorage::stats, BlockStorageInspector::figures);
    }

    /** What {@code stat} prints of a block storage file, in order. */
    static List<Figure> figures(BlockStorage.Stats stats) {
        return List.of(
                Figure.of("block size", stats.blockSize()),
                Figure.of("capacity", stats.capacity()),
                Figure.rated("allocated", stats.allocated()),
                Figure.of("reserved", stats.reserved()),
                Figure.of("free", stats.free()),
                Figure.of("file bytes", stats.fileBytes()));
    }
}
