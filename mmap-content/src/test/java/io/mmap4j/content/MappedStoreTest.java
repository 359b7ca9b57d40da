package io.mmap4j.content;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.store.SharedMap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The store contract on {@link MappedStore}, and its entries in the {@link SharedMap}. */
class MappedStoreTest extends StoreContract {
    @Override
    Store open(Path dir) throws Exception {
        return MappedStore.open(dir.resolve("mapped"));
    }

    @Test
    void entriesAreTaggedKeysAndAGroupListsItsChildrenInItsOwnEntry() {
        SharedMap map = ((MappedStore) store).map();
        store.write("data/abc", b("bytes"));
        store.makeLink("data/abc", "msg/key");
        store.write("msg/é", b("x"));
        assertEquals("Vbytes", new String(map.get("data/abc"), StandardCharsets.UTF_8));
        assertEquals("Ldata/abc", new String(map.get("msg/key"), StandardCharsets.UTF_8));
        assertArrayEquals(new byte[] {'G', 3, 'k', 'e', 'y', 2, (byte) 0xC3, (byte) 0xA9}, map.get("msg"),
                "the tag, then each child's name: its length and its UTF-8");
        assertArrayEquals(new byte[] {3, 0, 0, 0}, map.get(new byte[] {0, 'f', 'o', 'r', 'm', 'a', 't'}), "layout version 3");
        assertEquals(List.of("key", "é"), store.list("msg"));
    }

    @Test
    void aGroupPastItsInlineNamesListsTheRestInOverflowSlotsInOrder() {
        SharedMap map = ((MappedStore) store).map();
        for (int i = 0; i < 100; i++) {
            store.write("big/" + i, b("v"));
        }
        store.write("big/7", b("again")); // replacing lists nothing new
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            expected.add(Integer.toString(i));
        }
        assertEquals(expected, store.list("big"), "each name once, in the order added");
        byte[] group = map.get("big");
        int names = 0;
        for (int at = 1; at < group.length; at += 1 + group[at]) {
            names++;
        }
        assertEquals(MappedStore.INLINE_NAMES, names, "the entry holds the first names");
        for (int i = 0; i < 100 - MappedStore.INLINE_NAMES; i++) {
            assertEquals(Integer.toString(MappedStore.INLINE_NAMES + i), new String(map.get(slot("big", i)), StandardCharsets.UTF_8));
        }
        assertEquals(null, map.get(slot("big", 100 - MappedStore.INLINE_NAMES)), "no gap, no slot past the last");
    }

    @Test
    void anotherProcessesOverflowNamesAreFoundAndNeverOverwritten() throws Exception {
        for (int i = 0; i < 40; i++) {
            store.write("g/" + i, b("v"));
        }
        try (MappedStore other = MappedStore.open(dir.resolve("mapped"))) { // its own hints: none yet
            other.write("g/from-other", b("o"));
            store.write("g/from-first", b("f")); // its hint is stale: the slot the other took is not overwritten
            other.write("g/again-other", b("o"));
        }
        List<String> names = store.list("g");
        assertEquals(43, names.size(), names.toString());
        assertEquals(List.of("from-other", "from-first", "again-other"), names.subList(40, 43));
    }

    @Test
    void aListedNameWithNothingBehindItIsListedAndReadsAbsentUntilWritten() {
        SharedMap map = ((MappedStore) store).map();
        store.write("g/real", b("1"));
        // as a writer killed between listing a name and writing its entry
        map.put("g".getBytes(StandardCharsets.UTF_8), new byte[] {'G', 4, 'r', 'e', 'a', 'l', 5, 'g', 'h', 'o', 's', 't'});
        assertEquals(List.of("real", "ghost"), store.list("g"));
        assertEquals(Store.Type.ABSENT, store.type("g/ghost"));
        store.write("g/ghost", b("now real")); // its name is listed already; writing it lists it once
        assertEquals(List.of("real", "ghost"), store.list("g"));
        assertEquals("now real", s(store.read("g/ghost")));
    }

    @Test
    void aStoreOfAnotherLayoutVersionIsRefusedNamingTheVersion() throws Exception {
        Path old = dir.resolve("version-1");
        try (SharedMap map = SharedMap.open(old)) { // version 1: a root group of a u64 count, no version key
            map.put(new byte[0], new byte[] {'G', 1, 0, 0, 0, 0, 0, 0, 0});
            map.put("data", new byte[] {'G', 0, 0, 0, 0, 0, 0, 0, 0});
        }
        IOException e = assertThrows(IOException.class, () -> MappedStore.open(old));
        assertTrue(e.getMessage().contains("layout version 1") && e.getMessage().contains("reads version 3 only"), e.getMessage());
        assertThrows(IOException.class, () -> MessageCache.open(old));
        try (SharedMap map = SharedMap.open(old)) {
            assertArrayEquals(new byte[] {'G', 1, 0, 0, 0, 0, 0, 0, 0}, map.get(new byte[0]), "left as found");
            map.put(new byte[] {0, 'f', 'o', 'r', 'm', 'a', 't'}, new byte[] {2, 0, 0, 0});
        }
        e = assertThrows(IOException.class, () -> MappedStore.open(old)); // packed values of version 2 hold no nested messages
        assertTrue(e.getMessage().contains("layout version 2;") && e.getMessage().contains("reads version 3 only"), e.getMessage());
        try (SharedMap map = SharedMap.open(old)) {
            assertArrayEquals(new byte[] {2, 0, 0, 0}, map.get(new byte[] {0, 'f', 'o', 'r', 'm', 'a', 't'}), "left as found");
            map.put(new byte[] {0, 'f', 'o', 'r', 'm', 'a', 't'}, new byte[] {4, 0, 0, 0});
        }
        e = assertThrows(IOException.class, () -> MappedStore.open(old, StandardOpenOption.READ));
        assertTrue(e.getMessage().contains("layout version 4"), e.getMessage());
    }

    @Test
    void aDamagedGroupEntryIsCorruptNamingTheGroup() {
        store.write("g/a", b("1"));
        ((MappedStore) store).map().put("g", new byte[] {'G', 9, 'a'});
        CorruptContentException e = assertThrows(CorruptContentException.class, () -> store.list("g"));
        assertEquals("g", e.path());
        assertTrue(e.getMessage().contains("a child name of 9 bytes at byte 1 of the group's entry of 3 bytes"), e.getMessage());
    }

    private static byte[] slot(String group, long i) {
        byte[] g = group.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(g.length + 9).order(ByteOrder.LITTLE_ENDIAN).put(g).put((byte) 0).putLong(i).array();
    }

    @Test
    void aReadOnlyStoreReadsAndRefusesWrites() throws Exception {
        store.write("k", b("v"));
        try (MappedStore readOnly = MappedStore.open(dir.resolve("mapped"), StandardOpenOption.READ)) {
            assertEquals("v", s(readOnly.read("k")));
            assertThrows(RuntimeException.class, () -> readOnly.write("k2", b("x")));
        }
    }

    @Test
    void aDamagedEntryIsCorruptNamingThePath() {
        ((MappedStore) store).map().put("bad", b("Xwhat"));
        CorruptContentException e = assertThrows(CorruptContentException.class, () -> store.read("bad"));
        assertEquals("bad", e.path());
        assertTrue(e.getMessage().contains("tag 'X' (0x58), expected 'V', 'L' or 'G'"), e.getMessage());
    }
}
