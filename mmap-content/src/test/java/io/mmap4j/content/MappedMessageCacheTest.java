package io.mmap4j.content;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.store.SharedMap;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** hb_cache's tests on the mapped backend, and {@link MessageCache#open(Path)}. */
class MappedMessageCacheTest extends MessageCacheContract {
    @Override
    Store open(Path dir) throws Exception {
        return MappedStore.open(dir.resolve("mapped"));
    }

    @Test
    void aMessagesGroupIsWrittenOnceListingItsKeysAndWritingLeavesNoDeadBytes() {
        SharedMap map = ((MappedStore) cache.store()).map();
        String id = cache.write(Map.of("a", "1", "bb", 2, "nested", Map.of("x", true)));
        assertArrayEquals(new byte[] {'G', 1, 'a', 2, 'b', 'b', 6, 'n', 'e', 's', 't', 'e', 'd'}, map.get(id),
                "the tag, then each key: its length and its UTF-8, written at once");
        for (int i = 0; i < 40; i++) { // past the names the shared groups (the root, data, packed, index/...) hold in their entries
            cache.write(message(i));
        }
        SharedMap.Stats before = map.stats();
        for (int i = 40; i < 80; i++) {
            cache.write(message(i));
        }
        SharedMap.Stats after = map.stats();
        assertEquals(before.generation() == after.generation() ? before.deadBytes() : 0, after.deadBytes(),
                "new groups list their children when made, full ones list more in new keys: nothing rewritten; "
                        + before + " then " + after);
    }

    private static Map<String, Object> message(int i) {
        return Map.of("n", i, "name", "m" + i, "tags", List.of("t" + i, "shared"), "config", Map.of("i", (long) i));
    }

    @Test
    void openIsTheMappedBackendAndVerifyOfItsDirectoryFindsIt() throws Exception {
        cache.close();
        Path path = dir.resolve("opened");
        String id;
        try (MessageCache opened = MessageCache.open(path)) {
            id = opened.write(Map.of("k", "v", "nested", Map.of("x", 1)));
            assertEquals(MappedStore.class, opened.store().getClass());
        }
        try (MessageCache again = MessageCache.open(path)) {
            assertEquals(Map.of("k", "v", "nested", Map.of("x", 1)), again.ensureAllLoaded(again.read(id).orElseThrow()));
        }
        assertEquals(List.of(), MessageCache.verify(path));
        cache = MessageCache.over(new MemoryStore());
    }

    @Test
    void aCommitmentAddedThroughAnotherHandleIsSeenByTheNextReadThoughTheStampWasKept() throws Exception {
        Map<String, Object> nested = Map.of("release", "2.0");
        Map<String, Object> parent = Map.of("name", "p", "nested", nested);
        String id = cache.write(parent);
        for (int i = 0; i < 3; i++) { // the stamp read, then kept: the same value each time
            assertSameValue(parent, cache.ensureAllLoaded(cache.read(id).orElseThrow()));
        }
        long kept = PackedForm.stamp(cache.store());
        try (MessageCache other = MessageCache.open(dir.resolve("mapped"))) { // its own map handle, as another process
            Map<String, Object> signed = MessageCache.commit(nested, ed25519());
            other.write(signed);
            long changed = PackedForm.stamp(other.store());
            assertNotEquals(kept, changed, "the nested message gained a commitment: a new stamp");
            assertEquals(changed, PackedForm.stamp(cache.store()), "this handle sees the new stamp at once");
            assertSameValue(Map.of("name", "p", "nested", signed), cache.ensureAllLoaded(cache.read(id).orElseThrow()),
                    "read with the commitment added through the other handle");
        }
    }

    @Test
    void aStampWithBytesFromX80IsReadAsBytesEachTimeAndANewStampIsAscii() {
        Store store = cache.store();
        byte[] old = {(byte) 0x80, (byte) 0xFF, 1, 2, (byte) 0xC3, (byte) 0xA9, 0x7F, (byte) 0xFE}; // as mmap4j wrote before
        store.write(PackedForm.STAMP, old);
        for (int i = 0; i < 3; i++) {
            assertEquals(PackedForm.u64(old, 0), PackedForm.stamp(store), "not exact as text: read as bytes");
        }
        for (int i = 0; i < 50; i++) {
            PackedForm.changeStamp(store);
            byte[] now = store.read(PackedForm.STAMP).orElseThrow();
            assertEquals(8, now.length);
            for (byte b : now) {
                assertTrue(b >= 0, "every byte of a new stamp is below 0x80: " + Arrays.toString(now));
            }
            assertNotEquals(0, PackedForm.u64(now, 0));
            assertEquals(PackedForm.u64(now, 0), PackedForm.stamp(store), "the new stamp, seen at once");
            assertEquals(PackedForm.u64(now, 0), PackedForm.stamp(store), "and kept");
        }
        store.write(PackedForm.STAMP, new byte[] {1, 2, 3});
        CorruptContentException e = assertThrows(CorruptContentException.class, () -> PackedForm.stamp(store));
        assertTrue(e.getMessage().contains("a stamp of 3 bytes, expected 8"), e.getMessage());
    }
}
