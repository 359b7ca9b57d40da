package io.mmap4j.cli;

import static io.mmap4j.cli.Run.jar;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
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
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
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
        Map<String, String> figures = new LinkedHashMap<>();
        figures.put("keys", Long.toString(stats.keys()));
        figures.put("live bytes", Long.toString(stats.liveBytes()));
        figures.put("dead bytes", Long.toString(stats.deadBytes()));
        figures.put("data bytes", Long.toString(stats.dataBytes()));
        figures.put("generation", Long.toString(stats.generation()));
        figures.put("index slots", Long.toString(stats.slots()));
        figures.put("used slots", Long.toString(stats.usedSlots()));
        figures.put("index load", String.format(Locale.ROOT, "%.3f", stats.indexLoad()));
        figures.put("file bytes", Long.toString(stats.fileBytes()));
        figures.put("seed", String.format("0x%016x", stats.seed()));
        return figures;
    }

    @Override
    Path magicFile(Path directory) {
        return directory.resolve("map");
    }

    /** Overwrites 500 keys in turn with values of 0 to 300 bytes and removes every seventh, until killed. */
    public static final class Writer {
        public static void main(String[] args) throws Exception {
            try (SharedMap map = SharedMap.open(Path.of(args[0]))) {
                System.out.println("writing");
                for (int i = 0; ; i++) {
                    byte[] key = ("live-" + i % 500).getBytes(UTF_8);
                    if (i % 7 == 0) {
                        map.remove(key);
                    } else {
                        map.put(key, new byte[i % 301]);
                    }
                    if (i % 50 == 0) {
                        Thread.sleep(1);
                    }
                }
            }
        }
    }

    @Override
    Class<?> writer() {
        return Writer.class;
    }

    /** Every sample differs from the one before: keys come and go, dead bytes grow, rewrites reclaim them. */
    @Override
    void assertFollowed(List<Frame> frames) {
        for (int i = 1; i < frames.size(); i++) {
            assertNotEquals(frames.get(i - 1).figures(), frames.get(i).figures(), frames::toString);
            assertTrue(Long.parseLong(frames.get(i).figures().get("generation"))
                    >= Long.parseLong(frames.get(i - 1).figures().get("generation")), frames::toString);
        }
    }

    @Override
    List<?> libraryProblems(Path directory) throws IOException {
        return SharedMap.verify(directory);
    }

    @Override
    String openFailure(Path directory) {
        try {
            SharedMap.open(directory, StandardOpenOption.READ).close();
            return null;
        } catch (IOException e) {
            assertTrue(e instanceof CorruptStoreException, e::toString);
            return e.getMessage();
        }
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
                    int at = new String(Files.readAllBytes(data), ISO_8859_1).indexOf("value-77-");
                    rewrite(data, b -> b.put(at + 2, (byte) 'X'));
                }, "/data.1: at byte offset ", ": record CRC32C is "),
                new Damage("a slot names no record", directory -> rewrite(dataFile(directory), b -> {
                    int slot = 4096;
                    while (b.getLong(slot + 8) == 0) {
                        slot += 16;
                    }
                    b.putLong(slot + 8, 12_345);
                }), "/data.1: at byte offset ", ": record is ", "expected a record inside the data region"),
                new Damage("control file version 2", directory -> rewrite(directory.resolve("map"), b -> b.putInt(8, 2)),
                        "/map: at byte offset 8: version is 2, expected 1"),
                new Damage("the data file truncated", directory -> {
                    try (FileChannel channel = FileChannel.open(dataFile(directory), StandardOpenOption.WRITE)) {
                        channel.truncate(channel.size() - 8);
                    }
                }, "/data.1: at byte offset 56: file bytes is "));
    }

    private static void rewrite(Path file, Consumer<ByteBuffer> change) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        change.accept(b);
        Files.write(file, b.array());
    }

    /** The control file names the map as well as its directory; a data file points to the directory. */
    @Test
    void namedByItsControlFileOrADataFile() throws Exception {
        Path directory = dir.resolve("named");
        writeFresh(directory);
        Path control = directory.resolve("map");
        assertEquals(figures(directory), withoutRates(jar("stat", control.toString()).assertOk().frames().getFirst()));
        assertEquals(control + ": shared-map file, no problems" + Run.NL, jar("verify", control.toString()).assertOk().out());
        Path data = dataFile(directory);
        Run.inProcess("stat", data.toString()).assertFailed("stat", data + ": one of the files of a shared-map, not the"
                + " store itself; name its directory, " + data.getParent());
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Run.inProcess("verify", empty.toString()).assertFailed("verify", empty + ": a directory, not an mmap4j store"
                + " (a shared-map's holds \"map\")");
        Path counters = Files.createDirectory(dir.resolve("counters-inside"));
        CountersStatTest.threeCounters(counters.resolve("map"), "x");
        Run.inProcess("stat", counters.toString()).assertFailed("stat", counters.resolve("map")
                + ": a counters file where a shared-map keeps its \"map\"");
    }
}
