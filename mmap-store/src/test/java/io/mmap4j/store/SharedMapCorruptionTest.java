package io.mmap4j.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged maps: each check names its file, field and offset; nothing damaged is reset; nothing hangs or crashes. */
class SharedMapCorruptionTest {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int KEYS = 150;

    @TempDir
    Path dir;
    private byte[] control;
    private byte[] data;

    @BeforeEach
    void writeAMap() throws Exception {
        try (SharedMap map = SharedMap.open(dir, SharedMap.Options.DEFAULT.withSeed(11).withExpectedKeys(KEYS).withExpectedBytes(0))) {
            for (int i = 0; i < KEYS; i++) {
                map.put("key-" + i, ("value " + i).getBytes(UTF_8));
            }
            map.remove("key-0");
        }
        control = Files.readAllBytes(dir.resolve("map"));
        data = Files.readAllBytes(dir.resolve("data.1"));
    }

    private void damage(String file, Consumer<MemorySegment> change) throws Exception {
        byte[] bytes = Files.readAllBytes(dir.resolve(file));
        change.accept(MemorySegment.ofArray(bytes));
        Files.write(dir.resolve(file), bytes);
    }

    private CorruptStoreException openFails() throws Exception {
        byte[] before = Files.readAllBytes(dir.resolve("map"));
        CorruptStoreException e = assertThrows(CorruptStoreException.class, () -> SharedMap.open(dir).close());
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("map")), "open left the control file as found");
        assertFalse(SharedMap.verify(dir).isEmpty(), "verify reports it too");
        return e;
    }

    @Test
    void aBadControlMagicOrVersionIsNamed() throws Exception {
        damage("map", s -> s.set(LONG, 0, 0x1234L));
        CorruptStoreException e = openFails();
        assertEquals(dir.toRealPath().resolve("map"), e.file());
        assertEquals(0, e.offset());
        assertEquals("magic", e.field());
        assertEquals(dir.toRealPath().resolve("map") + ": corrupt store at byte offset 0: magic is 0x1234 (4660), expected"
                + " 0x4d534a3450414d4d (ASCII MMAP4JSM)", e.getMessage());
        Files.write(dir.resolve("map"), control);
        damage("map", s -> s.set(ValueLayout.JAVA_INT_UNALIGNED, 8, 1)); // version 1's readers take no generation locks
        CorruptStoreException version = openFails();
        assertEquals("version", version.field());
        assertTrue(version.getMessage().endsWith("version is 1, expected 2"), version.getMessage());
    }

    @Test
    void aMissingOrTruncatedDataFileIsNamed() throws Exception {
        Files.delete(dir.resolve("data.1"));
        CorruptStoreException missing = openFails();
        assertEquals("generation", missing.field());
        assertTrue(missing.getMessage().contains("data.1 is missing"), missing.getMessage());
        Files.write(dir.resolve("data.1"), java.util.Arrays.copyOf(data, data.length - 8));
        CorruptStoreException truncated = openFails();
        assertEquals(dir.toRealPath().resolve("data.1"), truncated.file());
        assertEquals("file bytes", truncated.field());
        assertEquals(56, truncated.offset());
    }

    @Test
    void aGenerationBeyondTheLockBytesIsNamedThoughThisJvmSharesTheByteItWouldTake() throws Exception {
        // 1 + 2^62 would take generation 1's lock byte, which the open map holds: it once spun forever.
        try (SharedMap held = SharedMap.open(dir)) {
            damage("map", s -> s.set(LONG, 24, 1 + (1L << 62)));
            CorruptStoreException e = assertTimeoutPreemptively(Duration.ofSeconds(20), this::openFails);
            assertEquals("generation", e.field());
            assertEquals(24, e.offset());
            assertTrue(e.getMessage().endsWith("generation is 4611686018427387905, expected 1 to 4611686018427387903"),
                    e.getMessage());
        }
    }

    @Test
    void aCurrentGenerationHeldForRewritingIsReportedAfterASecondNotWaitedFor() throws Exception {
        // Only an old generation's file is ever held: the control file naming it for long is damage.
        SharedMapLock lock = SharedMapLock.acquire(dir.toRealPath().resolve("lock"), true);
        try (FileLock rewriting = lock.exclusive(1)) {
            assertNotNull(rewriting);
            List<SharedMap.Problem> problems = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> SharedMap.verify(dir));
            assertEquals(1, problems.size(), problems.toString());
            assertEquals("generation", problems.get(0).field());
            assertEquals("1", problems.get(0).found());
            CorruptStoreException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> assertThrows(CorruptStoreException.class, () -> SharedMap.open(dir)));
            assertTrue(e.getMessage().endsWith("generation is 1, expected the current generation, but a writer holds its"
                    + " file for rewriting (as it does only an old one's)"), e.getMessage());
        } finally {
            lock.release();
        }
        try (SharedMap map = SharedMap.open(dir)) {
            assertEquals(KEYS - 1, map.size());
        }
    }

    @Test
    void everyHeaderFieldOfTheDataFileIsChecked() throws Exception {
        record Case(long offset, long value, String field) {
        }
        for (Case c : List.of(new Case(0, 7, "magic"), new Case(16, 2, "generation"), new Case(24, 12, "seed"),
                new Case(32, 3, "slots"), new Case(40, 8192, "index offset"), new Case(48, 4096, "data offset"),
                new Case(56, 1 << 30, "file bytes"), new Case(64, 4, "data end"))) {
            Files.write(dir.resolve("data.1"), data);
            damage("data.1", s -> s.set(LONG, c.offset(), c.value()));
            CorruptStoreException e = openFails();
            assertEquals(c.field(), e.field(), c.toString());
            assertEquals(c.offset(), e.offset(), c.toString());
        }
    }

    @Test
    void aSlotPointingOutsideIsACorruptEntryAndACorruptRecordIsFoundByVerify() throws Exception {
        long slots = MemorySegment.ofArray(data).get(LONG, 32);
        long dataOffset = MemorySegment.ofArray(data).get(LONG, 48);
        // Damage every slot's reference: lookups meet it, whatever slot the key hashes to.
        damage("data.1", s -> {
            for (long slot = 0; slot < slots; slot++) {
                if (s.get(LONG, 4096 + slot * 16 + 8) > 0) {
                    s.set(LONG, 4096 + slot * 16 + 8, 3);
                }
            }
        });
        try (SharedMap map = SharedMap.open(dir)) {
            CorruptEntryException e = assertThrows(CorruptEntryException.class, () -> map.get("key-5"));
            assertTrue(e.getMessage().contains("the slot names record offset 3"), e.getMessage());
        }
        List<SharedMap.Problem> problems = SharedMap.verify(dir);
        assertEquals(KEYS - 1, problems.size()); // every live key's slot
        assertEquals("record", problems.getFirst().field());
        Files.write(dir.resolve("data.1"), data);
        damage("data.1", s -> s.set(ValueLayout.JAVA_BYTE, dataOffset + 16 + 5, (byte) 'X')); // key-0's key
        problems = SharedMap.verify(dir);
        assertEquals("record CRC32C", problems.getFirst().field(), problems.toString());
        assertEquals(dataOffset + 4, problems.getFirst().offset());
    }

    /**
     * Thousands of damaged maps: random bytes of the control file or of the data file (mostly its
     * header and index) overwritten. Opening either works or throws {@link CorruptStoreException};
     * reads, writes and verify then work or throw the documented exceptions; nothing hangs or
     * crashes the JVM.
     */
    @Test
    void fuzzedMapsOpenOrFailCleanly() throws Exception {
        long seed = new Random().nextLong();
        System.out.println("SharedMapCorruptionTest fuzz seed " + seed);
        Random random = new Random(seed);
        long dataOffset = MemorySegment.ofArray(data).get(LONG, 48);
        long dataEnd = MemorySegment.ofArray(data).get(LONG, 64);
        int opened = 0;
        for (int round = 0; round < 3_000; round++) {
            byte[] c = control.clone();
            byte[] d = data.clone();
            for (int hits = 1 + random.nextInt(4); hits > 0; hits--) {
                int where = random.nextInt(10);
                if (where == 0) {
                    c[random.nextInt(64)] = (byte) random.nextInt();
                } else if (where < 4) {
                    d[random.nextInt(128)] = (byte) random.nextInt();
                } else if (where < 7) {
                    d[4096 + random.nextInt((int) dataOffset - 4096)] = (byte) random.nextInt();
                } else {
                    d[(int) dataOffset + random.nextInt((int) (dataEnd - dataOffset))] = (byte) random.nextInt();
                }
            }
            Files.write(dir.resolve("map"), c);
            Files.write(dir.resolve("data.1"), d);
            for (Path stray : List.of(dir.resolve("data.2"), dir.resolve("data.0"))) {
                Files.deleteIfExists(stray);
            }
            SharedMap.verify(dir);
            try (SharedMap map = SharedMap.open(dir)) {
                opened++;
                exercise(map, random, "round " + round + " of seed " + seed);
            } catch (CorruptStoreException expected) {
                // the documented failure of open
            }
            if (!Files.exists(dir.resolve("map"))) {
                fail("round " + round + ": the control file was removed");
            }
            // A write may have rewritten the map into data.2; start the next round from data.1.
            try (var files = Files.newDirectoryStream(dir, "data.*")) {
                for (Path file : files) {
                    Files.delete(file);
                }
            }
        }
        assertTrue(opened > 100, opened + " damaged maps opened");
    }

    private static void exercise(SharedMap map, Random random, String where) {
        try {
            for (int i = 0; i < 20; i++) {
                map.get("key-" + random.nextInt(KEYS * 2));
            }
            map.forEach((k, v) -> { });
            map.getAll(Codec.bytes(), Codec.bytes());
            map.put("key-" + random.nextInt(KEYS * 2), new byte[random.nextInt(100)]);
            map.remove("key-" + random.nextInt(KEYS * 2));
            map.stats();
        } catch (CorruptEntryException | IllegalArgumentException expected) {
            // damage met by a read: a bad record, or a value a codec or the limits refuse
        } catch (UncheckedIOException e) {
            if (!(e.getCause() instanceof CorruptStoreException)) {
                throw new AssertionError(where, e);
            }
        } catch (RuntimeException e) {
            throw new AssertionError(where + ": undocumented " + e, e);
        }
    }
}
