package io.mmap4j.content;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What a read costs in lookups of the store: a message read whole is one read of its packed value
 * (every level of it) and of the commitments stamp, counted on a store that records each read.
 */
class PackedReadsTest {
    /** A memory store that records the path of every read. */
    private static final class CountingStore implements Store {
        final Store store = new MemoryStore();
        final List<String> reads = new ArrayList<>();

        @Override
        public Optional<byte[]> read(String path) {
            reads.add(path);
            return store.read(path);
        }

        @Override
        public void write(String path, byte[] value) {
            store.write(path, value);
        }

        @Override
        public Type type(String path) {
            return store.type(path);
        }

        @Override
        public void makeGroup(String path) {
            store.makeGroup(path);
        }

        @Override
        public void makeLink(String existing, String newPath) {
            store.makeLink(existing, newPath);
        }

        @Override
        public String resolve(String path) {
            return store.resolve(path);
        }

        @Override
        public List<String> list(String path) {
            return store.list(path);
        }

        @Override
        public void reset() {
            store.reset();
        }

        @Override
        public String location() {
            return "counting " + store.location();
        }

        @Override
        public void close() {
            store.close();
        }
    }

    private static final Map<String, Object> MESSAGE = Map.of("name", "message-1", "body", new byte[1000],
            "config", Map.of("index", 1L, "tags", List.of("tag-1", "shared")));

    @Test
    void aMessageReadWholeIsOneReadOfItsPackedValueAndOfTheStamp() {
        CountingStore store = new CountingStore();
        try (MessageCache cache = MessageCache.over(store)) {
            String id = cache.write(MESSAGE);
            store.reads.clear();
            MessageCacheContract.assertSameValue(MESSAGE, cache.ensureAllLoaded(cache.read(id).orElseThrow()));
            assertEquals(List.of("packed/" + id, PackedForm.STAMP, PackedForm.STAMP), store.reads,
                    "the message's tree, then the stamp: when read, and when its link to the nested message is loaded");
            store.reads.clear();
            MessageCacheContract.assertSameValue(MESSAGE, cache.ensureAllLoaded(new Link(id)));
            assertEquals(List.of("packed/" + id, PackedForm.STAMP), store.reads, "every level at once");
        }
    }

    @Test
    void aLinkNotFromTheLastTreeReadIsReadByItsId() {
        CountingStore store = new CountingStore();
        try (MessageCache cache = MessageCache.over(store)) {
            String id = cache.write(MESSAGE);
            Map<?, ?> first = (Map<?, ?>) cache.read(id).orElseThrow();
            cache.read(cache.write(Map.of("other", Map.of("x", 1)))); // another tree read since
            store.reads.clear();
            Object config = cache.ensureAllLoaded(first.get("config"));
            MessageCacheContract.assertSameValue(MESSAGE.get("config"), config);
            String configId = MessageCache.id(MESSAGE.get("config"));
            assertEquals(List.of("packed/" + configId, PackedForm.STAMP), store.reads, "its own packed value");
        }
    }
}
