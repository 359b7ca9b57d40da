package io.mmap4j.cli;

import io.mmap4j.blocks.BlockStorage;
import io.mmap4j.cli.Sample.Figure;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A block storage file under {@code stat}: its blocks allocated, reserved (claimed by a store or a
 * free still under way, or left so by a process that died) and free, counted by the library's
 * {@link BlockStorage#stats()} at each sample while other processes store and free.
 *
 * <p>{@code BlockStorage} has no read-only open: {@link #stats(Path)} opens the file as every
 * process that uses it does, which maps it read-write, and only counts; it stores, frees and grows
 * nothing.
 */
final class BlockStorageInspector {
    /** Where the header keeps the block size (docs/blocks-format.md), which {@code open} must be given. */
    private static final int AT_BLOCK_SIZE = 12;
    private static final int MAX_BLOCK_SIZE = 1 << 20;

    private BlockStorageInspector() {
    }

    static Inspector open(Path file) throws IOException {
        return new PathInspector<>(file, BlockStorageInspector::stats, BlockStorageInspector::figures);
    }

    /**
     * The figures of the storage in {@code file}, opened with the block size its header gives (or,
     * if that is out of range, any valid one, so that open reports the header's problem).
     */
    static BlockStorage.Stats stats(Path file) throws IOException {
        ByteBuffer field = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.read(field, AT_BLOCK_SIZE);
        }
        int blockSize = field.hasRemaining() ? 1 : field.getInt(0);
        try (BlockStorage storage = BlockStorage.open(file, blockSize >= 1 && blockSize <= MAX_BLOCK_SIZE ? blockSize : 1)) {
            return storage.stats();
        }
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
