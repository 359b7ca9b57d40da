package io.mmap4j.blocks;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test vectors of docs/blocks-format.md, byte for byte, in files the Java code writes. */
class BlockFormatTest {
    @TempDir
    Path dir;

    private static void at(byte[] file, int offset, String hex) {
        byte[] expected = HexFormat.ofDelimiter(" ").parseHex(hex);
        assertArrayEquals(expected, Arrays.copyOfRange(file, offset, offset + expected.length), "bytes at " + offset);
    }

    /** Every byte of {@code file} is zero except in the listed ranges. */
    private static void zeroElsewhere(byte[] file, int... ranges) {
        outer:
        for (int i = 0; i < file.length; i++) {
            for (int r = 0; r < ranges.length; r += 2) {
                if (i >= ranges[r] && i < ranges[r] + ranges[r + 1]) {
                    continue outer;
                }
            }
            assertEquals(0, file[i], "byte " + i);
        }
    }

    @Test
    void theTestVectorsOfTheFormatDocument() throws Exception {
        Path path = dir.resolve("blocks");
        try (BlockStorage s = BlockStorage.open(path, 8)) {
            s.store("abcdefgh".getBytes(US_ASCII));
            s.store("12345678".getBytes(US_ASCII));
            s.free(0);
        }
        byte[] file = Files.readAllBytes(path);
        assertEquals(541_312, file.length);
        at(file, 0, "4D 4D 41 50 34 4A 42 4B");
        at(file, 8, "01 00 00 00");
        at(file, 12, "08 00 00 00");
        at(file, 16, "01 00 00 00 00 00 00 00");
        at(file, 540_672, "02 00 00 00 00 00 00 00");
        at(file, 540_736, "00 01");
        at(file, 540_800, "61 62 63 64 65 66 67 68");
        at(file, 540_808, "31 32 33 34 35 36 37 38");
        zeroElsewhere(file, 0, 24, 540_672, 8, 540_736, 2, 540_800, 16);

        try (BlockStorage s = BlockStorage.open(path, 8)) {
            for (int i = 0; i < 64; i++) {
                long address = s.store("xxxxxxxx".getBytes(US_ASCII));
                assertEquals(i == 0 ? 0 : i + 1, address);
            }
        }
        file = Files.readAllBytes(path);
        assertEquals(541_952, file.length);
        at(file, 16, "02 00 00 00 00 00 00 00");
        at(file, 16_384, "01 00 00 00 00 00 00 00");
        at(file, 540_672, "FF FF FF FF FF FF FF FF");
        at(file, 541_312, "01 00 00 00 00 00 00 00");
        at(file, 541_376, "01");
        at(file, 541_440, "78 78 78 78 78 78 78 78");
        zeroElsewhere(file, 0, 24, 16_384, 8, 540_672, 8, 540_736, 64, 540_800, 512, 541_312, 8, 541_376, 1,
                541_440, 8);
    }

    @Test
    void theLayoutConstantsAreThoseOfTheDocument() {
        assertEquals(540_672, BlockFormat.DATA_OFFSET);
        assertEquals(4096, BlockFormat.levelWordOffset(3, 0));
        assertEquals(8192, BlockFormat.levelWordOffset(2, 0));
        assertEquals(16_384 + 8 * 65_535, BlockFormat.levelWordOffset(1, 65_535));
        assertEquals(BlockFormat.DATA_OFFSET, BlockFormat.levelWordOffset(1, 65_536));
        assertEquals(268_435_456L, BlockFormat.MAX_BLOCKS);
        assertEquals(128 + 64L * 1531, BlockFormat.groupStride(1531));
    }
}
