package io.mmap4j.content;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * hb_store's contract suite, run against every backend by a subclass: HyperBEAM's own tests (write
 * then link then read; link chains; links on a directory prefix), those of its LMDB backend
 * (immediate children only; a group cannot be read; links through groups; list through a link), and
 * what the Javadoc of {@link Store} promises besides.
 */
abstract class StoreContract {
    @TempDir
    Path dir;
    Store store;

    /** A fresh, empty store of the backend under test, in {@code dir} if it needs a place. */
    abstract Store open(Path dir) throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = open(dir);
        store.reset();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    static String s(Optional<byte[]> v) {
        return v.map(bytes -> new String(bytes, UTF_8)).orElse(null);
    }

    static Set<String> sorted(Collection<String> names) {
        return new TreeSet<>(names);
    }

    // hb_store.erl: simple_path_resolution_test
    @Test
    void writeThenLinkThenRead() {
        store.write("test-file", b("test-data"));
        store.makeLink("test-file", "test-link");
        assertEquals("test-data", s(store.read("test-link")));
        assertEquals(Store.Type.SIMPLE, store.type("test-link"));
    }

    // hb_store.erl: resursive_path_resolution_test
    @Test
    void aChainOfLinksResolves() {
        store.write("test-file", b("test-data"));
        store.makeLink("test-file", "test-link");
        store.makeLink("test-link", "test-link2");
        assertEquals("test-data", s(store.read("test-link2")));
        assertEquals("test-file", store.resolve("test-link2"));
    }

    // hb_store.erl: hierarchical_path_resolution_test
    @Test
    void aLinkOnADirectoryPrefixResolves() {
        store.makeGroup("test-dir1");
        store.write(List.of("test-dir1", "test-file"), b("test-data"));
        store.makeLink(List.of("test-dir1"), List.of("test-link"));
        assertEquals("test-data", s(store.read(List.of("test-link", "test-file"))));
        assertEquals("test-dir1/test-file", store.resolve("test-link/test-file"));
    }

    // hb_store_fs.erl's resolve doc: a/b/c is not the right data when a/b links to a/alt-b
    @Test
    void resolutionReplacesEveryLinkedPrefixSegmentBySegment() {
        store.write("a/alt-b/c", b("Correct data"));
        store.write("a/b2/c", b("Not the right data"));
        store.makeLink("a/alt-b", "a/b");
        assertEquals("Correct data", s(store.read("a/b/c")));
        store.makeLink("a", "x");
        store.makeLink("x/b", "y");
        assertEquals("a/alt-b/c", store.resolve("y/c"));
        assertEquals("Correct data", s(store.read("/y//c/")));
    }

    // hb_store_lmdb's tests: list returns immediate children only, nested group names included
    @Test
    void listNamesImmediateChildrenOnly() {
        store.write("colors/red", b("1"));
        store.write("colors/blue", b("2"));
        store.write("colors/multi/foo", b("3"));
        store.write("colors/multi/bar/deep", b("4"));
        store.makeLink("colors/red", "colors/alias");
        assertEquals(Set.of("red", "blue", "multi", "alias"), sorted(store.list("colors")));
        assertEquals(Set.of("foo", "bar"), sorted(store.list("colors/multi")));
        assertEquals(Set.of("colors"), sorted(store.list("")));
        assertEquals(List.of(), store.list("colors/red"), "a value has no children");
        assertEquals(List.of(), store.list("nothing"), "an absent path has none");
    }

    @Test
    void listFollowsALinkToAGroup() {
        store.write("dir/one", b("1"));
        store.write("dir/two", b("2"));
        store.makeLink("dir", "alias");
        assertEquals(Set.of("one", "two"), sorted(store.list("alias")));
    }

    // hb_store_lmdb: a group is composite and cannot be read; reading a link to a group is not_found
    @Test
    void aGroupIsCompositeAndReadsAsAbsent() {
        store.makeGroup("group");
        store.makeLink("group", "to-group");
        assertEquals(Store.Type.COMPOSITE, store.type("group"));
        assertEquals(Store.Type.COMPOSITE, store.type("to-group"));
        assertEquals(Optional.empty(), store.read("group"));
        assertEquals(Optional.empty(), store.read("to-group"));
        assertEquals(Store.Type.COMPOSITE, store.type(""), "the root is a group");
    }

    @Test
    void typeTellsSimpleCompositeAndAbsentThroughLinks() {
        store.write("v", b("x"));
        store.makeLink("nowhere", "dangling");
        assertEquals(Store.Type.SIMPLE, store.type("v"));
        assertEquals(Store.Type.ABSENT, store.type("missing"));
        assertEquals(Store.Type.ABSENT, store.type("dangling"), "a link to nothing");
        assertEquals(Store.Type.ABSENT, store.type("v/below"), "nothing is below a value");
        assertEquals(Optional.empty(), store.read("dangling"));
    }

    @Test
    void makeGroupIsIdempotentAndMakesTheGroupsAbove() {
        store.makeGroup("a/b/c");
        store.makeGroup("a/b/c");
        store.makeGroup(List.of("a", "b"));
        assertEquals(Store.Type.COMPOSITE, store.type("a"));
        assertEquals(Set.of("c"), sorted(store.list("a/b")));
        assertEquals(List.of(), store.list("a/b/c"));
    }

    @Test
    void writeCreatesParentsAndReplacesValuesAndLinks() {
        store.write("p/q/r", b("one"));
        assertEquals(Store.Type.COMPOSITE, store.type("p/q"));
        store.write("p/q/r", b("two"));
        assertEquals("two", s(store.read("p/q/r")));
        store.write("target", b("t"));
        store.makeLink("target", "p/q/r"); // a link replaces a value
        assertEquals("t", s(store.read("p/q/r")));
        store.write("p/q/r", b("three")); // a value replaces a link, the target stays
        assertEquals("three", s(store.read("p/q/r")));
        assertEquals("t", s(store.read("target")));
        assertEquals(Set.of("r"), sorted(store.list("p/q")), "replacing never lists a name twice");
    }

    @Test
    void writingThroughALinkedPrefixLandsInTheTarget() {
        store.makeGroup("real");
        store.makeLink("real", "alias");
        store.write("alias/file", b("x"));
        assertEquals(Set.of("file"), sorted(store.list("real")));
        assertEquals("x", s(store.read("real/file")));
    }

    @Test
    void aGroupIsNeverReplacedAndNothingGoesBelowAValue() {
        store.makeGroup("g");
        IllegalStateException write = assertThrows(IllegalStateException.class, () -> store.write("g", b("x")));
        assertTrue(write.getMessage().contains("g: it is a group"), write.getMessage());
        assertThrows(IllegalStateException.class, () -> store.makeLink("elsewhere", "g"));
        store.write("v", b("x"));
        IllegalStateException below = assertThrows(IllegalStateException.class, () -> store.write("v/child", b("y")));
        assertTrue(below.getMessage().contains("v is a value"), below.getMessage());
        assertThrows(IllegalStateException.class, () -> store.makeGroup("v"));
        assertEquals(Store.Type.COMPOSITE, store.type("g"));
        assertEquals("x", s(store.read("v")));
    }

    @Test
    void aLinkToItselfIsIgnoredAndACycleIsAnErrorNamingThePath() {
        store.makeLink("self", "self");
        assertEquals(Store.Type.ABSENT, store.type("self"));
        store.makeLink("ping", "pong");
        store.makeLink("pong", "ping");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> store.read("ping/x"));
        assertTrue(e.getMessage().endsWith(": resolving ping/x: the link ping leads back through itself: a cycle"),
                e.getMessage());
        store.makeLink("grow/b", "grow"); // grow/b -> grow/b/b -> ...: never ends
        assertTrue(assertThrows(IllegalStateException.class, () -> store.resolve("grow/c")).getMessage()
                .endsWith("the link grow leads back through itself: a cycle"));
        assertThrows(IllegalStateException.class, () -> store.resolve("pong"));
    }

    @Test
    void aChainOfAThousandLinksResolvesAndOneMoreDoesNot() {
        store.write("l0", b("end"));
        for (int i = 1; i <= Store.MAX_LINK_HOPS; i++) {
            store.makeLink("l" + (i - 1), "l" + i);
        }
        assertEquals("end", s(store.read("l" + Store.MAX_LINK_HOPS)));
        store.makeLink("l" + Store.MAX_LINK_HOPS, "one-more");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> store.read("one-more"));
        assertTrue(e.getMessage().contains("resolving one-more followed 1000 links"), e.getMessage());
    }

    @Test
    void valuesAreCopiedInAndOut() {
        byte[] value = b("abc");
        store.write("k", value);
        value[0] = 'X';
        byte[] read = store.read("k").orElseThrow();
        read[1] = 'Y';
        assertArrayEquals(b("abc"), store.read("k").orElseThrow());
    }

    @Test
    void emptyAndLargeValues() {
        store.write("empty", new byte[0]);
        byte[] big = new byte[3 << 20];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        store.write("big", big);
        assertArrayEquals(new byte[0], store.read("empty").orElseThrow());
        assertArrayEquals(big, store.read("big").orElseThrow());
    }

    @Test
    void resetDeletesEverything() {
        store.write("a/b", b("1"));
        store.makeLink("a", "c");
        store.reset();
        assertEquals(List.of(), store.list(""));
        assertEquals(Store.Type.ABSENT, store.type("a/b"));
        store.write("a", b("again"));
        assertEquals("again", s(store.read("a")));
    }

    @Test
    void matchFindsIndexedGroupsThroughTheIndex() {
        store.makeGroup("m1");
        store.makeGroup("m2");
        store.makeGroup("deep/m3");
        store.index("m1", "x", b("1"));
        store.index("m2", "y", b("2"));
        store.index("deep/m3", "x", b("1"));
        store.index("deep/m3", "z", b("3"));
        store.index("deep/m3", "z", b("3")); // idempotent
        assertEquals(Set.of("m1", "deep/m3"), sorted(store.match(Map.of("x", b("1")))));
        assertEquals(Set.of("deep/m3"), sorted(store.match(Map.of("x", b("1"), "z", b("3")))));
        assertEquals(List.of(), store.match(Map.of("x", b("2"))));
        assertThrows(IllegalArgumentException.class, () -> store.match(Map.of()));
    }

    @Test
    void badPathsAndNullsAreRefusedNamingThem() {
        IllegalArgumentException dots = assertThrows(IllegalArgumentException.class, () -> store.write("a/../b", b("x")));
        assertTrue(dots.getMessage().contains("segment \"..\" is not allowed"), dots.getMessage());
        assertThrows(IllegalArgumentException.class, () -> store.read("./a"));
        assertThrows(IllegalArgumentException.class, () -> store.write("a\0b", b("x")));
        IllegalArgumentException longSegment = assertThrows(IllegalArgumentException.class,
                () -> store.write("x".repeat(256), b("x")));
        assertTrue(longSegment.getMessage().contains("256 bytes of UTF-8, over the limit of 255"), longSegment.getMessage());
        assertThrows(IllegalArgumentException.class, () -> store.write(".mmap4j-tmp-1", b("x")));
        assertThrows(IllegalArgumentException.class, () -> store.write("", b("x")));
        assertThrows(IllegalArgumentException.class, () -> store.write(List.of("a/b"), b("x")));
        assertThrows(NullPointerException.class, () -> store.write((String) null, b("x")));
        assertThrows(NullPointerException.class, () -> store.write("a", null));
        assertThrows(NullPointerException.class, () -> store.read((String) null));
        assertThrows(NullPointerException.class, () -> store.makeLink(null, "a"));
        List<String> withNull = new ArrayList<>();
        withNull.add(null);
        assertThrows(NullPointerException.class, () -> store.read(withNull));
        store.write("ünïcødé/値", b("ok"));
        assertEquals("ok", s(store.read("ünïcødé/値")));
    }

    @Test
    void everyCallAfterCloseThrows() {
        store.write("a", b("1"));
        store.close();
        store.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> store.read("a"));
        assertThrows(IllegalStateException.class, () -> store.write("a", b("2")));
        assertThrows(IllegalStateException.class, () -> store.list(""));
        assertThrows(IllegalStateException.class, () -> store.type("a"));
        assertThrows(IllegalStateException.class, () -> store.makeLink("a", "b"));
        assertThrows(IllegalStateException.class, () -> store.makeGroup("g"));
        assertThrows(IllegalStateException.class, () -> store.resolve("a"));
        assertThrows(IllegalStateException.class, store::reset);
    }
}
