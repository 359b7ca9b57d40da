package io.mmap4j.content;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.store.SharedMap;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The store contract on {@link MappedStore}, and its entries in the {@link SharedMap}. */
class MappedStoreTest extends StoreContract {
    @Override
    Store open(Path dir) throws Exception {
        return MappedStore.open(dir.resolve("mapped"));
    }

    @Test
    void entriesAreTaggedKeysAndAGroupListsItsChildrenWithoutAScan() {
        SharedMap map = ((MappedStore) store).map();
        store.write("data/abc", b("bytes"));
        store.makeLink("data/abc", "msg/key");
        assertEquals("Vbytes", new String(map.get("data/abc"), StandardCharsets.UTF_8));
        assertEquals("Ldata/abc", new String(map.get("msg/key"), StandardCharsets.UTF_8));
        assertEquals('G', map.get("msg")[0]);
        assertEquals(9, map.get("msg").length, "a tag and a child count");
        for (int i = 0; i < 100; i++) {
            store.write("big/" + i, b("v"));
        }
        store.write("big/7", b("again")); // replacing lists nothing new
        assertEquals(100, store.list("big").size());
        assertEquals(100, java.nio.ByteBuffer.wrap(map.get("big")).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(1));
    }

    @Test
    void aListedNameWithNothingBehindItOrAnUnnamedSlotIsSkipped() {
        SharedMap map = ((MappedStore) store).map();
        store.write("g/real", b("1"));
        // as a writer killed between listing a name and writing its entry, or between reserving and naming a slot
        map.put("g".getBytes(StandardCharsets.UTF_8), java.nio.ByteBuffer.allocate(9).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .put((byte) 'G').putLong(3).array());
        byte[] slot1 = java.nio.ByteBuffer.allocate(10).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .put((byte) 'g').put((byte) 0).putLong(1).array();
        map.put(slot1, b("ghost"));
        assertEquals(List.of("real"), store.list("g"));
        store.write("g/ghost", b("now real")); // its name is listed already; writing it lists it once
        assertEquals(Set.of("real", "ghost"), sorted(store.list("g")));
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
