package io.mmap4j.content;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged content in a file-system cache is reported, by the read that meets it (a
 * {@link CorruptContentException} naming the store and the path) and by verify (every problem, with
 * the store's location), and never changed or hidden.
 */
class ContentDamageTest {
    @TempDir
    Path dir;
    Path root;
    String id;
    Map<String, Object> message = Map.of("name", "build-42", "blob", "payload".getBytes(UTF_8),
            "config", Map.of("port", 8080));

    @BeforeEach
    void writeOneMessage() throws Exception {
        root = dir.resolve("cache");
        try (MessageCache cache = MessageCache.over(FileSystemStore.open(root))) {
            id = cache.write(message);
        }
        assertEquals(List.of(), MessageCache.verify(root));
    }

    private Path data(Object value) {
        return root.resolve("data").resolve(MessageCache.id(value));
    }

    private Path packed(String id) {
        return root.resolve("packed").resolve(id);
    }

    private MessageCache cache() throws Exception {
        return MessageCache.over(FileSystemStore.open(root));
    }

    @Test
    void aChangedBinaryIsFoundByVerifyWithItsPathAndTheStore() throws Exception {
        Path blob = data("payload".getBytes(UTF_8));
        Files.write(blob, "bpayloaX".getBytes(UTF_8));
        List<MessageCache.Problem> problems = MessageCache.verify(root);
        assertEquals(1, problems.size(), problems.toString());
        MessageCache.Problem p = problems.getFirst();
        assertEquals(root.toRealPath().toString(), p.location());
        assertEquals("data/" + MessageCache.id("payload".getBytes(UTF_8)), p.path());
        assertTrue(p.problem().startsWith("the SHA-256 of its 8 bytes is "), p.problem());
        assertTrue(p.toString().startsWith(root.toRealPath() + ": data/"), p.toString());
        try (MessageCache cache = cache()) { // the message reads from its packed value, a copy made when it was written
            assertArrayEquals("payload".getBytes(UTF_8), (byte[]) ((Map<?, ?>) cache.read(id).orElseThrow()).get("blob"));
        }
        Files.delete(packed(id));
        try (MessageCache cache = cache()) { // reads do not re-hash (documented): the bytes as stored
            assertArrayEquals("payloaX".getBytes(UTF_8), (byte[]) ((Map<?, ?>) cache.read(id).orElseThrow()).get("blob"));
        }
    }

    @Test
    void aDamagedPackedValueIsCorruptWhenReadAndFoundByVerify() throws Exception {
        Path packed = packed(id);
        byte[] bytes = Files.readAllBytes(packed);
        byte[] changed = bytes.clone();
        changed[changed.length - 1] ^= 1; // the last scalar's last byte: still parses, no longer hashes
        Files.write(packed, changed);
        List<MessageCache.Problem> problems = MessageCache.verify(root);
        assertEquals(1, problems.size(), problems.toString());
        assertEquals("packed/" + id, problems.getFirst().path());
        assertTrue(problems.getFirst().problem().matches("the item at byte \\d+ hashes to \\S+, but its parent names \\S+ there"),
                problems.toString());

        Files.write(packed, java.util.Arrays.copyOf(bytes, bytes.length - 3)); // an item cut short
        try (MessageCache cache = cache()) {
            CorruptContentException e = assertThrows(CorruptContentException.class, () -> cache.read(id));
            assertEquals("packed/" + id, e.path());
            assertTrue(e.getMessage().contains("more than the"), e.getMessage());
        }
        assertTrue(MessageCache.verify(root).stream().anyMatch(p -> p.path().equals("packed/" + id)));
        assertEquals(bytes.length - 3, Files.size(packed), "left as found");

        byte[] version2 = bytes.clone();
        version2[0] = 0; // layout version 2's first byte: its flags
        Files.write(packed, version2);
        try (MessageCache cache = cache()) {
            CorruptContentException e = assertThrows(CorruptContentException.class, () -> cache.read(id));
            assertTrue(e.getMessage().contains("layout version 2") && e.getMessage().contains("reads version 3 only"), e.getMessage());
        }
        assertTrue(MessageCache.verify(root).stream().anyMatch(p -> p.path().equals("packed/" + id)
                && p.problem().contains("layout version 2")));
    }

    @Test
    void aTruncatedMessageIsCorruptWhenReadAndInVerify() throws Exception {
        Files.delete(packed(id)); // read from its parts
        Path enc = root.resolve("data").resolve(id);
        byte[] bytes = Files.readAllBytes(enc);
        Files.write(enc, java.util.Arrays.copyOf(bytes, bytes.length - 5));
        try (MessageCache cache = cache()) {
            CorruptContentException e = assertThrows(CorruptContentException.class, () -> cache.read(id));
            assertEquals("data/" + id, e.path());
            assertEquals(root.toRealPath().toString(), e.location());
            assertTrue(e.getMessage().contains("is cut short") || e.getMessage().contains("more than"), e.getMessage());
        }
        List<MessageCache.Problem> problems = MessageCache.verify(root);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.getFirst().problem().contains("not its name"), problems.toString());
        assertEquals(bytes.length - 5, Files.size(enc), "left as found");
    }

    @Test
    void aMissingValueIsNamedByTheMessageThatNeedsIt() throws Exception {
        Files.delete(data("build-42"));
        Files.delete(packed(id)); // read from its parts
        try (MessageCache cache = cache()) {
            CorruptContentException e = assertThrows(CorruptContentException.class, () -> cache.read(id));
            assertEquals("data/" + id, e.path());
            assertTrue(e.getMessage().contains("key \"name\" names data/" + MessageCache.id("build-42") + ", which is missing"),
                    e.getMessage());
        }
        List<MessageCache.Problem> problems = MessageCache.verify(root);
        assertTrue(problems.stream().anyMatch(p -> p.path().equals(id + "/name")), problems.toString());
    }

    @Test
    void aKeyLinkedElsewhereAndAStrayCommittedIdAreFound() throws Exception {
        try (MessageCache cache = cache()) {
            cache.link("data/" + MessageCache.id("other"), id + "/name");
            cache.write(Map.of("x", "other"));
            cache.link(id, MessageCache.id("not a commitment of it"));
        }
        List<MessageCache.Problem> problems = MessageCache.verify(root);
        assertTrue(problems.stream().anyMatch(p -> p.path().equals(id + "/name")
                && p.problem().contains("but the encoding names data/" + MessageCache.id("build-42"))), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.path().equals(MessageCache.id("not a commitment of it"))
                && p.problem().contains("whose commitments do not name it")), problems.toString());
    }

    @Test
    void anUnknownTagIsCorruptNamingTheTag() throws Exception {
        byte[] bad = {'q', 1, 2};
        Path file = root.resolve("data").resolve(ContentIds.id(bad));
        Files.write(file, bad);
        try (MessageCache cache = cache()) {
            CorruptContentException e = assertThrows(CorruptContentException.class, () -> cache.read(ContentIds.id(bad)));
            assertTrue(e.getMessage().contains("tag 'q' (0x71) is not a scalar's"), e.getMessage());
        }
        assertTrue(MessageCache.verify(root).stream().anyMatch(p -> p.problem().contains("is no type's")));
    }

    @Test
    void verifyOfNoCacheIsAnError() {
        assertThrows(NoSuchFileException.class, () -> MessageCache.verify(dir.resolve("nothing")));
    }
}
