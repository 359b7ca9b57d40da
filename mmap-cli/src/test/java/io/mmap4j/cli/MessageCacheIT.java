package io.mmap4j.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.cli.Run.Frame;
import io.mmap4j.content.CorruptContentException;
import io.mmap4j.content.FileSystemStore;
import io.mmap4j.content.MessageCache;
import io.mmap4j.store.CorruptEntryException;
import io.mmap4j.store.SharedMap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The message cache's fixture for {@link FileTypeContract}: a directory on the mapped backend
 * ({@code MessageCache.open}) holding twenty messages that share one artifact, with nested
 * messages and lists, and one signed message; its live case a child JVM that writes messages
 * without pause. Then what only a cache has: the file-system backend, recognised by its layout.
 */
class MessageCacheIT extends FileTypeContract {
    /** The artifact every fixture message holds: stored once. */
    private static final byte[] ARTIFACT = "artifact bytes ".repeat(40).getBytes(UTF_8);

    @Override
    FileType type() {
        return FileType.MESSAGE_CACHE;
    }

    @Override
    void writeFresh(Path directory) throws Exception {
        try (MessageCache cache = MessageCache.open(directory)) {
            write(cache);
        }
    }

    /** Twenty builds sharing {@link #ARTIFACT}, each with a list and a nested message, and a signed message. */
    private static void write(MessageCache cache) throws NoSuchAlgorithmException {
        for (int i = 0; i < 20; i++) {
            cache.write(build(i));
        }
        KeyPair signer = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        cache.write(MessageCache.commit(Map.of("name", "signed", "payload", "signed payload".getBytes(UTF_8)), signer));
    }

    private static Map<String, Object> build(int i) {
        return Map.of("name", "build-" + i, "artifact", ARTIFACT, "deps", List.of("a", "b" + i % 3),
                "config", Map.of("port", 8000 + i, "debug", i % 2 == 0));
    }

    @Override
    Map<String, String> figures(Path directory) throws IOException {
        MessageCache.Stat stat = MessageCache.stat(directory);
        boolean mapped = Files.isRegularFile(directory.resolve("map"));
        Map<String, String> figures = figures("store", mapped ? "mapped" : "file system", "messages", stat.messages(),
                "lists", stat.lists(), "scalars", stat.scalars(), "scalar bytes", stat.scalarBytes(),
                "stored bytes", stat.storedBytes(), "packed bytes", stat.packedBytes());
        if (mapped) {
            SharedMap.Stats map = SharedMap.stats(directory);
            figures.putAll(figures("map keys", map.keys(), "map dead bytes", map.deadBytes(), "map file bytes",
                    map.fileBytes()));
        }
        return figures;
    }

    @Test
    void theFiguresOfTheFixture() throws Exception {
        Path directory = dir.resolve("figures");
        writeFresh(directory);
        Map<String, String> figures = figures(directory);
        // 20 builds, 20 configs, the signed message and its commitment: every map once
        assertEquals("42", figures.get("messages"), figures::toString);
        assertEquals("3", figures.get("lists"), figures::toString); // [a, b0], [a, b1], [a, b2]
    }

    @Override
    Path magicFile(Path directory) {
        return directory.resolve("map");
    }

    /**
     * Writes a new message with a nested message and a binary every 5 ms, until killed: a few hundred
     * a second, so that the reads of every entry that stat and verify make stay short.
     */
    public static final class Writer {
        public static void main(String[] args) throws Exception {
            try (MessageCache cache = MessageCache.open(Path.of(args[0]))) {
                untilKilled(1, i -> {
                    cache.write(Map.of("live", i, "blob", new byte[i % 300], "nested", Map.of("i", (long) i)));
                    Thread.sleep(4);
                });
            }
        }
    }


    /** Each sample counts more messages than the one before. */
    @Override
    void assertFollowed(List<Frame> frames) {
        eachAfterTheFirst(frames, (before, now) -> {
            assertTrue(number(now, "messages") > number(before, "messages"), frames::toString);
            assertTrue(number(now, "map keys") > number(before, "map keys"), frames::toString);
        });
    }

    /** The map's problems, each naming its file and offset; if there are none, the content's, each naming its entry. */
    @Override
    List<?> libraryProblems(Path directory) throws IOException {
        List<Object> problems = new ArrayList<>();
        if (Files.isRegularFile(directory.resolve("map"))) {
            problems.addAll(SharedMap.verify(directory));
        }
        if (problems.isEmpty()) {
            MessageCache.verify(directory).forEach(p -> problems.add(p.path() + ": " + p.problem()));
        }
        return problems;
    }

    @Override
    String openFailure(Path directory) {
        return refusal(() -> figures(directory), IOException.class, CorruptContentException.class,
                CorruptEntryException.class);
    }

    /** Puts {@code value} under {@code key} in the cache's map, as a writer with a bug would: the map stays sound. */
    private static void putRaw(Path directory, String key, String tag, byte[] value) throws IOException {
        byte[] entry = ByteBuffer.allocate(1 + value.length).put(tag.getBytes(UTF_8)).put(value).array();
        try (SharedMap map = SharedMap.open(directory)) {
            map.put(key.getBytes(UTF_8), entry);
        }
    }

    /** Links {@code newPath} to {@code existing} through the library: a link a message's encoding does not promise. */
    private static void link(Path directory, String existing, String newPath) throws IOException {
        try (MessageCache cache = MessageCache.open(directory)) {
            cache.link(existing, newPath);
        }
    }

    /** The current data file of the cache's map. */
    private static Path dataFile(Path directory) throws IOException {
        ByteBuffer control = ByteBuffer.wrap(Files.readAllBytes(directory.resolve("map"))).order(ByteOrder.LITTLE_ENDIAN);
        return directory.toRealPath().resolve("data." + control.getLong(24));
    }

    @Override
    List<Damage> damages() {
        String artifact = "data/" + MessageCache.id(ARTIFACT);
        String build0 = MessageCache.id(build(0));
        String stray = MessageCache.id("not a commitment");
        return List.of(
                new Damage("a binary changed", d -> putRaw(d, artifact, "V", "other bytes".getBytes(UTF_8)),
                        "  " + artifact + ": the SHA-256 of its 11 bytes is "),
                new Damage("a key linked elsewhere", d -> link(d, "data/" + MessageCache.id("other"), build0 + "/name"),
                        "  " + build0 + "/name: leads to data/" + MessageCache.id("other") + ", but the encoding names data/"
                                + MessageCache.id("build-0")),
                new Damage("a stray committed ID", d -> link(d, build0, stray),
                        "  " + stray + ": leads to message " + build0 + ", whose commitments do not name it"),
                new Damage("an entry's tag", d -> putRaw(d, artifact, "X", ARTIFACT),
                        "  " + artifact + ": tag 'X' (0x58), expected 'V', 'L' or 'G'"),
                new Damage("a map record's byte flipped", d -> {
                    Path data = dataFile(d);
                    int at = find(data, "signed payload");
                    rewrite(data, b -> b.put(at + 2, (byte) 'X'));
                }, "/data.", ": at byte offset ", ": record CRC32C is "));
    }

    /**
     * A cache on the file-system backend is recognised by its {@code data} directory of IDs: stat
     * prints the library's figures, verify names each damaged entry; a directory whose {@code data}
     * holds other names is no cache.
     */
    @Test
    void aFileSystemCache() throws Exception {
        Path directory = dir.resolve("fs-cache");
        try (MessageCache cache = MessageCache.over(FileSystemStore.open(directory))) {
            write(cache);
        }
        Run stat = Run.inProcess("stat", directory.toString()).assertOk();
        assertTrue(stat.frames().getFirst().title().endsWith("  " + directory + "  message-cache"), stat.out());
        assertEquals(figures(directory), stat.frames().getFirst().figures());
        assertEquals(directory + ": message-cache file, no problems" + Run.NL,
                Run.inProcess("verify", directory.toString()).assertOk().out());

        Path artifact = directory.resolve("data").resolve(MessageCache.id(ARTIFACT));
        Files.writeString(artifact, "bchanged");
        Run r = Run.tool("verify", directory.toString());
        assertEquals(1, r.status(), r.out());
        assertEquals(verifyOutput(directory, libraryProblems(directory)), r.out());
        assertTrue(r.out().contains(NL_INDENT + "data/" + MessageCache.id(ARTIFACT) + ": the SHA-256 of its 8 bytes is "), r.out());

        Path notACache = Files.createDirectories(dir.resolve("project").resolve("data"));
        Files.writeString(notACache.resolve("notes.txt"), "not an ID");
        Run.inProcess("stat", notACache.getParent().toString()).assertFailed("stat", notACache.getParent()
                + ": a directory, not an mmap4j store (" + Mmap4jTest.LOOKED_FOR + ")");
    }

    private static final String NL_INDENT = Run.NL + "  ";

    /** A mapped cache is a shared map too: {@code --type shared-map} checks its map alone. */
    @Test
    void aMappedCacheIsASharedMapToo() throws Exception {
        Path directory = dir.resolve("as-map");
        writeFresh(directory);
        assertEquals(directory + ": shared-map file, no problems" + Run.NL,
                Run.inProcess("verify", "--type", "shared-map", directory.toString()).assertOk().out());
    }
}
