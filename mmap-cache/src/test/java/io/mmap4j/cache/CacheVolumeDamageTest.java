package io.mmap4j.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.cache.CacheVolume.Options;
import io.mmap4j.cache.CacheVolume.Problem;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damage: gets return exact bytes or miss, open recovers, dropped entries are counted, verify names it all. */
class CacheVolumeDamageTest {
    private static final long SIZE = 8L << 20;
    private static final int OBJECTS = 300;
    private static final Options QUIET = Options.DEFAULT.withSyncInterval(Duration.ZERO).withAggregationBytes(64 << 10);

    @TempDir
    Path dir;
    Path path;
    VolumeGeometry g;

    @BeforeEach
    void fill() throws IOException {
        path = dir.resolve("damaged.cache");
        try (CacheVolume v = CacheVolume.open(path, SIZE, QUIET)) {
            for (int k = 0; k < OBJECTS; k++) {
                v.set(Values.key(k), Values.value(k, 1, length(k)));
            }
        }
        g = VolumeGeometry.of(SIZE, Options.DEFAULT.averageObjectBytes());
        assertEquals(List.of(), CacheVolume.verify(path));
    }

    private static int length(int k) {
        return 1 + k * 61 % 20_000;
    }

    /** Every get returns the exact value or null; the number of hits. */
    private int hitsAllExact(CacheVolume v) {
        int hits = 0;
        for (int k = 0; k < OBJECTS; k++) {
            byte[] got = v.get(Values.key(k));
            if (got != null) {
                assertArrayEquals(Values.value(k, 1, length(k)), got, "key " + k);
                hits++;
            }
        }
        return hits;
    }

    @Test
    void randomBitFlipsAcrossTheFileGiveExactBytesOrMissesAndAreCounted() throws IOException {
        SplittableRandom r = new SplittableRandom(17);
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            long end = g.dataOffset() + 2L * OBJECTS * 20_000 / 2; // where the records are
            for (int i = 0; i < 300; i++) {
                long at = 4096 + r.nextLong(end - 4096);
                f.seek(at);
                int b = f.read();
                f.seek(at);
                f.write(b ^ (1 << r.nextInt(8)));
            }
        }
        assertFalse(CacheVolume.verify(path).isEmpty());
        try (CacheVolume v = CacheVolume.open(path, SIZE, QUIET)) {
            int hits = hitsAllExact(v);
            long dropped = v.stats().corruptDropped() + v.recovery().entriesDropped();
            assertTrue(hits < OBJECTS && hits > OBJECTS / 3, hits + " hits");
            assertTrue(dropped > 0 || !v.recovery().copy().equals("A") && !v.recovery().copy().equals("B"),
                    v.recovery() + " " + v.stats());
            assertEquals(hits, hitsAllExact(v), "a second pass hits the same");
        }
        assertEquals(List.of(), CacheVolume.verify(path), "every damaged entry was dropped");
    }

    @Test
    void aTornNewerCopyIsPassedOverForTheOtherAndNothingIsLost() throws IOException {
        int newest = newestCopy();
        long at = g.copyOffset(newest) + CacheFormat.COPY_HEADER_BYTES + 1000;
        garble(at, 3000);
        List<Problem> problems = CacheVolume.verify(path);
        assertEquals(1, problems.size(), problems.toString());
        assertEquals("copy " + DirectoryCopy.NAMES[newest] + " entries crc32c", problems.getFirst().field());
        try (CacheVolume v = CacheVolume.open(path, SIZE, QUIET)) {
            assertEquals(DirectoryCopy.NAMES[1 - newest], v.recovery().copy());
            assertTrue(v.recovery().recovered());
            assertEquals(OBJECTS, v.recovery().recordsReplayed());
            assertEquals(OBJECTS, hitsAllExact(v));
            assertEquals(0, v.stats().corruptDropped());
        }
        assertEquals(List.of(), CacheVolume.verify(path));
    }

    @Test
    void aStaleCopyBIsReplayedForwardWhenTheNewerOneIsDamaged() throws IOException {
        // Make the older copy hold an older state: some objects, an older serial and cursor.
        byte[] stale;
        Path early = dir.resolve("early.cache");
        try (CacheVolume v = CacheVolume.open(path, SIZE, QUIET)) {
            v.set(Values.key(OBJECTS), Values.value(OBJECTS, 1, 10));
        }
        int newest = newestCopy();
        stale = read(g.copyOffset(1 - newest), (int) g.copyBytes());
        try (CacheVolume v = CacheVolume.open(path, SIZE, QUIET)) {
            for (int k = 0; k < OBJECTS; k += 2) {
                v.set(Values.key(k), Values.value(k, 1, length(k))); // the same values again, later in the ring
            }
        }
        int now = newestCopy();
        write(g.copyOffset(1 - now), stale); // a stale copy where the older one was
        garble(g.copyOffset(now) + CacheFormat.COPY_HEADER_BYTES + 10, 16); // and the newer one torn
        Files.deleteIfExists(early);
        try (CacheVolume v = CacheVolume.open(path, SIZE, QUIET)) {
            assertEquals(DirectoryCopy.NAMES[1 - now], v.recovery().copy());
            assertTrue(v.recovery().recordsReplayed() >= OBJECTS / 2, v.recovery().toString());
            assertEquals(OBJECTS, hitsAllExact(v));
            assertArrayEquals(Values.value(OBJECTS, 1, 10), v.get(Values.key(OBJECTS)));
        }
    }

    @Test
    void aFooterWhoseSerialDiffersFromItsHeaderMakesTheCopyInvalid() throws IOException {
        int newest = newestCopy();
        long footer = g.footerOffset(newest);
        ByteBuffer b = ByteBuffer.wrap(read(footer, 32)).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(8, b.getLong(8) + 1);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 28);
        b.putInt(28, (int) crc.getValue()); // a footer sound in itself, from another sync
        write(footer, b.array());
        List<Problem> problems = CacheVolume.verify(path);
        assertEquals(1, problems.size(), problems.toString());
        assertEquals("copy " + DirectoryCopy.NAMES[newest] + " footer sync serial", problems.getFirst().field());
        assertEquals(footer + 8, problems.getFirst().offset());
        try (CacheVolume v = CacheVolume.open(path, SIZE, QUIET)) {
            assertEquals(DirectoryCopy.NAMES[1 - newest], v.recovery().copy());
            assertEquals(OBJECTS, hitsAllExact(v));
        }
    }

    @Test
    void withBothCopiesDamagedTheDataRegionIsScanned() throws IOException {
        garble(g.copyOffset(0), 64);
        garble(g.copyOffset(1), 64);
        assertEquals(2, CacheVolume.verify(path).size());
        try (CacheVolume v = CacheVolume.open(path, SIZE, QUIET)) {
            assertEquals("none", v.recovery().copy());
            assertTrue(v.recovery().recovered());
            assertEquals(OBJECTS, hitsAllExact(v));
        }
        assertEquals(List.of(), CacheVolume.verify(path));
    }

    @Test
    void aDamagedVolumeHeaderIsRefusedAndLeftUntouched() throws IOException {
        garble(20, 1);
        byte[] before = Files.readAllBytes(path);
        CorruptVolumeException e = assertThrows(CorruptVolumeException.class, () -> CacheVolume.open(path, SIZE));
        assertEquals("header crc32c", e.field());
        assertEquals(120, e.offset());
        assertArrayEquals(before, Files.readAllBytes(path));
        assertEquals("header crc32c", CacheVolume.verify(path).getFirst().field());
    }

    private int newestCopy() throws IOException {
        long a = ByteBuffer.wrap(read(g.copyOffset(0) + 8, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
        long b = ByteBuffer.wrap(read(g.copyOffset(1) + 8, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return a > b ? 0 : 1;
    }

    private void garble(long at, int length) throws IOException {
        byte[] bytes = read(at, length);
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) ~bytes[i];
        }
        write(at, bytes);
    }

    private byte[] read(long at, int length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "r")) {
            byte[] b = new byte[length];
            f.seek(at);
            f.readFully(b);
            return b;
        }
    }

    private void write(long at, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.seek(at);
            f.write(bytes);
        }
    }
}
