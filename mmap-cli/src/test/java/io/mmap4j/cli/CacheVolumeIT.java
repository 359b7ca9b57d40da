package io.mmap4j.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.cache.CacheVolume;
import io.mmap4j.cache.CorruptVolumeException;
import io.mmap4j.cli.Run.Frame;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The cache volume's fixture for {@link FileTypeContract}: a closed volume holding a hundred
 * objects; its live case a child JVM that has the volume open (a second process may not) and sets
 * objects without pause, syncing its directory every 50 ms, while the tool reads the file without
 * a lock.
 */
class CacheVolumeIT extends FileTypeContract {
    private static final long SIZE = 16 << 20;

    @Override
    FileType type() {
        return FileType.CACHE_VOLUME;
    }

    /** A hundred objects of 100 bytes to 10 KB, one set twice, three gets; closing saves the directory and the counts. */
    @Override
    void writeFresh(Path file) throws IOException {
        try (CacheVolume volume = CacheVolume.open(file, SIZE)) {
            for (int i = 0; i < 100; i++) {
                volume.set(("object-" + i).getBytes(UTF_8), ("content-" + i + "-" + "c".repeat(100 * i)).getBytes(UTF_8));
            }
            volume.set("object-0".getBytes(UTF_8), "content-0 again".getBytes(UTF_8));
            volume.get("object-1".getBytes(UTF_8)); // two hits and a miss: the counts the file keeps
            volume.get("object-2".getBytes(UTF_8));
            volume.get("absent".getBytes(UTF_8));
        }
    }

    @Override
    Map<String, String> figures(Path file) throws IOException {
        CacheVolume.Stats stats = CacheVolume.stats(file);
        return figures("objects", stats.objects(), "fill", stats.fill(), "write cursor", stats.writeCursor(),
                "sync serial", stats.syncSerial(), "hits", stats.hits(), "misses", stats.misses(),
                "hit ratio", stats.hits() + stats.misses() == 0 ? "n/a" : stats.hitRatio(),
                "evictions", stats.evictions(), "bytes written", stats.bytesWritten(),
                "corrupt dropped", stats.corruptDropped(), "directory entries", stats.directoryEntries(),
                "directory bytes per object", stats.directoryBytesPerObject(), "data bytes", stats.dataBytes(),
                "volume bytes", stats.volumeBytes(), "recoveries", stats.recoveries());
    }

    /** Sets objects of 0 to 20 KB under 2000 keys in turn, its directory synced every 50 ms, until killed. */
    public static final class Writer {
        public static void main(String[] args) throws Exception {
            CacheVolume.Options options = CacheVolume.Options.DEFAULT.withSyncInterval(Duration.ofMillis(50));
            try (CacheVolume volume = CacheVolume.open(Path.of(args[0]), SIZE, options)) {
                untilKilled(20, i -> volume.set(("live-" + i % 2000).getBytes(UTF_8), new byte[(i * 37) % 20_000]));
            }
        }
    }


    /** Each sample is a later sync: the serial and the write cursor move on. */
    @Override
    void assertFollowed(List<Frame> frames) {
        eachAfterTheFirst(frames, (before, now) -> {
            assertTrue(number(now, "sync serial") > number(before, "sync serial"), frames::toString);
            assertTrue(number(now, "write cursor") > number(before, "write cursor"), frames::toString);
            assertTrue(rate(now, "write cursor") > 0, frames::toString);
        });
    }

    @Override
    List<?> libraryProblems(Path file) throws IOException {
        return CacheVolume.verify(file);
    }

    @Override
    String openFailure(Path file) {
        return refusal(() -> CacheVolume.stats(file), CorruptVolumeException.class);
    }

    @Override
    List<Damage> damages() {
        return List.of(
                new Damage("an object's byte flipped", file -> {
                    int at = find(file, "content-42-");
                    rewrite(file, b -> b.put(at + 3, (byte) 'X'));
                }, ": record body crc32c is "),
                new Damage("version 1, an older format", file -> rewrite(file, b -> b.putInt(8, 1)),
                        "at byte offset 8: version is 1, expected 2, the only version this mmap4j reads"),
                version(3, "at byte offset 8: version is 3, expected 2"),
                new Damage("both directory copies", file -> rewrite(file, b -> {
                    b.putLong((int) b.getLong(80) + 8, 99); // the sync serial of each copy, under its header CRC
                    b.putLong((int) b.getLong(88) + 8, 99);
                }), ": copy A header crc32c is ", ": copy B header crc32c is "),
                new Damage("truncated", file -> truncateBy(file, 4096), "at byte offset 16: volume bytes is " + SIZE + ", expected at most the file's length " + (SIZE - 4096)));
    }

}
