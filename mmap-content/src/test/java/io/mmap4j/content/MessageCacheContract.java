package io.mmap4j.content;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * hb_cache's tests, run against every backend by a subclass: round trips (empty message, binary,
 * nested empty messages, deep nesting fetched through a deep path, lists, signed messages by both
 * IDs), lazy loading, list, read_resolved, match; dedup; exact types; bad input.
 */
abstract class MessageCacheContract {
    @TempDir
    Path dir;
    MessageCache cache;

    abstract Store open(Path dir) throws Exception;

    @BeforeEach
    void openCache() throws Exception {
        cache = MessageCache.over(open(dir));
        cache.store().reset();
    }

    @AfterEach
    void closeCache() {
        cache.close();
    }

    static KeyPair ed25519() throws Exception {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    /** Deep equality with byte arrays compared by content. */
    static void assertSameValue(Object expected, Object actual) {
        assertEquals(normal(expected), normal(actual));
    }

    static void assertSameValue(Object expected, Object actual, String message) {
        assertEquals(normal(expected), normal(actual), message);
    }

    static Object normal(Object v) {
        if (v instanceof byte[] b) {
            return "bytes:" + Arrays.toString(b);
        }
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> n = new TreeMap<>();
            m.forEach((k, x) -> n.put(k, normal(x)));
            return n;
        }
        if (v instanceof List<?> l) {
            return l.stream().map(MessageCacheContract::normal).toList();
        }
        return v == null ? null : v.getClass().getSimpleName() + ":" + v;
    }

    private Object roundTrip(Map<String, ?> message) {
        String id = cache.write(message);
        assertEquals(MessageCache.id(message), id);
        Object read = cache.ensureAllLoaded(cache.read(id).orElseThrow());
        assertSameValue(message, read);
        return read;
    }

    // ---------------------------------------------------------------------------------------------
    // Round trips (hb_cache's test_unsigned / test_signed family)

    @Test
    void anEmptyMessage() {
        assertEquals(Map.of(), roundTrip(Map.of()));
        assertEquals(List.of(), cache.list(MessageCache.id(Map.of())));
    }

    @Test
    void aBinaryThroughWriteBinary() {
        String path = cache.writeBinary("test-hashpath", "test data".getBytes(UTF_8));
        assertEquals("data/" + MessageCache.id("test data".getBytes(UTF_8)), path);
        assertArrayEquals("test data".getBytes(UTF_8), (byte[]) cache.read("test-hashpath").orElseThrow());
        assertArrayEquals("test data".getBytes(UTF_8), (byte[]) cache.read(path).orElseThrow());
    }

    @Test
    void nestedEmptyMessages() {
        roundTrip(Map.of("a", Map.of(), "b", Map.of("c", Map.of(), "d", List.of())));
    }

    @Test
    void deepNestingFetchedThroughADeepPath() {
        Map<String, Object> message = Map.of("leaf", "bottom");
        StringBuilder path = new StringBuilder();
        for (int depth = 0; depth < 60; depth++) {
            message = Map.of("level", message, "depth", depth);
            path.append("/level");
        }
        String id = cache.write(message);
        assertEquals("bottom", cache.read(id + path + "/leaf").orElseThrow());
        assertEquals(59, cache.read(id + "/depth").orElseThrow());
        Object inner = cache.read(id + path.substring(0, path.length() - "/level".length())).orElseThrow();
        assertInstanceOf(Link.class, ((Map<?, ?>) inner).get("level"));
        assertSameValue(message, cache.ensureAllLoaded(cache.read(id).orElseThrow()));
    }

    @Test
    void listsOfEveryKindOfValue() {
        Map<String, Object> message = Map.of("items", List.of(1, "two", "3".getBytes(UTF_8), Map.of("x", "y"),
                List.of(true, 3.5, List.of()), 4L), "empty", List.of());
        roundTrip(message);
        String id = cache.write(message);
        Map<?, ?> read = (Map<?, ?>) cache.read(id).orElseThrow();
        List<?> items = (List<?>) cache.ensureLoaded(read.get("items"));
        assertEquals(1, items.get(0));
        assertInstanceOf(Link.class, items.get(3), "a nested message in a list stays a link");
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), cache.listNumbered(id + "/items"));
        assertEquals("y", cache.read(id + "/items/3/x").orElseThrow());
    }

    @Test
    void typesComeBackExactly() {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("string", "text é 値 😀");
        message.put("bytes", new byte[] {0, -1, 2});
        message.put("int", Integer.MIN_VALUE);
        message.put("long", Long.MAX_VALUE);
        message.put("longSmall", 7L);
        message.put("intSeven", 7);
        message.put("stringSeven", "7");
        message.put("true", true);
        message.put("false", false);
        message.put("double", -0.0);
        message.put("nan", Double.NaN);
        message.put("emptyString", "");
        message.put("emptyBytes", new byte[0]);
        String id = cache.write(message);
        Map<?, ?> read = (Map<?, ?>) cache.read(id).orElseThrow();
        assertEquals("text é 値 😀", read.get("string"));
        assertArrayEquals(new byte[] {0, -1, 2}, (byte[]) read.get("bytes"));
        assertEquals(Integer.MIN_VALUE, read.get("int"));
        assertEquals(Long.MAX_VALUE, read.get("long"));
        assertEquals(7L, read.get("longSmall"));
        assertEquals(7, read.get("intSeven"));
        assertEquals("7", read.get("stringSeven"));
        assertEquals(Boolean.TRUE, read.get("true"));
        assertEquals(Boolean.FALSE, read.get("false"));
        assertEquals(-0.0, read.get("double"));
        assertTrue(Double.isNaN((Double) read.get("nan")));
        assertEquals("", read.get("emptyString"));
        assertArrayEquals(new byte[0], (byte[]) read.get("emptyBytes"));
        assertNotEquals(MessageCache.id(7), MessageCache.id(7L));
        assertNotEquals(MessageCache.id("7"), MessageCache.id("7".getBytes(UTF_8)));
    }

    @Test
    void theIdDoesNotDependOnTheMapsOrder() {
        Map<String, Object> hash = new HashMap<>();
        Map<String, Object> tree = new TreeMap<>(java.util.Comparator.reverseOrder());
        for (int i = 0; i < 50; i++) {
            hash.put("k" + i, i);
            tree.put("k" + i, i);
        }
        assertEquals(MessageCache.id(hash), MessageCache.id(tree));
        assertEquals(cache.write(hash), cache.write(tree));
    }

    // ---------------------------------------------------------------------------------------------
    // Commitments

    @Test
    void aSignedMessageIsReadableByItsCommittedAndItsUncommittedId() throws Exception {
        Map<String, Object> signed = MessageCache.commit(Map.of("data", "test", "nested", Map.of("n", 1)), ed25519());
        Map<?, ?> commitments = (Map<?, ?>) signed.get("commitments");
        assertEquals(1, commitments.size());
        String committedId = (String) commitments.keySet().iterator().next();
        String uncommittedId = cache.write(signed);
        assertEquals(MessageCache.id(Map.of("data", "test", "nested", Map.of("n", 1))), uncommittedId,
                "the uncommitted ID does not cover the commitments");
        assertNotEquals(uncommittedId, committedId);
        for (String id : List.of(uncommittedId, committedId)) {
            assertSameValue(signed, cache.ensureAllLoaded(cache.read(id).orElseThrow()));
        }
        assertEquals(List.of(), cache.verify());
    }

    @Test
    void aMessageIsPackedWholeWithEverythingBeneathItAndReadsTheSameFromItsParts() {
        Map<String, Object> message = Map.of("name", "m", "body", new byte[1000], "n", 7,
                "config", Map.of("tags", List.of("a", "b"), "on", true));
        String id = cache.write(message);
        byte[] packed = cache.store().read("packed/" + id).orElseThrow();
        byte[] enc = cache.store().read("data/" + id).orElseThrow();
        byte[] config = cache.store().read("data/" + MessageCache.id(message.get("config"))).orElseThrow();
        byte[] tags = cache.store().read("data/" + MessageCache.id(List.of("a", "b"))).orElseThrow();
        assertEquals(PackedForm.VERSION, packed[0], "layout version 3");
        assertEquals(PackedForm.stamp(cache.store()), PackedForm.u64(packed, 1), "written under the current stamp");
        assertNotEquals(0, PackedForm.u64(packed, 1), "the first write made one");
        assertEquals(PackedForm.INLINE, packed[9], "no commitments");
        assertEquals(packed.length - 14, PackedForm.u32(packed, 10), "the tree's size");
        assertEquals(enc.length, PackedForm.u32(packed, 14));
        assertArrayEquals(enc, Arrays.copyOfRange(packed, 18, 18 + enc.length));
        int tagsTree = 5 + 4 + tags.length + (4 + 2) + (4 + 2);
        int configTree = 5 + 4 + config.length + (4 + 2) + tagsTree;
        assertEquals(9 + 5 + 4 + enc.length + (4 + 1001) + configTree + (4 + 5) + (4 + 2), packed.length,
                "body, config (its own tree: \"on\", then the tree of \"tags\"), n, name: in the encoding's key order");
        assertSameValue(message, cache.ensureAllLoaded(cache.read(id).orElseThrow()));
        String configId = MessageCache.id(message.get("config"));
        assertEquals(Store.Type.SIMPLE, cache.store().type("packed/" + configId), "a nested message has its own");
        assertEquals(9 + configTree, cache.store().read("packed/" + configId).orElseThrow().length);
        assertSameValue(message.get("config"), cache.ensureAllLoaded(new Link(configId)));
        Map<?, ?> oneLevel = (Map<?, ?>) cache.read(id).orElseThrow();
        assertEquals(new Link(configId), oneLevel.get("config"), "one level: the nested message is a link");
        Map<?, ?> configOneLevel = (Map<?, ?>) cache.ensureLoaded(oneLevel.get("config"));
        assertEquals(new Link(MessageCache.id(List.of("a", "b"))), configOneLevel.get("tags"), "and its list one more");
        assertEquals(List.of("a", "b"), cache.ensureLoaded(configOneLevel.get("tags")));
        assertEquals(Store.Type.SIMPLE, cache.store().type("packed/" + MessageCache.id(List.of("a", "b"))));

        Map<String, Object> large = Map.of("blob", new byte[PackedForm.MAX_BYTES]);
        String largeId = cache.write(large);
        assertEquals(Store.Type.ABSENT, cache.store().type("packed/" + largeId), "too large to copy");
        assertSameValue(large, cache.read(largeId).orElseThrow());
        Map<String, Object> holder = Map.of("large", large, "small", Map.of("x", 1));
        String holderId = cache.write(holder);
        byte[] holderPacked = cache.store().read("packed/" + holderId).orElseThrow();
        byte[] holderEnc = cache.store().read("data/" + holderId).orElseThrow();
        assertEquals(PackedForm.BY_ID, holderPacked[18 + holderEnc.length], "the large message is read by its ID");
        assertSameValue(holder, cache.ensureAllLoaded(cache.read(holderId).orElseThrow()));
        assertEquals(List.of(), cache.verify());
    }

    @Test
    void aCommitmentAddedToAMessageWrittenUnsignedIsReadByItsIdAndPacked() throws Exception {
        Map<String, Object> message = Map.of("release", "2.0");
        String id = cache.write(message);
        Map<String, Object> signed = MessageCache.commit(message, ed25519());
        assertEquals(id, cache.write(signed));
        assertEquals(PackedForm.COMMITTED, cache.store().read("packed/" + id).orElseThrow()[9]);
        assertSameValue(signed, cache.read(id).orElseThrow());
        assertEquals(id, cache.write(message), "written again unsigned");
        assertEquals(PackedForm.COMMITTED, cache.store().read("packed/" + id).orElseThrow()[9], "the flag stays");
        assertSameValue(signed, cache.read(id).orElseThrow());
    }

    @Test
    void aNestedMessageSignedAfterItsParentWasWrittenReadsWithItsCommitmentsThroughTheParent() throws Exception {
        Map<String, Object> nested = Map.of("release", "2.0");
        Map<String, Object> parent = Map.of("name", "p", "nested", nested);
        String id = cache.write(parent);
        long first = PackedForm.stamp(cache.store());
        assertNotEquals(0, first, "the first write made a stamp");
        cache.write(Map.of("unrelated", 1));
        assertEquals(first, PackedForm.stamp(cache.store()), "writes change no stamp");
        byte[] before = cache.store().read("packed/" + id).orElseThrow();
        Map<String, Object> signed = MessageCache.commit(nested, ed25519());
        cache.write(signed);
        long stamp = PackedForm.stamp(cache.store());
        assertNotEquals(first, stamp, "the nested message was written before: the stamp changed");
        assertArrayEquals(before, cache.store().read("packed/" + id).orElseThrow(), "the parent's tree is as written");
        Map<String, Object> expected = Map.of("name", "p", "nested", signed);
        assertSameValue(expected, cache.ensureAllLoaded(cache.read(id).orElseThrow()),
                "its tree names an old stamp: each map's commitments are looked for");
        assertSameValue(expected, cache.ensureAllLoaded(new Link(id)));

        assertEquals(id, cache.write(parent), "written again");
        byte[] after = cache.store().read("packed/" + id).orElseThrow();
        assertEquals(stamp, PackedForm.u64(after, 1), "its tree is written again under the new stamp");
        byte[] enc = cache.store().read("data/" + id).orElseThrow();
        byte[] nestedEnc = cache.store().read("data/" + MessageCache.id(nested)).orElseThrow();
        int nestedTree = 9 + 5 + 4 + enc.length + (4 + 2); // after the item of "name"
        assertEquals(PackedForm.COMMITTED, after[nestedTree], "the nested message is inline, flagged");
        assertArrayEquals(nestedEnc, Arrays.copyOfRange(after, nestedTree + 9, nestedTree + 9 + nestedEnc.length));
        assertSameValue(expected, cache.ensureAllLoaded(cache.read(id).orElseThrow()));
        Map<String, Object> signedInside = Map.of("name", "q", "nested", signed);
        assertSameValue(signedInside, cache.ensureAllLoaded(cache.read(cache.write(signedInside)).orElseThrow()),
                "a signed message written inside a new one");
        assertEquals(stamp, PackedForm.stamp(cache.store()), "a new message's commitments change no stamp");
        assertEquals(List.of(), cache.verify());
    }

    @Test
    void twoSignersCommitmentsAreMergedAndEachIdReads() throws Exception {
        Map<String, Object> message = Map.of("data", "shared");
        Map<String, Object> byOne = MessageCache.commit(message, ed25519());
        Map<String, Object> byTwo = MessageCache.commit(message, ed25519());
        String id = cache.write(byOne);
        assertEquals(id, cache.write(byTwo));
        Map<?, ?> read = (Map<?, ?>) cache.read(id).orElseThrow();
        Set<?> committed = ((Map<?, ?>) read.get("commitments")).keySet();
        assertEquals(2, committed.size());
        for (Object cid : committed) {
            assertEquals("shared", ((Map<?, ?>) cache.read((String) cid).orElseThrow()).get("data"));
        }
    }

    @Test
    void aTamperedMessageOrSignatureIsRefusedWhenWrittenAndWhenRead() throws Exception {
        Map<String, Object> signed = MessageCache.commit(Map.of("amount", 10), ed25519());
        Map<String, Object> altered = new LinkedHashMap<>(signed);
        altered.put("amount", 1000);
        IllegalArgumentException write = assertThrows(IllegalArgumentException.class, () -> cache.write(altered));
        assertTrue(write.getMessage().contains("the Ed25519 signature does not verify"), write.getMessage());

        // In the store: another message's valid commitment added to the message's commitments.
        String id = cache.write(signed);
        Map<String, Object> other = MessageCache.commit(Map.of("amount", 1000), ed25519());
        String otherId = cache.write(other);
        String otherCid = (String) ((Map<?, ?>) other.get("commitments")).keySet().iterator().next();
        cache.link(cache.store().resolve(otherId + "/commitments/" + otherCid), id + "/commitments/" + otherCid);
        CorruptContentException read = assertThrows(CorruptContentException.class, () -> cache.read(id));
        assertTrue(read.getMessage().contains(id + "/commitments: commitment "), read.getMessage());
        assertTrue(read.getMessage().contains("does not verify against the message's ID " + id), read.getMessage());
        assertTrue(cache.verify().stream().anyMatch(p -> p.path().equals(id + "/commitments")), cache.verify().toString());
    }

    @Test
    void onlyEd25519KeysCommit() throws Exception {
        KeyPair rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MessageCache.commit(Map.of(), rsa));
        assertTrue(e.getMessage().contains("expected an Ed25519 key pair"), e.getMessage());
    }

    // ---------------------------------------------------------------------------------------------
    // Lazy loading (hb_cache_ensure_loaded_test and friends)

    @Test
    void readReturnsNestedMessagesAsLinksAndEnsureLoadedLoadsOneLevel() {
        Map<String, Object> inner = Map.of("inner", "data", "deeper", Map.of("x", 1));
        String innerId = cache.write(inner);
        String outerId = cache.write(Map.of("outer", inner, "plain", "v"));
        Map<?, ?> outer = (Map<?, ?>) cache.read(outerId).orElseThrow();
        assertEquals(new Link(innerId), outer.get("outer"));
        assertEquals("v", outer.get("plain"));
        Map<?, ?> one = (Map<?, ?>) cache.ensureLoaded(outer.get("outer"));
        assertEquals("data", one.get("inner"));
        assertInstanceOf(Link.class, one.get("deeper"));
        assertEquals("direct value", cache.ensureLoaded("direct value"));
        NoSuchElementException missing = assertThrows(NoSuchElementException.class,
                () -> cache.ensureLoaded(new Link(MessageCache.id("never written"))));
        assertTrue(missing.getMessage().startsWith("necessary message not found: "), missing.getMessage());
    }

    @Test
    void ensureAllLoadedResolvesLinksInLists() {
        String id = cache.write(Map.of("item", "data"));
        Object read = cache.read(id).orElseThrow();
        Object loaded = cache.ensureAllLoaded(List.of(read, new Link(id)));
        assertEquals(List.of(Map.of("item", "data"), Map.of("item", "data")), loaded);
    }

    @Test
    void aLinkWrittenInAMessageStandsForItsValueWithoutLoadingIt() {
        String innerId = cache.write(Map.of("big", new byte[10_000]));
        Map<String, Object> loaded = Map.of("inner", Map.of("big", new byte[10_000]), "k", "v");
        String viaLink = cache.write(Map.of("inner", new Link(innerId), "k", "v"));
        assertEquals(MessageCache.id(loaded), viaLink);
        Map<?, ?> read = (Map<?, ?>) cache.read(viaLink).orElseThrow();
        assertEquals(viaLink, cache.write(castMap(read)), "written back as read, links and all: same ID");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cache.write(Map.of("x", new Link("nowhere"))));
        assertTrue(e.getMessage().contains("leads to no value"), e.getMessage());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ?> castMap(Map<?, ?> m) {
        return (Map<String, ?>) m;
    }

    // ---------------------------------------------------------------------------------------------
    // list, list_numbered, read_resolved, match

    @Test
    void listNamesTheKeysAndListNumberedTheNumberedOnes() {
        String id = cache.write(Map.of("a", "1", "b", "2"));
        assertEquals(List.of("a", "b"), cache.list(id));
        String numbered = cache.write(Map.of("1", "a", "2", "b", "3", "c", "5", "e", "10", "j", "x", "not a number"));
        assertEquals(List.of(1L, 2L, 3L, 5L, 10L), cache.listNumbered(numbered));
        assertEquals(List.of(), cache.list("nothing/here"));
    }

    @Test
    void readResolvedFindsAMemoisedResult() {
        Map<String, Object> msg1 = Map.of("key", "value");
        Map<String, Object> msg2 = Map.of("path", "key");
        cache.write(msg1);
        cache.write(msg2);
        assertEquals(Optional.empty(), cache.readResolved(msg1, msg2), "a miss before the result is written");
        cache.writeBinary(MessageCache.hashpath(msg1, msg2), "value".getBytes(UTF_8));
        assertArrayEquals("value".getBytes(UTF_8), (byte[]) cache.readResolved(msg1, msg2).orElseThrow());
        assertArrayEquals("value".getBytes(UTF_8),
                (byte[]) cache.readResolved(MessageCache.id(msg1), MessageCache.id(msg2)).orElseThrow());
        cache.writeHashpath(MessageCache.hashpath(msg2, msg1), Map.of("result", List.of(1, 2)));
        assertSameValue(Map.of("result", List.of(1, 2)), cache.ensureAllLoaded(cache.readResolved(msg2, msg1).orElseThrow()));
        assertThrows(IllegalArgumentException.class, () -> MessageCache.hashpath("not an id", msg2));
    }

    @Test
    void matchFindsMessagesByTemplateThroughTheIndex() {
        String id1 = cache.write(Map.of("x", "1"));
        cache.write(Map.of("y", "2"));
        String id3 = cache.write(Map.of("x", "1", "z", "3"));
        cache.write(Map.of("x", 1)); // an Integer 1 is not the String "1"
        assertEquals(Set.of(id1, id3), Set.copyOf(cache.match(Map.of("x", "1"))));
        assertEquals(List.of(id3), cache.match(Map.of("x", "1", "z", "3")));
        assertEquals(List.of(), cache.match(Map.of("x", "2")));
    }

    @Test
    void matchFindsNestedMessages() {
        Map<String, Object> inner = Map.of("b", "c");
        cache.write(Map.of("a", inner));
        List<String> matched = cache.match(Map.of("b", "c"));
        assertEquals(1, matched.size());
        assertEquals(inner, cache.ensureAllLoaded(cache.read(matched.getFirst()).orElseThrow()));
        String outer = MessageCache.id(Map.of("a", inner));
        assertEquals(List.of(outer), cache.match(Map.of("a", inner)), "a nested value matches by its ID");
    }

    // ---------------------------------------------------------------------------------------------
    // Dedup, stat, verify

    @Test
    void aBinarySharedByManyMessagesIsStoredOnce() {
        byte[] shared = new byte[64 << 10];
        Arrays.fill(shared, (byte) 7);
        for (int i = 0; i < 100; i++) {
            cache.write(Map.of("n", i, "blob", shared, "nested", Map.of("blob", shared)));
        }
        String blobPath = "data/" + MessageCache.id(shared);
        long copies = cache.store().list("data").stream()
                .filter(id -> cache.store().read("data/" + id).orElseThrow().length == shared.length + 1).count();
        assertEquals(1, copies);
        assertEquals(Store.Type.SIMPLE, cache.store().type(blobPath));
        MessageCache.Stat stat = cache.stat();
        assertEquals(101, stat.messages(), "100 messages and their one nested message");
        assertEquals(101, stat.scalars(), "100 numbers and one blob");
        assertEquals(List.of(), cache.verify());
    }

    // ---------------------------------------------------------------------------------------------
    // Bad input

    @Test
    void badInputIsRefusedNamingWhereItIs() {
        Map<String, Object> nullValue = new HashMap<>();
        nullValue.put("inner", new HashMap<>(Map.of("ok", 1)));
        ((Map<String, Object>) nullValue.get("inner")).put("bad", null);
        NullPointerException npe = assertThrows(NullPointerException.class, () -> cache.write(nullValue));
        assertEquals("the value at message/inner/bad is null", npe.getMessage());

        Map<String, Object> nullKey = new HashMap<>();
        nullKey.put(null, 1);
        assertThrows(NullPointerException.class, () -> cache.write(nullKey));

        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> cache.write(Map.of("when", List.of(new java.util.Date()))));
        assertTrue(type.getMessage().startsWith("the value at message/when/0 is a java.util.Date"), type.getMessage());

        Map<String, Object> cyclic = new HashMap<>();
        cyclic.put("self", List.of(cyclic));
        IllegalArgumentException cycle = assertThrows(IllegalArgumentException.class, () -> cache.write(cyclic));
        assertTrue(cycle.getMessage().contains("message/self/0 contains itself"), cycle.getMessage());

        assertThrows(IllegalArgumentException.class, () -> cache.write(Map.of("a/b", 1)));
        assertThrows(IllegalArgumentException.class, () -> cache.write(Map.of("", 1)));
        assertThrows(IllegalArgumentException.class, () -> cache.write(Map.of("k".repeat(256), 1)));
        assertThrows(IllegalArgumentException.class, () -> cache.write(Map.of("s", "lone \ud800 surrogate")));
        assertThrows(IllegalArgumentException.class, () -> cache.write(Map.of("commitments", "not a map")));
        assertThrows(NullPointerException.class, () -> cache.write(null));
        assertThrows(IllegalArgumentException.class, () -> cache.read(""));
        assertEquals(List.of(), cache.store().list(""), "nothing of a refused write is stored");
    }

    @Test
    void unknownIdsReadAsEmpty() {
        assertEquals(Optional.empty(), cache.read(MessageCache.id("never written")));
        assertEquals(Optional.empty(), cache.read("not/an/id"));
    }

    @Test
    void aNestingDeeperThanTheLimitIsRefused() {
        List<Object> deep = new ArrayList<>();
        List<Object> current = deep;
        for (int i = 0; i < 300; i++) {
            List<Object> next = new ArrayList<>();
            current.add(next);
            current = next;
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cache.write(Map.of("deep", deep)));
        assertTrue(e.getMessage().contains("nested deeper than 256 levels"), e.getMessage());
    }

    @Test
    void everyCallAfterCloseThrows() {
        String id = cache.write(Map.of("a", 1));
        cache.close();
        cache.close();
        assertThrows(IllegalStateException.class, () -> cache.read(id));
        assertThrows(IllegalStateException.class, () -> cache.write(Map.of()));
        assertThrows(IllegalStateException.class, () -> cache.list(id));
        assertThrows(IllegalStateException.class, () -> cache.match(Map.of("a", 1)));
        assertThrows(IllegalStateException.class, cache::stat);
    }
}
