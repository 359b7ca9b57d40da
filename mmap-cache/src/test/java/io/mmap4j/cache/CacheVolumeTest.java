package io.mmap4j.cache;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.cache.CacheVolume.Options;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lifecycle as bakemono's tests walk it, eviction, and every kind of bad input. */
class CacheVolumeTest {
    static final long SIZE = 8L << 20;
    static final Options QUIET = Options.DEFAULT.withSyncInterval(Duration.ZERO).withAggregationBytes(256 << 10);

    @TempDir
    Path dir;

    @Test
    void newVolumeSetGetFlushReopenAndHit() throws IOException {
        Path path = dir.resolve("v.cache");
        try (CacheVolume v = CacheVolume.open(path, SIZE, QUIET)) {
            assertTrue(v.recovery().created());
            assertFalse(v.recovery().recovered());
            assertEquals(SIZE, Files.size(path));
            assertNull(v.get(b("key")));
            v.set(b("key"), b("value"));
            assertArrayEquals(b("value"), v.get(b("key"))); // from the aggregation buffer
            v.flush();
            assertArrayEquals(b("value"), v.get(b("key"))); // from the file
            CacheVolume.Stats s = v.stats();
            assertEquals(1, s.objects());
            assertEquals(2, s.hits());
            assertEquals(1, s.misses());
            assertEquals(512, s.writeCursor());
            assertTrue(s.syncSerial() >= 3, "serial " + s.syncSerial());
        }
        try (CacheVolume v = CacheVolume.open(path, SIZE, QUIET)) {
            assertFalse(v.recovery().created());
            assertTrue(v.recovery().clean(), v.recovery().toString());
            assertFalse(v.recovery().recovered());
            assertArrayEquals(b("value"), v.get(b("key")));
        }
        assertEquals(java.util.List.of(), CacheVolume.verify(path));
    }

    @Test
    void closeSavesTheDirectoryWithoutFlush() throws IOException {
        Path path = dir.resolve("v.cache");
        try (CacheVolume v = CacheVolume.open(path, SIZE, QUIET)) {
            for (int i = 0; i < 100; i++) {
                v.set(Values.key(i), Values.value(i, 1, 100 + i * 37));
            }
        }
        try (CacheVolume v = CacheVolume.open(path)) {
            assertTrue(v.recovery().clean());
            assertEquals(0, v.recovery().recordsReplayed());
            for (int i = 0; i < 100; i++) {
                assertArrayEquals(Values.value(i, 1, 100 + i * 37), v.get(Values.key(i)), "key " + i);
            }
            assertEquals(100, v.stats().objects());
        }
    }

    @Test
    void setReplacesRemoveRemovesAndContainsReadsNoData() throws IOException {
        try (CacheVolume v = CacheVolume.open(dir.resolve("v.cache"), SIZE, QUIET)) {
            v.set(b("a"), b("1"));
            v.set(b("a"), b("22"));
            assertArrayEquals(b("22"), v.get(b("a")));
            assertEquals(1, v.stats().objects());
            assertTrue(v.contains(b("a")));
            assertFalse(v.contains(b("b")));
            assertTrue(v.remove(b("a")));
            assertFalse(v.remove(b("a")));
            assertNull(v.get(b("a")));
            assertFalse(v.contains(b("a")));
            v.set(new byte[0], new byte[0]);
            assertArrayEquals(new byte[0], v.get(new byte[0]));
        }
    }

    @Test
    void removeSurvivesACrashBeforeTheNextSync() throws IOException {
        Path path = dir.resolve("v.cache");
        try (CacheVolume v = CacheVolume.open(path, SIZE, QUIET)) {
            v.set(b("gone"), b("x"));
            v.set(b("kept"), b("y"));
        }
        // A copy of the file taken after the remove reached the file but before any sync: a crash.
        Path crashed = dir.resolve("crashed.cache");
        try (CacheVolume v = CacheVolume.open(path, SIZE, QUIET)) {
            assertTrue(v.remove(b("gone")));
            v.set(b("new"), b("z"));
            flushDataOnly(v);
            Files.copy(path, crashed);
        }
        try (CacheVolume v = CacheVolume.open(crashed, SIZE, QUIET)) {
            assertTrue(v.recovery().recovered(), v.recovery().toString());
            assertEquals(2, v.recovery().recordsReplayed());
            assertNull(v.get(b("gone")));
            assertArrayEquals(b("y"), v.get(b("kept")));
            assertArrayEquals(b("z"), v.get(b("new")));
        }
    }

    /** Writes the aggregation buffer to the file, as a full buffer would, without a directory sync. */
    static void flushDataOnly(CacheVolume v) throws IOException {
        try {
            var field = CacheVolume.class.getDeclaredField("volume");
            field.setAccessible(true);
            Volume volume = (Volume) field.get(v);
            volume.lock.lock();
            try {
                volume.flushAggregate();
            } finally {
                volume.lock.unlock();
            }
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void getIntoASegmentCopiesWhenItFitsAndSaysTheLengthWhenNot() throws IOException {
        try (CacheVolume v = CacheVolume.open(dir.resolve("v.cache"), SIZE, QUIET); Arena arena = Arena.ofConfined()) {
            byte[] value = Values.value(7, 3, 5000);
            v.set(b("k"), value);
            MemorySegment big = arena.allocate(8192);
            assertEquals(5000, v.get(b("k"), big));
            assertArrayEquals(value, big.asSlice(0, 5000).toArray(ValueLayout.JAVA_BYTE));
            MemorySegment small = arena.allocate(100);
            assertEquals(5000, v.get(b("k"), small));
            assertEquals(0, small.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(-1, v.get(b("absent"), big));
            assertThrows(IllegalArgumentException.class, () -> v.get(b("k"), big.asReadOnly()));
        }
    }

    @Test
    void valuesLargerThanTheAggregationBufferGoThroughItInPieces() throws IOException {
        Path path = dir.resolve("v.cache");
        try (CacheVolume v = CacheVolume.open(path, 16L << 20, QUIET)) {
            byte[] big = Values.value(1, 1, 1 << 20); // 4 buffers of 256 KiB
            v.set(b("big"), big);
            v.set(b("small"), b("s"));
            assertArrayEquals(big, v.get(b("big")));
        }
        try (CacheVolume v = CacheVolume.open(path)) {
            assertArrayEquals(Values.value(1, 1, 1 << 20), v.get(b("big")));
            assertArrayEquals(b("s"), v.get(b("small")));
        }
    }

    @Test
    void writingSeveralTimesTheVolumeKeepsTheNewestAndDropsTheOldest() throws IOException {
        Path path = dir.resolve("v.cache");
        int keys = 600;
        int length = 30_000; // 18 MB in all, into about 7.6 MB of data region
        try (CacheVolume v = CacheVolume.open(path, SIZE, QUIET)) {
            for (int i = 0; i < keys; i++) {
                v.set(Values.key(i), Values.value(i, 0, length));
            }
            int newestMiss = -1;
            int oldestHit = Integer.MAX_VALUE;
            for (int i = 0; i < keys; i++) {
                byte[] got = v.get(Values.key(i));
                if (got == null) {
                    newestMiss = i;
                } else {
                    assertEquals(0, Values.versionOf(i, got), "key " + i);
                    oldestHit = Math.min(oldestHit, i);
                }
            }
            // A ring: every key from some point on is there, every key before it is gone.
            assertTrue(newestMiss < oldestHit, "miss at " + newestMiss + " after a hit at " + oldestHit);
            long expectedHits = v.stats().dataBytes() / CacheFormat.recordBytes(6, length);
            assertTrue(keys - oldestHit >= expectedHits - 2 && keys - oldestHit <= expectedHits,
                    (keys - oldestHit) + " hits, expected about " + expectedHits);
            assertTrue(v.stats().evictions() > 0);
            assertEquals(keys - oldestHit, v.stats().objects());
        }
    }

    @Test
    void aBufferEndingExactlyAtTheLapsEndGoesToTheFileBeforeTheNextLapJoinsIt() throws IOException {
        Path path = dir.resolve("v.cache");
        // Small average objects: the directory has room for every record of a lap.
        Options options = QUIET.withAverageObjectBytes(512);
        long data;
        int lapRecords;
        int count;
        try (CacheVolume v = CacheVolume.open(path, SIZE, options)) {
            data = v.stats().dataBytes();
            lapRecords = (int) (data / LAP_RECORD);
            count = lapRecords + 50;
            // The lap's last record ends exactly at the data region's end (the first one takes the remainder).
            for (int i = 0; i < lapRecords - 10; i++) {
                v.set(lapKey(i), lapValue(i, data));
            }
            flushDataOnly(v); // the buffer then holds exactly the lap's last ten records...
            for (int i = lapRecords - 10; i < count; i++) {
                v.set(lapKey(i), lapValue(i, data)); // ...when the next lap's first records come
            }
            assertEquals(data + 50 * LAP_RECORD, v.stats().writeCursor());
            flushDataOnly(v);
            assertEquals(SIZE, Files.size(path), "a write ran past the data region");
            java.util.List<CacheVolume.Problem> problems = new java.util.ArrayList<>();
            VolumeVerifier.checkRecords(volumeOf(v), 0, problems);
            assertEquals(java.util.List.of(), problems, "every directory entry names its record");
            // The next lap's 50 records overwrote the first 50: those are gone, every other is exact.
            for (int i = 0; i < count; i++) {
                byte[] got = v.get(lapKey(i));
                if (i < 50) {
                    assertNull(got, "key " + i);
                } else {
                    assertArrayEquals(lapValue(i, data), got, "key " + i);
                }
            }
            assertEquals(count - 50, v.stats().objects());
            assertEquals(0, v.stats().corruptDropped());
        }
        assertEquals(SIZE, Files.size(path));
        assertEquals(java.util.List.of(), CacheVolume.verify(path));
        try (CacheVolume v = CacheVolume.open(path)) {
            for (int i = 50; i < count; i++) {
                assertArrayEquals(lapValue(i, data), v.get(lapKey(i)), "key " + i + " after reopening");
            }
        }
    }

    private static final int LAP_RECORD = 2048;

    private static byte[] lapKey(int i) {
        return b(String.format("k%07d", i));
    }

    /** A value that makes a record of exactly 2048 bytes with its 8-byte key; the first takes what is over a multiple. */
    private static byte[] lapValue(int i, long dataBytes) {
        int record = i == 0 ? LAP_RECORD + (int) (dataBytes % LAP_RECORD) : LAP_RECORD;
        return Values.value(i, 1, record - CacheFormat.RECORD_HEADER_BYTES - 8);
    }

    @Test
    void aKeySharingATagWithAnotherIsAMissForItNeverAnEviction() throws IOException {
        try (CacheVolume v = CacheVolume.open(dir.resolve("v.cache"), SIZE, QUIET)) {
            Volume volume = volumeOf(v);
            byte[] first = b("first");
            long h = volume.hash(first);
            byte[] twin = null;
            for (int i = 0; twin == null; i++) {
                byte[] k = b("twin-" + i);
                long t = volume.hash(k);
                if (Volume.tag(t) == Volume.tag(h) && volume.segment(t) == volume.segment(h)
                        && volume.bucket(t) == volume.bucket(h)) {
                    twin = k;
                }
            }
            v.set(first, b("1"));
            assertTrue(v.contains(twin), "contains reads no data: a tag match answers true");
            assertNull(v.get(twin));
            v.set(twin, b("2"));
            assertArrayEquals(b("1"), v.get(first));
            assertArrayEquals(b("2"), v.get(twin));
            assertTrue(v.remove(twin));
            assertArrayEquals(b("1"), v.get(first));
        }
    }

    static Volume volumeOf(CacheVolume v) {
        try {
            var field = CacheVolume.class.getDeclaredField("volume");
            field.setAccessible(true);
            return (Volume) field.get(v);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void badInputIsRefusedNamingTheValueAndTheLimit() throws IOException {
        Path path = dir.resolve("v.cache");
        assertEquals("volume size 0 is below the minimum of 2097152 bytes",
                assertThrows(IllegalArgumentException.class, () -> CacheVolume.open(path, 0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> CacheVolume.open(path, -5));
        assertFalse(Files.exists(path));
        assertThrows(NullPointerException.class, () -> CacheVolume.open(null, SIZE));
        assertThrows(IllegalArgumentException.class, () -> Options.DEFAULT.withAverageObjectBytes(100));
        assertThrows(IllegalArgumentException.class, () -> Options.DEFAULT.withAggregationBytes(1000));
        assertThrows(IllegalArgumentException.class, () -> Options.DEFAULT.withSyncInterval(Duration.ofMillis(-1)));
        CacheVolume v = CacheVolume.open(path, SIZE, QUIET);
        assertThrows(NullPointerException.class, () -> v.set(null, b("v")));
        assertThrows(NullPointerException.class, () -> v.set(b("k"), null));
        assertThrows(NullPointerException.class, () -> v.get(null));
        assertEquals("key of 4097 bytes is over the limit of 4096 bytes",
                assertThrows(IllegalArgumentException.class, () -> v.set(new byte[4097], b("v"))).getMessage());
        long max = v.maxValueBytes(1);
        assertEquals(v.stats().dataBytes() / 4 - 40 - 1, max);
        String message = assertThrows(IllegalArgumentException.class, () -> v.set(b("k"), new byte[(int) max + 1]))
                .getMessage();
        assertTrue(message.startsWith("value of " + (max + 1) + " bytes is over the limit of " + max), message);
        v.set(b("k"), new byte[(int) max]);
        assertEquals(max, v.get(b("k")).length);
        assertEquals("the cache volume is already open in this JVM",
                assertThrows(FileSystemException.class, () -> CacheVolume.open(path, SIZE)).getReason());
        v.close();
        v.close();
        assertFalse(v.isOpen());
        assertEquals("the cache volume " + path + " is closed",
                assertThrows(IllegalStateException.class, () -> v.get(b("k"))).getMessage());
        assertThrows(IllegalStateException.class, () -> v.set(b("k"), b("v")));
        assertThrows(IllegalStateException.class, () -> v.remove(b("k")));
        assertThrows(IllegalStateException.class, v::stats);
        assertThrows(IllegalStateException.class, v::flush);
        assertEquals("the cache volume " + path + " is 8388608 bytes, not the 16777216 asked for (open(Path) opens it at its size)",
                assertThrows(IllegalArgumentException.class, () -> CacheVolume.open(path, 16L << 20)).getMessage());
    }

    @Test
    void aFileThatIsNotAVolumeIsRefusedAndLeftUntouched() throws IOException {
        Path foreign = dir.resolve("foreign");
        byte[] content = new byte[10_000];
        new Random(1).nextBytes(content);
        Files.write(foreign, content);
        CorruptVolumeException e = assertThrows(CorruptVolumeException.class, () -> CacheVolume.open(foreign, SIZE));
        assertEquals("magic", e.field());
        assertEquals(0, e.offset());
        assertTrue(e.getMessage().startsWith(foreign + ": not a sound cache volume: at byte offset 0, magic is "),
                e.getMessage());
        assertArrayEquals(content, Files.readAllBytes(foreign));
        Path tiny = dir.resolve("tiny");
        Files.write(tiny, b("MMAP4JCV"));
        assertEquals("file length", assertThrows(CorruptVolumeException.class, () -> CacheVolume.open(tiny, SIZE)).field());
        assertArrayEquals(b("MMAP4JCV"), Files.readAllBytes(tiny));
        assertEquals(1, CacheVolume.verify(foreign).size());
        // An empty file is formatted: nothing is lost.
        Path empty = Files.createFile(dir.resolve("empty"));
        try (CacheVolume v = CacheVolume.open(empty, SIZE, QUIET)) {
            assertTrue(v.recovery().created());
        }
        assertEquals(java.util.List.of(), CacheVolume.verify(empty));
    }

    @Test
    void statsOfAFileReadTheNewerCopyWithTheCountsOfItsSync() throws IOException {
        Path path = dir.resolve("v.cache");
        try (CacheVolume v = CacheVolume.open(path, SIZE, QUIET)) {
            v.set(b("a"), new byte[1000]);
            assertEquals(1000, v.get(b("a")).length);
            assertEquals(1000, v.get(b("a")).length);
            assertNull(v.get(b("absent")));
            v.flush();
            CacheVolume.Stats live = v.stats();
            CacheVolume.Stats file = CacheVolume.stats(path);
            assertEquals(live.syncSerial(), file.syncSerial());
            assertEquals(1, file.objects());
            assertEquals(1536, file.writeCursor());
            assertEquals(SIZE, file.volumeBytes());
            assertEquals(live.directoryEntries(), file.directoryEntries());
            assertEquals(2, file.hits());
            assertEquals(1, file.misses());
            assertEquals(2 / 3.0, file.hitRatio(), 1e-9);
            assertEquals(1536, file.bytesWritten());
            assertEquals(0, file.evictions());
            assertEquals(0, file.corruptDropped());
            assertEquals(live.hits(), file.hits());
            v.get(b("a"));
            assertEquals(2, CacheVolume.stats(path).hits(), "the file holds the counts of its last sync");
        }
        assertEquals(3, CacheVolume.stats(path).hits(), "close saves them");
        try (CacheVolume v = CacheVolume.open(path)) {
            assertNull(v.get(b("b")));
            CacheVolume.Stats s = v.stats();
            assertEquals(3, s.hits(), "an open goes on from the saved counts");
            assertEquals(2, s.misses());
            assertEquals(1536, s.bytesWritten());
        }
    }

    @Test
    void aVolumeOfFormatVersionOneIsRefusedSayingWhatToDoAndLeftUntouched() throws IOException {
        Path path = dir.resolve("v.cache");
        try (CacheVolume v = CacheVolume.open(path, SIZE, QUIET)) {
            v.set(b("a"), b("1"));
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(path,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {1, 0, 0, 0}), 8); // version 1, as the first mmap4j wrote
        }
        byte[] before = Files.readAllBytes(path);
        CorruptVolumeException e = assertThrows(CorruptVolumeException.class, () -> CacheVolume.open(path));
        assertEquals("version", e.field());
        assertEquals(8, e.offset());
        assertEquals(path + ": not a sound cache volume: at byte offset 8, version is 1, expected 2, the only"
                + " version this mmap4j reads (a version-1 volume, from before directory copies carried the counts,"
                + " is a cache: delete it and open creates a new one)", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(path));
        assertEquals("version", assertThrows(CorruptVolumeException.class, () -> CacheVolume.stats(path)).field());
        assertEquals(1, CacheVolume.verify(path).size());
    }

    static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    static byte[] copy(byte[] b) {
        return Arrays.copyOf(b, b.length);
    }
}
