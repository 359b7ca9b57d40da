package io.mmap4j.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** The pieces of the format: sizing arithmetic, directory entry bit fields, approximate sizes, SipHash. */
class FormatUnitsTest {
    @Test
    void theShortCrcIsTheJdksCrc32cForEveryLengthAndAlignment() {
        SplittableRandom r = new SplittableRandom(12);
        byte[] bytes = new byte[200];
        r.nextBytes(bytes);
        MemorySegment s = MemorySegment.ofArray(bytes);
        for (int from = 0; from < 9; from++) {
            for (int length = 0; length <= 120; length++) {
                CRC32C jdk = new CRC32C();
                jdk.update(bytes, from, length);
                assertEquals((int) jdk.getValue(), ShortCrc32c.of(s, from, length), "from " + from + ", length " + length);
            }
        }
        // The check value of the CRC-32C catalogue: "123456789".
        assertEquals(0xE3069283, ShortCrc32c.of(MemorySegment.ofArray(
                "123456789".getBytes(StandardCharsets.US_ASCII)), 0, 9));
    }

    @Test
    void sizingOfAOneGibVolumeAsTheFormatDocumentWorksItOut() {
        VolumeGeometry g = VolumeGeometry.of(1L << 30, 8000);
        assertEquals(3, g.segments());
        assertEquals(11_157, g.bucketsPerSegment());
        assertEquals(133_884, g.entries());
        assertEquals(1_339_392, g.copyBytes());
        assertEquals(2_682_880, g.dataOffset());
        assertEquals(1_071_058_944, g.dataBytes());
        assertEquals(4096, g.copyOffset(0));
        assertEquals(4096 + 1_339_392, g.copyOffset(1));
        // About ten bytes of directory per object of the average size, per copy.
        double perObject = g.entries() * 10.0 / (g.dataBytes() / 8000.0);
        assertTrue(perObject > 9.9 && perObject < 10.1, "" + perObject);
    }

    @Test
    void theNewerValidCopyIsChosenAWhenTheSerialsAreEqualNoneWhenNeitherIsValid() {
        DirectoryCopy.Checked a5 = valid(0, 5);
        DirectoryCopy.Checked b6 = valid(1, 6);
        DirectoryCopy.Checked b5 = valid(1, 5);
        DirectoryCopy.Checked badA = invalid(0);
        DirectoryCopy.Checked badB = invalid(1);
        assertEquals(b6, DirectoryCopy.newer(a5, b6));
        assertEquals(a5, DirectoryCopy.newer(a5, b5));
        assertEquals(a5, DirectoryCopy.newer(a5, badB));
        assertEquals(b5, DirectoryCopy.newer(badA, b5));
        assertEquals(null, DirectoryCopy.newer(badA, badB));
    }

    private static DirectoryCopy.Checked valid(int copy, long serial) {
        return new DirectoryCopy.Checked(copy, new DirectoryCopy.State(serial, 0, 0, 0, 4096, false,
                DirectoryCopy.Counts.NONE), null);
    }

    private static DirectoryCopy.Checked invalid(int copy) {
        return new DirectoryCopy.Checked(copy, null, new CacheVolume.Problem(0, "copy magic", "0", "CVDIRHDR"));
    }

    @Test
    void sizingHoldsForManySizes() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 2000; i++) {
            long size = VolumeGeometry.MIN_VOLUME_BYTES + r.nextLong(1L << 42);
            int average = 512 + r.nextInt(1 << 21);
            VolumeGeometry g = VolumeGeometry.of(size, average);
            assertTrue(g.entriesPerSegment() <= 65_536);
            assertEquals(0, g.dataBytes() % 512);
            assertEquals(0, g.copyBytes() % 4096);
            assertTrue(g.dataOffset() + g.dataBytes() <= size);
            assertTrue(size - g.dataOffset() - g.dataBytes() < 512);
            long wanted = (size - 4096) / (average + 20);
            assertTrue(g.entries() >= wanted && g.entries() < wanted + 4L * g.segments() + 4, size + "/" + average);
        }
        assertThrows(IllegalArgumentException.class, () -> VolumeGeometry.of(1L << 20, 8000));
        String message = assertThrows(IllegalArgumentException.class, () -> VolumeGeometry.of(513L << 40, 1 << 30))
                .getMessage();
        assertTrue(message.startsWith("volume size " + (513L << 40) + " is over the limit of ")
                && message.endsWith(" bytes (40-bit offsets in 512-byte units)"), message);
        VolumeGeometry.of(500L << 40, 1 << 20); // 500 TiB: far beyond bakemono's 1 TiB
    }

    @Test
    void everyBitFieldSurvivesSettingTheOthersInAnyOrder() {
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 100_000; i++) {
            long offset = r.nextLong(1L << 40);
            int big = r.nextInt(4);
            int size = r.nextInt(64);
            int tag = r.nextInt(4096);
            int phase = r.nextInt(2);
            int head = r.nextInt(2);
            int pinned = r.nextInt(2);
            int token = r.nextInt(2);
            int next = r.nextInt(65_536);
            long lo = r.nextLong(); // garbage that every setter must overwrite
            for (int step : r.ints(0, 5).limit(12).toArray()) {
                lo = switch (step) {
                    case 0 -> DirEntry.withOffset(lo, offset);
                    case 1 -> DirEntry.withSize(lo, big, size);
                    case 2 -> DirEntry.withTag(lo, tag);
                    case 3 -> DirEntry.withFlags(lo, phase, head, pinned, token);
                    default -> DirEntry.withNext(lo, next);
                };
            }
            lo = DirEntry.withNext(DirEntry.withFlags(DirEntry.withTag(DirEntry.withSize(DirEntry.withOffset(lo, offset),
                    big, size), tag), phase, head, pinned, token), next);
            short hi = DirEntry.offsetHigh(offset);
            assertEquals(offset, DirEntry.offset(lo, hi));
            assertEquals(big, DirEntry.big(lo));
            assertEquals(size, DirEntry.size(lo));
            assertEquals(tag, DirEntry.tag(lo));
            assertEquals(phase, DirEntry.phase(lo));
            assertEquals(head, DirEntry.head(lo));
            assertEquals(pinned, DirEntry.pinned(lo));
            assertEquals(token, DirEntry.token(lo));
            assertEquals(next, DirEntry.next(lo));
        }
    }

    @Test
    void theWordsAreTrafficServersLayout() {
        long lo = DirEntry.make(0x12_3456_789AL, 1536, 0xABC, 1);
        short hi = DirEntry.offsetHigh(0x12_3456_789AL);
        assertEquals(0x789A, lo & 0xFFFF);                       // word 0: offset bits 0-15
        assertEquals(0x56 | 0 << 8 | 2 << 10, (lo >>> 16) & 0xFFFF); // word 1: offset 16-23, big 0, size 2
        assertEquals(0xABC | 1 << 12 | 1 << 13, (lo >>> 32) & 0xFFFF); // word 2: tag, phase, head
        assertEquals(0, lo >>> 48);                              // word 3: next
        assertEquals(0x1234, hi & 0xFFFF);                      // word 4: offset bits 24-39
    }

    @Test
    void approximateSizesAreNeverBelowTheRealSizeAndFollowTheGranularity() {
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            long bytes = 1 + r.nextLong(DirEntry.MAX_APPROX_BYTES);
            long lo = DirEntry.make(1, bytes, 0, 0);
            long approx = DirEntry.approxBytes(lo);
            long unit = 1L << (9 + 3 * DirEntry.big(lo));
            assertTrue(approx >= bytes && approx - bytes < unit, bytes + " -> " + approx);
            assertEquals(approx, (DirEntry.size(lo) + 1L) * unit);
            if (DirEntry.big(lo) > 0) {
                assertTrue(bytes > 64L << (9 + 3 * (DirEntry.big(lo) - 1)), "the finest granularity: " + bytes);
            }
        }
        assertEquals(16L << 20, DirEntry.approxBytes(DirEntry.make(1, 16L << 20, 0, 0)));
        assertThrows(IllegalArgumentException.class, () -> DirEntry.make(1, (16L << 20) + 1, 0, 0));
        assertTrue(CacheFormat.recordBytes(CacheFormat.MAX_KEY_BYTES, CacheFormat.MAX_VALUE_BYTES) <= 16L << 20);
    }

    @Test
    void sipHashMatchesThePapersVectors() {
        long k0 = 0x0706050403020100L;
        long k1 = 0x0F0E0D0C0B0A0908L;
        assertEquals(0x726fdb47dd0e0e31L, SipHash.hash(k0, k1, bytes(0)));
        assertEquals(0x74f839c593dc67fdL, SipHash.hash(k0, k1, bytes(1)));
        assertEquals(0x93f5f5799a932462L, SipHash.hash(k0, k1, bytes(8)));
        assertEquals(0xa129ca6149be45e5L, SipHash.hash(k0, k1, bytes(15)));
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) i;
        }
        return b;
    }
}
