package io.mmap4j.blocks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged files: reported with the file, offset, field, value and expectation; never reset; never a crash. */
class BlockCorruptionTest {
    @TempDir
    Path dir;

    private Path sound(int blockSize, int blocks) throws Exception {
        Path file = dir.resolve("blocks");
        try (BlockStorage s = BlockStorage.open(file, blockSize)) {
            for (int i = 0; i < blocks; i++) {
                s.store(BlockStorageTest.block(blockSize, i));
            }
        }
        return file;
    }

    private static void put(Path file, long offset, byte[] bytes) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), offset);
        }
    }

    private static byte[] le(long value, int bytes) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
        return Arrays.copyOf(b.array(), bytes);
    }

    /** Opening fails with exactly this message and leaves every byte of the file as it was. */
    private void refused(Path file, long offset, String field, String message) throws Exception {
        byte[] before = Files.readAllBytes(file);
        CorruptBlockStorageException e = assertThrows(CorruptBlockStorageException.class,
                () -> BlockStorage.open(file, 16));
        assertEquals(file + ": corrupt block storage at byte offset " + offset + ": " + message, e.getMessage());
        assertEquals(offset, e.offset());
        assertEquals(field, e.field());
        assertEquals(file, e.file());
        assertArrayEquals(before, Files.readAllBytes(file), "the file was changed");
        assertEquals(offset, BlockStorage.verify(file).getFirst().offset());
        CorruptBlockStorageException viaStats = assertThrows(CorruptBlockStorageException.class,
                () -> BlockStorage.stats(file));
        assertEquals(e.getMessage(), viaStats.getMessage());
    }

    @Test
    void aFileOfAnotherKindIsRefused() throws Exception {
        Path file = dir.resolve("blocks");
        Files.writeString(file, "not a block storage file, but long enough to have a header");
        refused(file, 0, "magic", "magic is \"not a bl\", expected \"MMAP4JBK\" (a block storage file)");
    }

    @Test
    void anEmptyOrShortFileIsRefused() throws Exception {
        Path file = dir.resolve("blocks");
        Files.write(file, new byte[0]);
        refused(file, 0, "file length",
                "file length is 0, expected at least 540672 bytes (a header, the hints and one group)");
        Files.write(file, "MMAP4JBK".getBytes());
        refused(file, 0, "file length",
                "file length is 8, expected at least 540672 bytes (a header, the hints and one group)");
    }

    @Test
    void everyHeaderFieldIsChecked() throws Exception {
        Path file = sound(16, 10);
        put(file, 8, le(2, 4));
        refused(file, 8, "version", "version is 2, expected 1 (the only version this library reads)");
        put(file, 8, le(1, 4));
        put(file, 12, le(0, 4));
        refused(file, 12, "block size", "block size is 0, expected 1 to 1048576");
        put(file, 12, le(16, 4));
        put(file, 16, le(0, 8));
        refused(file, 16, "group count", "group count is 0, expected 1 to 4194304");
        put(file, 16, le(-1, 8));
        refused(file, 16, "group count", "group count is 18446744073709551615, expected 1 to 4194304");
        put(file, 16, le(2, 8));
        refused(file, 0, "file length", "file length is 541824, expected at least 542976 bytes for 2 groups of 64"
                + " blocks of 16 bytes");
        put(file, 16, le(1, 8));
        put(file, 100, new byte[] {5});
        refused(file, 100, "header padding", "header padding is byte 0x5, expected 0");
        put(file, 100, new byte[] {0});
        put(file, 5000, new byte[] {(byte) 0xFF});
        refused(file, 5000, "level-3 padding", "level-3 padding is byte 0xff, expected 0");
        put(file, 5000, new byte[] {0});
        try (BlockStorage s = BlockStorage.open(file, 16)) {
            assertEquals(10, s.stats().allocated()); // repaired by hand, sound again
        }
    }

    @Test
    void aTruncatedFileIsRefused() throws Exception {
        Path file = sound(16, 100); // two groups
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(BlockFormat.fileSize(16, 2) - 1);
        }
        refused(file, 0, "file length", "file length is 542975, expected at least 542976 bytes for 2 groups of 64"
                + " blocks of 16 bytes");
    }

    @Test
    void aBadPublishedByteIsReportedByTheOperationThatMeetsIt() throws Exception {
        Path file = sound(16, 3);
        long flag = BlockFormat.DATA_OFFSET + BlockFormat.AT_PUBLISHED + 1;
        put(file, flag, new byte[] {7});
        try (BlockStorage s = BlockStorage.open(file, 16)) {
            String message = file + ": corrupt block storage at byte offset " + flag
                    + ": published byte of block 1 is 7, expected 0 or 1";
            for (var op : List.<Runnable>of(() -> s.read(1), () -> s.free(1), () -> s.view(1),
                    () -> s.write(1, new byte[16]))) {
                UncheckedIOException e = assertThrows(UncheckedIOException.class, op::run);
                assertInstanceOf(CorruptBlockStorageException.class, e.getCause());
                assertEquals(message, e.getCause().getMessage());
            }
            assertArrayEquals(BlockStorageTest.block(16, 2), s.read(2)); // the others read on
        }
        List<BlockStorage.Problem> problems = BlockStorage.verify(file);
        assertEquals(List.of(new BlockStorage.Problem(flag, "published byte of block 1", "7", "0 or 1")), problems);
        assertEquals("at byte offset " + flag + ": published byte of block 1 is 7, expected 0 or 1",
                problems.getFirst().toString());
    }

    @Test
    void aPublishedBlockWithoutItsClaimIsReported() throws Exception {
        Path file = sound(16, 3);
        put(file, BlockFormat.DATA_OFFSET, le(0b011, 8)); // block 2 is published but no longer claimed
        assertEquals(List.of(new BlockStorage.Problem(BlockFormat.DATA_OFFSET, "claim word of group 0", "0x3",
                "bit 2 set, since block 2 is published")), BlockStorage.verify(file));
    }

    @Test
    void wrongHintsAreReportedAndRepairedAndNothingElseChanges() throws Exception {
        Path file = sound(16, 100); // group 0 full, group 1 has 36 blocks
        long level1 = BlockFormat.levelWordOffset(1, 0);
        assertEquals(List.of(), BlockStorage.verify(file));
        put(file, level1, le(0b10, 8)); // group 0 said to have room, group 1 said to be full
        put(file, BlockFormat.levelWordOffset(2, 5), le(1, 8)); // a hint for groups the file does not have
        List<BlockStorage.Problem> problems = BlockStorage.verify(file);
        assertEquals(List.of(
                new BlockStorage.Problem(level1, "level-1 hint word 0", "0x2",
                        "0x1 (from the words below; repair() rebuilds hints)"),
                new BlockStorage.Problem(BlockFormat.levelWordOffset(2, 5), "level-2 hint word 5", "0x1",
                        "0x0 (from the words below; repair() rebuilds hints)")), problems);
        byte[] before = Files.readAllBytes(file);
        try (BlockStorage s = BlockStorage.open(file, 16)) {
            assertEquals(new BlockStorage.Repair(2, 0), s.repair());
            assertEquals(new BlockStorage.Repair(0, 0), s.repair());
            assertEquals(100, s.store(BlockStorageTest.block(16, 100))); // group 1 has room after all
        }
        assertEquals(List.of(), BlockStorage.verify(file));
        byte[] after = Files.readAllBytes(file);
        long firstGroup = BlockFormat.DATA_OFFSET;
        assertArrayEquals(Arrays.copyOf(before, 4096), Arrays.copyOf(after, 4096), "the header changed");
        // the data region changed only by the one store
        long storedFlag = firstGroup + BlockFormat.groupStride(16) + BlockFormat.AT_PUBLISHED + 36;
        after[(int) storedFlag] = 0;
        long claim = firstGroup + BlockFormat.groupStride(16);
        System.arraycopy(before, (int) claim, after, (int) claim, 8);
        long block = claim + BlockFormat.GROUP_HEADER_BYTES + 36 * 16;
        System.arraycopy(before, (int) block, after, (int) block, 16);
        assertArrayEquals(Arrays.copyOfRange(before, (int) firstGroup, before.length),
                Arrays.copyOfRange(after, (int) firstGroup, after.length));
    }

    @Test
    void twentyGarbageFilesNeverCrashOpenReadOrRepairAndRepairIsIdempotent() throws Exception {
        // emmap's sustainability test: random garbage, with and without a sound header
        Random random = new Random(42);
        for (int round = 0; round < 20; round++) {
            Path file = dir.resolve("garbage-" + round);
            int blockSize = 1 + random.nextInt(64);
            long groups = 1 + random.nextInt(4);
            byte[] bytes = new byte[(int) BlockFormat.fileSize(blockSize, groups) + random.nextInt(100)];
            random.nextBytes(bytes);
            boolean soundHeader = round % 4 != 0;
            if (soundHeader) {
                ByteBuffer h = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
                h.put(0, BlockFormat.MAGIC).putInt(8, 1).putInt(12, blockSize).putLong(16, groups);
                Arrays.fill(bytes, 24, 4096, (byte) 0);
                Arrays.fill(bytes, (int) BlockFormat.LEVEL_3_END, 8192, (byte) 0);
                for (int g = 0; g < groups && round % 2 == 1; g++) { // half of them: published bytes of 0 or 1
                    int at = (int) (BlockFormat.DATA_OFFSET + g * BlockFormat.groupStride(blockSize));
                    for (int i = 0; i < 64; i++) {
                        bytes[at + 64 + i] &= 1;
                    }
                }
            }
            Files.write(file, bytes);
            List<BlockStorage.Problem> problems = BlockStorage.verify(file);
            assertTrue(!problems.isEmpty(), "garbage passed verify, round " + round);
            if (!soundHeader) {
                assertThrows(CorruptBlockStorageException.class, () -> BlockStorage.open(file, blockSize));
                assertArrayEquals(bytes, Files.readAllBytes(file));
                continue;
            }
            try (BlockStorage s = BlockStorage.open(file, blockSize)) {
                for (long address = 0; address < groups * 64; address++) {
                    try {
                        byte[] block = s.read(address);
                        assertTrue(block == null || block.length == blockSize);
                    } catch (UncheckedIOException e) {
                        assertInstanceOf(CorruptBlockStorageException.class, e.getCause());
                    }
                }
                s.repair();
                byte[] once = Files.readAllBytes(file);
                assertEquals(0, s.repair().hintWordsCorrected(), "round " + round);
                assertArrayEquals(once, Files.readAllBytes(file), "repair is idempotent, round " + round);
                // repair touched the hints only: the header and the groups are as they were
                assertArrayEquals(Arrays.copyOf(bytes, 4096), Arrays.copyOf(once, 4096));
                int data = (int) BlockFormat.DATA_OFFSET;
                assertArrayEquals(Arrays.copyOfRange(bytes, data, bytes.length), Arrays.copyOfRange(once, data, once.length));
            }
            for (BlockStorage.Problem p : BlockStorage.verify(file)) {
                assertTrue(p.offset() >= BlockFormat.DATA_OFFSET, "a hint left wrong by repair: " + p);
            }
        }
    }
}
