package io.mmap4j.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.cli.Run.Frame;
import io.mmap4j.store.CorruptStoreException;
import io.mmap4j.store.StaticStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The static store's fixture for {@link FileTypeContract}. A static store never changes once
 * published, so its concurrent case is a child JVM that rebuilds the store again and again,
 * publishing each version by renaming it over the name, while the tool reads: {@code stat --watch}
 * follows each new version, and {@code verify} never sees a half-written one.
 */
class StaticStoreIT extends FileTypeContract {
    /** A value long enough to start on a page boundary. */
    private static final int BIG = 70_000;

    @Override
    FileType type() {
        return FileType.STATIC_STORE;
    }

    @Override
    void writeFresh(Path file) throws IOException {
        write(file, 100);
    }

    /** Writes {@code keys} keys with values of several lengths, one of them page-aligned, and one key put twice. */
    static void write(Path file, int keys) throws IOException {
        try (StaticStore.Writer w = StaticStore.writer(file)) {
            w.put("replaced", new byte[] {1});
            for (int i = 0; i < keys; i++) {
                w.put("key-" + i, ("value-" + i + "-" + "x".repeat(i % 50)).getBytes(UTF_8));
            }
            w.put("big", new byte[BIG]);
            w.put("replaced", new byte[] {2, 2});
        }
    }

    @Override
    Map<String, String> figures(Path file) throws IOException {
        StaticStore.Stat stat = StaticStore.stat(file);
        return figures("keys", stat.keys(), "file bytes", stat.fileBytes(), "key bytes", stat.keyBytes(),
                "value bytes", stat.valueBytes(), "largest value", stat.largestValue(),
                "replaced records", stat.replacedRecords(), "data bytes", stat.dataBytes(),
                "index slots", stat.indexSlots(), "index load", stat.indexLoad(),
                "max displacement", stat.maxDisplacement(), "seed", String.format("0x%016x", stat.seed()));
    }

    @Test
    void theFiguresOfTheFixture() throws IOException {
        Path file = dir.resolve("figures.static-store");
        writeFresh(file);
        Map<String, String> figures = figures(file);
        assertEquals("102", figures.get("keys"), figures::toString); // 100, "big", "replaced"
        assertEquals(Integer.toString(BIG), figures.get("largest value"));
        assertEquals("1", figures.get("replaced records"));
    }

    /** Rebuilds the store named by its argument with 10 more keys each time, until killed. */
    public static final class Writer {
        public static void main(String[] args) throws Exception {
            Path file = Path.of(args[0]);
            for (int keys = 10; ; keys += 10) {
                write(file, keys);
                if (keys == 10) {
                    System.out.println("writing");
                }
                Thread.sleep(20);
            }
        }
    }


    /** Each sample is a whole version (the key bytes of its keys), and later samples read later versions. */
    @Override
    void assertFollowed(List<Frame> frames) {
        long before = 0;
        for (Frame frame : frames) {
            long keys = Long.parseLong(frame.figures().get("keys"));
            long keyBytes = 0;
            for (int i = 0; i < keys - 2; i++) {
                keyBytes += ("key-" + i).length();
            }
            assertEquals(keyBytes + "big".length() + "replaced".length(), Long.parseLong(frame.figures().get("key bytes")),
                    frame::toString);
            assertTrue(keys > before, "a new version in each sample: " + frames);
            before = keys;
        }
    }

    @Override
    List<?> libraryProblems(Path file) throws IOException {
        return StaticStore.verify(file);
    }

    @Override
    String openFailure(Path file) {
        return refusal(() -> StaticStore.open(file).close(), CorruptStoreException.class);
    }

    @Override
    List<Damage> damages() {
        return List.of(
                new Damage("a value's byte flipped", file -> {
                    long at = find(file, "value-42-");
                    rewrite(file, b -> b.put((int) at + 3, (byte) ('a' ^ 1)));
                }, ": record crc32c is "),
                new Damage("a slot names no record", file -> rewrite(file, b -> {
                    int slot = firstUsedSlot(b);
                    // A slot is its key's fingerprint over its record's offset / 8 (docs/static-store-format.md):
                    // keep the fingerprint, name 4104, inside the first record.
                    long fingerprintMask = -1L << (64 - Long.numberOfLeadingZeros(b.getLong(56) >>> 3));
                    b.putLong(slot, b.getLong(slot) & fingerprintMask | 4104 >>> 3);
                }), ": slot's record offset is 4104, expected the offset of a record in the data region"),
                version(4, "at byte offset 8: version is 4, expected 3"),
                version(2, "at byte offset 8: version is 2, expected 3 (this is a store of format version 2, whose keys"
                        + " are hashed with XXH64; version 3 hashes them with XXH3: write the store again with this mmap4j)"),
                new Damage("the index truncated", file -> truncateBy(file, 16), "at byte offset 80: file length is "));
    }


    /** The offset of the first slot of the index that names a record. */
    private static int firstUsedSlot(ByteBuffer b) {
        long index = b.getLong(64);
        for (int slot = (int) index; slot < b.capacity(); slot += 8) {
            if (b.getLong(slot) != 0) {
                return slot;
            }
        }
        throw new AssertionError("no slot in use");
    }

}
