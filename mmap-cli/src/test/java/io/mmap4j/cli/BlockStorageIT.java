package io.mmap4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.blocks.BlockStorage;
import io.mmap4j.blocks.CorruptBlockStorageException;
import io.mmap4j.cli.Run.Frame;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;

/**
 * The block storage's fixture for {@link FileTypeContract}: 150 blocks of 256 bytes stored and 20
 * freed (three groups); its live case a child JVM that stores and frees without pause, so the file
 * also grows while the tool reads it.
 */
class BlockStorageIT extends FileTypeContract {
    private static final int BLOCK = 256;
    private static final int DATA_OFFSET = 540_672;
    private static final int GROUP_STRIDE = 128 + 64 * BLOCK;

    @Override
    FileType type() {
        return FileType.BLOCKS;
    }

    @Override
    void writeFresh(Path file) throws IOException {
        try (BlockStorage storage = BlockStorage.open(file, BLOCK)) {
            for (int i = 0; i < 150; i++) {
                byte[] block = new byte[BLOCK];
                block[0] = (byte) i;
                assertEquals(i, storage.store(block));
            }
            for (int i = 10; i < 30; i++) {
                assertTrue(storage.free(i));
            }
        }
    }

    @Override
    Map<String, String> figures(Path file) throws IOException {
        BlockStorage.Stats stats = BlockStorage.stats(file);
        return figures("block size", stats.blockSize(), "capacity", stats.capacity(), "allocated", stats.allocated(),
                "reserved", stats.reserved(), "free", stats.free(), "file bytes", stats.fileBytes());
    }

    /** Stores 2000 blocks, then frees the 2000 oldest, and so on, until killed. */
    public static final class Writer {
        public static void main(String[] args) throws Exception {
            try (BlockStorage storage = BlockStorage.open(Path.of(args[0]), BLOCK)) {
                ArrayDeque<Long> held = new ArrayDeque<>();
                untilKilled(20, i -> {
                    if (i / 2000 % 2 == 0 || held.isEmpty()) {
                        held.add(storage.store(new byte[BLOCK]));
                    } else {
                        storage.free(held.poll());
                    }
                });
            }
        }
    }


    /** Blocks are stored and freed between samples; what is counted always adds up to the capacity. */
    @Override
    void assertFollowed(List<Frame> frames) {
        for (Frame frame : frames) {
            Map<String, String> f = frame.figures();
            assertEquals(number(f, "capacity"), number(f, "allocated") + number(f, "reserved") + number(f, "free"),
                    f::toString);
        }
        eachAfterTheFirst(frames, (before, now) -> assertNotEquals(before, now, frames::toString));
    }

    @Override
    List<?> libraryProblems(Path file) throws IOException {
        return BlockStorage.verify(file);
    }

    @Override
    String openFailure(Path file) {
        return refusal(() -> BlockStorage.open(file, BLOCK).close(), CorruptBlockStorageException.class);
    }

    @Override
    List<Damage> damages() {
        int group1 = DATA_OFFSET + GROUP_STRIDE;
        return List.of(
                new Damage("a published byte of 7", file -> rewrite(file, b -> b.put(DATA_OFFSET + 64 + 5, (byte) 7)),
                        "at byte offset " + (DATA_OFFSET + 64 + 5) + ": published byte of block 5 is 7, expected 0 or 1"),
                new Damage("a published block not claimed", file -> rewrite(file, b -> b.put(DATA_OFFSET + 64 + 20, (byte) 1)),
                        "at byte offset " + DATA_OFFSET + ": claim word of group 0 is 0x", "bit 20 set, since block 20 is published"),
                new Damage("a group's padding", file -> rewrite(file, b -> b.put(group1 + 9, (byte) 1)),
                        "at byte offset " + (group1 + 9) + ": group 1 padding is byte 0x1, expected 0"),
                version2("at byte offset 8: version is 2"),
                new Damage("truncated", file -> truncateBy(file, BLOCK), "at byte offset 0: file length is "));
    }

}
