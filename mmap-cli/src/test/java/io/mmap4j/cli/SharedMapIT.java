package io.mmap4j.cli;

import static io.mmap4j.cli.Run.jar;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.cli.Run.Frame;
import io.mmap4j.store.CorruptStoreException;
import io.mmap4j.store.SharedMap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The shared map's fixture for {@link FileTypeContract}: a store that is a directory (the control
 * file {@code map}, data files {@code data.<generation>}, a lock file), named by its directory or
 * by its control file; its live case a child JVM that overwrites and removes keys without pause,
 * so that dead bytes grow and rewrites switch generations while the tool reads.
 */
class SharedMapIT extends FileTypeContract {
    @Override
    FileType type() {
        return FileType.SHARED_MAP;
    }

    /** 200 keys, 50 of them overwritten and 20 removed: live and dead bytes. */
    @Override
    void writeFresh(Path directory) throws IOException {
        try (SharedMap map = SharedMap.open(directory)) {
            for (int i = 0; i < 200; i++) {
                map.put(("key-" + i).getBytes(UTF_8), ("value-" + i + "-" + "v".repeat(i % 40)).getBytes(UTF_8));
            }
            for (int i = 0; i < 50; i++) {
                map.put(("key-" + i).getBytes(UTF_8), ("again-" + i).getBytes(UTF_8));
            }
            for (int i = 180; i < 200; i++) {
                map.remove(("key-" + i).getBytes(UTF_8));
            }
        }
    }

    @Override
    Map<String, String> figures(Path directory) throws IOException {
        SharedMap.Stats stats = SharedMap.stats(directory);
        return figures("keys", stats.keys(), "live bytes", stats.liveBytes(), "dead bytes", stats.deadBytes(),
                "data bytes", stats.dataBytes(), "generation", stats.generation(), "index slots", stats.slots(),
                "used slots", stats.usedSlots(), "index load", stats.indexLoad(), "file bytes", stats.fileBytes(),
                "seed", String.format("0x%016x", stats.seed()));
    }

    @Override
    Path magicFile(Path directory) {
        return directory.resolve("map");
    }

    /** Overwrites 500 keys in turn with values of 0 to 300 bytes and removes every seventh, until killed. */
    public static final class Writer {
        public static void main(String[] args) throws Exception {
            try (SharedMap map = SharedMap.open(Path.of(args[0]))) {
                untilKilled(50, i -> {
                    byte[] key = ("live-" + i % 500).getBytes(UTF_8);
                    if (i % 7 == 0) {
                        map.remove(key);
                    } else {
                        map.put(key, new byte[i % 301]);
                    }
                });
            }
        }
    }


    /** Every sample differs from the one before: keys come and go, dead bytes grow, rewrites reclaim them. */
    @Override
    void assertFollowed(List<Frame> frames) {
        eachAfterTheFirst(frames, (before, now) -> {
            assertNotEquals(before, now, frames::toString);
            assertTrue(number(now, "generation") >= number(before, "generation"), frames::toString);
        });
    }

    @Override
    List<?> libraryProblems(Path directory) throws IOException {
        return SharedMap.verify(directory);
    }

    @Override
    String openFailure(Path directory) {
        return refusal(() -> SharedMap.open(directory, StandardOpenOption.READ).close(), CorruptStoreException.class);
    }

    /** The current data file. */
    private static Path dataFile(Path directory) throws IOException {
        ByteBuffer control = ByteBuffer.wrap(Files.readAllBytes(directory.resolve("map"))).order(ByteOrder.LITTLE_ENDIAN);
        return directory.toRealPath().resolve("data." + control.getLong(24));
    }

    @Override
    List<Damage> damages() {
        return List.of(
                new Damage("a value's byte flipped", directory -> {
                    Path data = dataFile(directory);
                    int at = find(data, "value-77-");
                    rewrite(data, b -> b.put(at + 2, (byte) 'X'));
                }, "/data.1: at byte offset ", ": record CRC32C is "),
                new Damage("a slot names no record", directory -> rewrite(dataFile(directory), b -> {
                    int slot = 4096;
                    while (b.getLong(slot + 8) == 0) {
                        slot += 16;
                    }
                    b.putLong(slot + 8, 12_345);
                }), "/data.1: at byte offset ", ": record is ", "expected a record inside the data region"),
                new Damage("control file version 1", directory -> rewrite(directory.resolve("map"), b -> b.putInt(8, 1)),
                        "/map: at byte offset 8: version is 1, expected 2"),
                new Damage("the data file truncated", directory -> truncateBy(dataFile(directory), 8), "/data.1: at byte offset 56: file bytes is "));
    }


    /** The control file names the map as well as its directory; a data file points to the directory. */
    @Test
    void namedByItsControlFileOrADataFile() throws Exception {
        Path directory = dir.resolve("named");
        writeFresh(directory);
        Path control = directory.resolve("map");
        assertEquals(figures(directory), withoutRates(Run.tool("stat", control.toString()).assertOk().frames().getFirst()));
        assertEquals(control + ": shared-map file, no problems" + Run.NL, Run.tool("verify", control.toString()).assertOk().out());
        Path data = dataFile(directory);
        Run.inProcess("stat", data.toString()).assertFailed("stat", data + ": one of the files of a shared-map, not the"
                + " store itself; name its directory, " + data.getParent());
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Run.inProcess("verify", empty.toString()).assertFailed("verify", empty + ": a directory, not an mmap4j store ("
                + Mmap4jTest.LOOKED_FOR + ")");
        Path counters = Files.createDirectory(dir.resolve("counters-inside"));
        CountersStatTest.threeCounters(counters.resolve("map"), "x");
        Run.inProcess("stat", counters.toString()).assertFailed("stat", counters.resolve("map")
                + ": a counters file where a shared-map keeps its \"map\"");
    }
}
