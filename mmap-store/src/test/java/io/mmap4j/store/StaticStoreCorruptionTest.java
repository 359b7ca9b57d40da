package io.mmap4j.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged files: open refuses what the header page shows, gets report what only they can see, and
 * nothing ever crashes, hangs, or throws anything but the documented exceptions; verify finds it all.
 */
class StaticStoreCorruptionTest {
    @TempDir
    Path dir;
    Path path;
    byte[] pristine;
    Map<String, byte[]> entries = new LinkedHashMap<>();
    StaticHeader header;

    @BeforeEach
    void writeAStore() throws IOException {
        path = dir.resolve("store.static");
        Random random = new Random(21);
        try (StaticStore.Writer w = StaticStore.writer(path, StaticStore.WriterOptions.DEFAULT.withSeed(5).withLoadFactor(0.9))) {
            for (int i = 0; i < 60; i++) {
                byte[] value = new byte[i == 7 ? 70_000 : random.nextInt(60)]; // one page-aligned value
                random.nextBytes(value);
                entries.put("key " + i, value);
                w.put("key " + i, value);
            }
        }
        pristine = Files.readAllBytes(path);
        try (StaticStore store = StaticStore.open(path)) {
            header = StaticHeader.read(java.lang.foreign.MemorySegment.ofArray(pristine));
            assertEquals(60, store.size());
        }
        assertEquals(List.of(), StaticStore.verify(path));
    }

    @Test
    void wrongMagicIsNotAStaticStore() throws IOException {
        byte[] bad = pristine.clone();
        System.arraycopy("MMAP4JCT".getBytes(UTF_8), 0, bad, 0, 8); // a counters file's magic
        CorruptStoreException e = refused(bad);
        assertEquals("magic", e.field());
        assertEquals(0, e.offset());
        assertEquals(path + ": corrupt store at byte offset 0: magic is \"MMAP4JCT\", expected \"MMAP4JST\" (a static store file)",
                e.getMessage());
        assertEquals(path, e.file());
    }

    @Test
    void wrongVersionIsRefusedBeforeAnythingElse() throws IOException {
        byte[] bad = pristine.clone();
        bad[8] = 4;
        CorruptStoreException e = refused(bad);
        assertEquals("version", e.field());
        assertEquals(8, e.offset());
        assertTrue(e.getMessage().endsWith("version is 4, expected 3"), e.getMessage());
    }

    @Test
    void aStoreOfFormatVersion1IsRefusedWithWhatToDo() throws IOException {
        byte[] old = pristine.clone();
        old[8] = 1; // version 1 had 16-byte slots: its index cannot be read as version 3's
        CorruptStoreException e = refused(old);
        assertEquals("version", e.field());
        assertEquals(8, e.offset());
        assertEquals(path + ": corrupt store at byte offset 8: version is 1, expected 3 (this is a store of format"
                + " version 1, whose index slots are 16 bytes and keys hashed with XXH64; version 3 has 8-byte slots"
                + " and XXH3: write the store again with this mmap4j)", e.getMessage());
        List<StaticStore.Problem> problems = StaticStore.verify(path);
        assertEquals(List.of("version"), problems.stream().map(StaticStore.Problem::field).toList());
    }

    @Test
    void aStoreOfFormatVersion2IsRefusedWithWhatToDo() throws IOException {
        byte[] old = pristine.clone();
        old[8] = 2; // version 2 hashed keys with XXH64: its slots name other homes than version 3's
        old[16] = 1;
        CorruptStoreException e = refused(old);
        assertEquals("version", e.field());
        assertEquals(8, e.offset());
        assertEquals(path + ": corrupt store at byte offset 8: version is 2, expected 3 (this is a store of format"
                + " version 2, whose keys are hashed with XXH64; version 3 hashes them with XXH3: write the store"
                + " again with this mmap4j)", e.getMessage());
        List<StaticStore.Problem> problems = StaticStore.verify(path);
        assertEquals(List.of("version"), problems.stream().map(StaticStore.Problem::field).toList());
    }

    @Test
    void truncationOrExtensionAtEveryRegionBoundaryIsRefused() throws IOException {
        long dataEnd = header.dataEnd();
        long index = header.indexOffset();
        long end = header.fileSize();
        for (long length : new long[] {0, 1, 7, 8, 127, 128, 4095, 4096, 4097, dataEnd - 8, dataEnd - 1, dataEnd,
            index - 1, index, index + 15, index + 16, end - 16, end - 1, end + 1, end + 4096}) {
            byte[] cut = Arrays.copyOf(pristine, (int) length);
            CorruptStoreException e = refused(cut);
            String expectedField = length < 4096 ? "file length" : length < dataEnd ? "data end" : "file length";
            assertEquals(expectedField, e.field(), () -> length + " bytes: " + e.getMessage());
            assertFalse(StaticStore.verify(path).isEmpty(), length + " bytes");
        }
    }

    @Test
    void eachHeaderFieldIsCheckedByName() throws IOException {
        // With the header CRC made to match, as a buggy writer would: the field's own check must fire.
        Object[][] cases = {
            {12, 8192L, 4, "page size"}, {16, 1L, 4, "hash function"}, {20, 1L, 4, "flags"},
            {48, 0L, 8, "data offset"}, {56, header.dataEnd() + 4, 8, "data end"},
            {64, header.indexOffset() + 4096, 8, "index offset"}, {72, 0L, 8, "slots"},
            {80, header.fileSize() + 16, 8, "file size"}, {32, header.slots() + 1, 8, "entries"},
            {40, header.entries() - 1, 8, "records"}, {88, Long.MAX_VALUE, 8, "key bytes"},
            {96, header.dataEnd(), 8, "value bytes"}, {104, header.valueBytes() + 1, 8, "largest value"},
            {112, header.slots(), 4, "max displacement"},
        };
        for (Object[] c : cases) {
            byte[] bad = pristine.clone();
            ByteBuffer b = ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN);
            int at = (int) c[0];
            if ((int) c[2] == 8) {
                b.putLong(at, (long) c[1]);
            } else {
                b.putInt(at, (int) (long) c[1]);
            }
            fixHeaderCrc(b);
            CorruptStoreException e = refused(bad);
            assertEquals(c[3], e.field(), e::getMessage);
            assertEquals(at, e.offset(), e::getMessage);
        }
        byte[] reserved = pristine.clone();
        reserved[1000] = 1;
        CorruptStoreException e = refused(reserved);
        assertEquals("reserved header bytes", e.field());
        assertEquals(1000, e.offset());
    }

    @Test
    void anyByteFlippedInTheHeaderIsRefused() throws IOException {
        for (int at = 0; at < 128; at++) {
            byte[] bad = pristine.clone();
            bad[at] ^= 0x10;
            refused(bad);
        }
    }

    @Test
    void damageOnlyAReadCanSeeIsACorruptEntryExceptionNamingTheOffset() throws IOException {
        long firstSlotInUse = firstUsedSlot();
        byte[] bad = pristine.clone();
        ByteBuffer b = ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN);
        long mask = StaticFormat.fingerprintMask(header.dataEnd());
        long record = StaticFormat.record(b.getLong((int) firstSlotInUse), mask);
        String key = keyAt(record);
        // The slot keeps its fingerprint and names the highest offset its bits hold: past the data region.
        b.putLong((int) firstSlotInUse, b.getLong((int) firstSlotInUse) | ~mask);
        long past = (~mask) << 3;
        assertTrue(past > header.dataEnd() - 16, past + " is past the last record's place");
        Files.write(path, bad);
        try (StaticStore store = StaticStore.open(path)) { // open reads the header only: it cannot see this
            CorruptEntryException e = assertThrows(CorruptEntryException.class, () -> store.get(key));
            assertEquals(firstSlotInUse, e.offset());
            assertTrue(e.getMessage().contains("the slot names record offset " + past), e.getMessage());
            for (String other : entries.keySet()) {
                if (!other.equals(key)) {
                    readOrCorrupt(store, other); // the others are unaffected, or run into the same slot
                }
            }
        }
        List<StaticStore.Problem> problems = StaticStore.verify(path);
        assertTrue(problems.stream().anyMatch(p -> p.offset() == firstSlotInUse
                && p.field().equals("slot's record offset")), problems::toString);

        bad = pristine.clone();
        b = ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong((int) record + 8, Long.MAX_VALUE - 3); // the value length runs past the data region
        Files.write(path, bad);
        try (StaticStore store = StaticStore.open(path)) {
            CorruptEntryException e = assertThrows(CorruptEntryException.class, () -> store.view(key));
            assertEquals(record + 8, e.offset());
            assertThrows(CorruptEntryException.class, () -> store.forEach((k, v) -> { }), "iteration meets it too");
        }

        bad = pristine.clone();
        b = ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt((int) record, 70_000); // a key length over the limit
        Files.write(path, bad);
        try (StaticStore store = StaticStore.open(path)) {
            CorruptEntryException e = assertThrows(CorruptEntryException.class, () -> store.get(key));
            assertEquals(record, e.offset());
            assertTrue(e.getMessage().contains("key length 70000"), e.getMessage());
        }
    }

    @Test
    void theIndexIsNotReadAtOpen() throws IOException {
        byte[] garbage = pristine.clone();
        Random random = new Random(2);
        for (long at = header.indexOffset(); at < header.fileSize(); at++) {
            garbage[(int) at] = (byte) random.nextInt();
        }
        for (long at = 4096; at < header.dataEnd(); at++) {
            garbage[(int) at] = (byte) random.nextInt();
        }
        Files.write(path, garbage);
        try (StaticStore store = StaticStore.open(path)) { // the header is intact: O(1) open trusts it
            assertEquals(60, store.size());
            for (String key : entries.keySet()) {
                readOrCorrupt(store, key);
            }
        }
        List<StaticStore.Problem> problems = StaticStore.verify(path);
        assertTrue(problems.stream().anyMatch(p -> p.field().equals("index crc32c")), problems::toString);
    }

    /** Thousands of randomly damaged files: open works or says CorruptStoreException; reads never do worse. */
    @Test
    void fuzzedFilesNeverCrashHangOrThrowAnythingUndocumented() throws IOException {
        Random random = new Random(2024);
        List<String> keys = new ArrayList<>(entries.keySet());
        int opened = 0;
        int refused = 0;
        int corruptReads = 0;
        for (int round = 0; round < 3000; round++) {
            byte[] bad = damage(pristine.clone(), random);
            Files.write(path, bad);
            boolean changed = !Arrays.equals(bad, pristine);
            List<StaticStore.Problem> problems = StaticStore.verify(path);
            assertEquals(changed, !problems.isEmpty(), () -> "verify of a " + (changed ? "damaged" : "sound")
                    + " file found " + problems);
            StaticStore store;
            try {
                store = StaticStore.open(path);
            } catch (CorruptStoreException e) {
                refused++;
                continue;
            }
            opened++;
            try (store) {
                for (String key : keys) {
                    corruptReads += readOrCorrupt(store, key);
                }
                for (int i = 0; i < 10; i++) {
                    corruptReads += readOrCorrupt(store, "absent " + random.nextInt());
                }
                try {
                    long n = 0;
                    for (StaticStore.Entry entry : store) {
                        n += entry.value().byteSize() >= 0 ? 1 : 0;
                    }
                    assertTrue(n <= (header.dataEnd() - 4096) / 16, "iteration ends: at most one entry per 16 bytes");
                } catch (CorruptEntryException e) {
                    corruptReads++;
                }
            }
        }
        assertTrue(opened > 300 && refused > 300 && corruptReads > 30,
                "the damage reaches every path: opened " + opened + ", refused " + refused + ", corrupt reads " + corruptReads);
    }

    /**
     * One to eight bytes set anywhere, mostly where the structure is (header fields, slots'
     * offsets), sometimes with the header CRC made to match as a buggy writer's would; or the file
     * cut or extended.
     */
    private byte[] damage(byte[] file, Random random) {
        if (random.nextInt(10) == 0) {
            return Arrays.copyOf(file, random.nextInt(file.length + 100));
        }
        boolean headerDamaged = false;
        for (int i = 0, changes = 1 + random.nextInt(8); i < changes; i++) {
            int at = switch (random.nextInt(6)) {
                case 0 -> {
                    headerDamaged = true;
                    yield random.nextInt(StaticHeader.FIELDS);
                }
                case 1, 2 -> (int) header.indexOffset() + random.nextInt((int) (header.fileSize() - header.indexOffset()));
                case 3 -> (int) header.indexOffset() + 8 * random.nextInt((int) header.slots()) + random.nextInt(3);
                default -> 4096 + random.nextInt((int) header.dataEnd() - 4096);
            };
            file[at] = random.nextBoolean() ? (byte) random.nextInt() : (byte) (file[at] ^ (1 << random.nextInt(8)));
        }
        if (headerDamaged && random.nextBoolean()) {
            fixHeaderCrc(ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN));
        }
        return file;
    }

    /** Reads {@code key} every way; returns 1 if the store reported damage, which is the only exception allowed. */
    private int readOrCorrupt(StaticStore store, String key) {
        try {
            store.get(key);
            store.contains(key.getBytes(UTF_8));
            var view = store.view(key);
            if (view != null) {
                view.byteSize();
            }
            return 0;
        } catch (CorruptEntryException e) {
            assertTrue(e.offset() >= 0 && e.offset() < Math.max(pristine.length, header.fileSize()) + 4096,
                    () -> "offset of " + e);
            return 1;
        }
    }

    private CorruptStoreException refused(byte[] bytes) throws IOException {
        Files.write(path, bytes);
        try (StaticStore store = StaticStore.open(path)) {
            fail("opened a damaged file: " + store);
            return null;
        } catch (CorruptStoreException e) {
            assertArrayEquals(bytes, Files.readAllBytes(path), "a refused file is left as it was");
            return e;
        }
    }

    private static void fixHeaderCrc(ByteBuffer b) {
        if (b.capacity() < 128) {
            return;
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, StaticHeader.FIELDS);
        b.putInt(StaticHeader.AT_HEADER_CRC, (int) crc.getValue());
    }

    private long firstUsedSlot() {
        ByteBuffer b = ByteBuffer.wrap(pristine).order(ByteOrder.LITTLE_ENDIAN);
        for (long slot = 0; ; slot++) {
            long at = header.indexOffset() + 8 * slot;
            if (b.getLong((int) at) != 0) {
                return at;
            }
        }
    }

    private String keyAt(long record) {
        ByteBuffer b = ByteBuffer.wrap(pristine).order(ByteOrder.LITTLE_ENDIAN);
        int length = b.getInt((int) record);
        return new String(pristine, (int) record + 16, length, UTF_8);
    }
}
