package io.mmap4j.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mmap4j.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many processes: they share one store, keep the version they opened, and survive a killed writer. */
class StaticStoreProcessesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void twoJvmsMapOneStoreAndReadTheSameValuesAndOpeningReadsOnlyTheHeader() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "counts page faults in /proc/self/stat (Linux)");
        int entries = 20_000;
        Path small = dir.resolve("small.static");
        Path big = dir.resolve("big.static");
        try (StaticStore.Writer w = StaticStore.writer(small)) {
            w.put("one", new byte[] {1});
        }
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (StaticStore.Writer w = StaticStore.writer(big, StaticStore.WriterOptions.DEFAULT.withForce(false))) {
            for (int i = 0; i < entries; i++) {
                byte[] value = StaticStoreChild.value(i, "shared");
                w.put(StaticStoreChild.key(i), value);
                digest.update(value);
            }
            w.put("padding".getBytes(UTF_8), new byte[64 << 20]); // 64 MiB more for open not to read
        }
        String expected = "DIGEST " + HexFormat.of().formatHex(digest.digest());
        try (ChildJvm first = ChildJvm.start(StaticStoreChild.class, "read", small.toString(), big.toString(), "" + entries);
             ChildJvm second = ChildJvm.start(StaticStoreChild.class, "read", small.toString(), big.toString(), "" + entries)) {
            for (ChildJvm child : List.of(first, second)) {
                long faults = Long.parseLong(child.awaitLine("OPEN-FAULTS ", TIMEOUT).split(" ")[1]);
                assertEquals(expected, child.awaitLine("DIGEST ", TIMEOUT));
                long pages = Long.parseLong(child.awaitLine("PAGES ", TIMEOUT).split(" ")[1]);
                assertTrue(pages > 16_000, "the store has " + pages + " pages");
                // Opening maps the file and reads the header page: a handful of faults, not one per page.
                assertTrue(faults < 200, () -> "open of a " + pages + "-page store took " + faults + " page faults");
                child.awaitExit(TIMEOUT, 0);
            }
        }
    }

    @Test
    void aReaderKeepsTheVersionItOpenedWhileAnotherProcessReplacesIt() throws Exception {
        Path path = dir.resolve("versions.static");
        writeVersion(path, "v1", 100);
        try (ChildJvm reader = ChildJvm.start(StaticStoreChild.class, "hold", path.toString())) {
            assertEquals("VERSION v1", reader.awaitLine("VERSION ", TIMEOUT));
            writeVersion(path, "v2", 100); // published by rename while the reader has v1 mapped
            reader.send("check");
            assertEquals("STILL v1 " + new String(StaticStoreChild.value(7, "v1"), UTF_8), reader.awaitLine("STILL ", TIMEOUT));
            assertEquals("FRESH v2", reader.awaitLine("FRESH ", TIMEOUT));
            reader.awaitExit(TIMEOUT, 0);
        }
    }

    /**
     * Writers killed with {@code destroyForcibly} at random moments, while they put or while they
     * publish: the target always holds one whole version, the old or (if the rename happened) the
     * new, never a mixture; and a killed writer's temporary file carries its pid, for the next
     * writer to delete.
     */
    @Test
    void aWriterKilledAtAnyMomentLeavesAWholeVersion() throws Exception {
        Path path = dir.resolve("killed.static");
        int entries = 200_000;
        writeVersion(path, "old", entries);
        Random random = new Random(77);
        int killedBeforePublishing = 0;
        for (int round = 0; round < 8; round++) {
            String version = "new" + round;
            try (ChildJvm writer = ChildJvm.start(StaticStoreChild.class, "write", path.toString(), "" + entries, version)) {
                long pid = Long.parseLong(writer.awaitLine("WRITING ", TIMEOUT).split(" ")[1]);
                Thread.sleep(random.nextInt(round < 4 ? 300 : 1500));
                writer.kill();
                boolean published = writer.output().contains("PUBLISHED");
                String current;
                try (StaticStore store = StaticStore.open(path)) {
                    current = store.get("version", Codec.utf8());
                    assertTrue(current.equals(version) || !published, "published " + version + " but read " + current);
                    assertEquals(entries + 1, store.size());
                    for (int i = 0; i < entries; i += 997) {
                        assertArrayEquals(StaticStoreChild.value(i, current), store.get(StaticStoreChild.key(i)), "entry " + i);
                    }
                }
                assertEquals(List.of(), StaticStore.verify(path), "round " + round);
                List<Path> temps = temps();
                if (!current.equals(version)) {
                    killedBeforePublishing++;
                    assertEquals(1, temps.size(), () -> "the killed writer's temporary file: " + temps);
                    assertTrue(temps.getFirst().getFileName().toString().startsWith(".killed.static.static-" + pid + "-"));
                }
                for (Path temp : temps) { // as if a minute had passed: the next writer deletes it
                    Files.setLastModifiedTime(temp, FileTime.from(Instant.now().minus(Duration.ofMinutes(2))));
                }
                writeVersion(path, "old", entries);
                assertEquals(List.of(), temps(), "deleted by the next writer, its writer being dead");
            }
        }
        assertTrue(killedBeforePublishing > 0, "some writer was killed before publishing");
    }

    private static void writeVersion(Path path, String version, int entries) throws Exception {
        try (StaticStore.Writer w = StaticStore.writer(path)) {
            w.put("version", version.getBytes(UTF_8));
            for (int i = 0; i < entries; i++) {
                w.put(StaticStoreChild.key(i), StaticStoreChild.value(i, version));
            }
        }
    }

    private List<Path> temps() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }
}
