package io.mmap4j.content;

import static io.mmap4j.content.StoreChain.Access.ADMIN;
import static io.mmap4j.content.StoreChain.Access.READ;
import static io.mmap4j.content.StoreChain.Access.WRITE;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.content.StoreChain.Member;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The store contract on a chain (a memory tier before a file-system store), and hb_store's access
 * policy tests: a read-only store is skipped for writes, a write-only one for reads, an admin-only one
 * for both but reset, a store with no policy for everything; list and make_link under access control.
 */
class StoreChainTest extends StoreContract {
    @Override
    Store open(Path dir) throws Exception {
        return StoreChain.of(new MemoryStore(), FileSystemStore.open(dir.resolve("fs")));
    }

    private static String str(Optional<byte[]> v) {
        return v.map(b -> new String(b, UTF_8)).orElse("not_found");
    }

    @Test
    void aReadOnlyStoreIsSkippedForWritesWhichLandInTheNext() {
        MemoryStore readOnly = new MemoryStore();
        MemoryStore writable = new MemoryStore();
        try (StoreChain chain = StoreChain.of(List.of(Member.of(readOnly, READ), Member.of(writable, READ, WRITE)))) {
            chain.write("test-key", b("test-value"));
            assertEquals("not_found", str(readOnly.read("test-key")));
            assertEquals("test-value", str(writable.read("test-key")));
            assertEquals("test-value", str(chain.read("test-key")), "found in the second store");
        }
    }

    @Test
    void aWriteOnlyStoreIsSkippedForReads() {
        MemoryStore writeOnly = new MemoryStore();
        MemoryStore readable = new MemoryStore();
        readable.write("k", b("from-readable"));
        try (StoreChain chain = StoreChain.of(List.of(Member.of(writeOnly, WRITE), Member.of(readable, READ)))) {
            chain.write("k", b("from-write-only"));
            assertEquals("from-readable", str(chain.read("k")));
            assertEquals("from-write-only", str(writeOnly.read("k")));
            assertEquals(Set.of("k"), sorted(chain.list("")));
        }
    }

    @Test
    void theFirstAnswerThatIsNotAbsentWins() {
        MemoryStore first = new MemoryStore();
        MemoryStore second = new MemoryStore();
        first.write("both", b("first"));
        second.write("both", b("second"));
        second.write("only-second", b("2"));
        second.write("dir/x", b("x"));
        try (StoreChain chain = StoreChain.of(first, second)) {
            assertEquals("first", str(chain.read("both")));
            assertEquals("2", str(chain.read("only-second")));
            assertEquals(Store.Type.COMPOSITE, chain.type("dir"));
            assertEquals(List.of("x"), chain.list("dir"));
        }
    }

    @Test
    void anAdminOnlyStoreIsSkippedForReadsAndWritesButReset() {
        MemoryStore admin = new MemoryStore();
        MemoryStore normal = new MemoryStore();
        admin.write("k", b("admin"));
        try (StoreChain chain = StoreChain.of(List.of(Member.of(admin, ADMIN), Member.of(normal, READ, WRITE)))) {
            assertEquals("not_found", str(chain.read("k")));
            chain.write("k", b("normal"));
            assertEquals("admin", str(admin.read("k")), "not written");
            chain.reset();
            assertEquals("not_found", str(admin.read("k")), "reset by its admin policy");
            assertEquals("not_found", str(normal.read("k")), "reset by its write policy");
        }
    }

    @Test
    void aStoreWithNoPolicyIsSkippedForEverythingAndAWriteNobodyMayTakeIsAnError() {
        MemoryStore none = new MemoryStore();
        MemoryStore readOnly = new MemoryStore();
        none.write("k", b("v"));
        readOnly.write("r", b("v"));
        try (StoreChain chain = StoreChain.of(List.of(Member.of(none), Member.of(readOnly, READ)))) {
            assertEquals("not_found", str(chain.read("k")));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> chain.write("k", b("x")));
            assertTrue(e.getMessage().contains("no store of chain[memory [], memory [READ]] has write access"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> chain.makeLink("r", "l"));
            assertThrows(IllegalStateException.class, () -> chain.makeGroup("g"));
            chain.reset();
            assertEquals("v", str(none.read("k")), "no policy, no reset");
            assertEquals("v", str(readOnly.read("r")), "read-only, no reset");
        }
    }

    @Test
    void listAndMakeLinkUnderAccessControl() {
        MemoryStore readOnly = new MemoryStore();
        MemoryStore writable = new MemoryStore();
        readOnly.write("ro/a", b("1"));
        try (StoreChain chain = StoreChain.of(List.of(Member.of(readOnly, READ), Member.of(writable, WRITE)))) {
            assertEquals(List.of("a"), chain.list("ro"));
            chain.makeLink("ro/a", "link");
            assertEquals(Store.Type.ABSENT, readOnly.type("link"), "the link went to the writable store");
            assertEquals("ro/a", writable.resolve("link"));
            assertEquals(List.of(), chain.list("w"), "the writable store is not read");
        }
    }

    @Test
    void anEmptyChainIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> StoreChain.of(List.of()));
        assertThrows(NullPointerException.class, () -> Member.of(null, READ));
    }
}
