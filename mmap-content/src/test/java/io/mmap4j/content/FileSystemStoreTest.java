package io.mmap4j.content;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The store contract on {@link FileSystemStore}, and what it looks like on disk. */
class FileSystemStoreTest extends StoreContract {
    @Override
    Store open(Path dir) throws Exception {
        return FileSystemStore.open(dir.resolve("store"));
    }

    @Test
    void valuesAreFilesGroupsDirectoriesAndLinksRelativeSymbolicLinks() throws Exception {
        Path root = dir.resolve("store");
        store.write("data/abc", b("bytes"));
        store.makeLink("data/abc", "msg/key");
        assertEquals("bytes", Files.readString(root.resolve("data/abc"), UTF_8));
        assertTrue(Files.isDirectory(root.resolve("msg")));
        assertTrue(Files.isSymbolicLink(root.resolve("msg/key")));
        assertEquals(Path.of("../data/abc"), Files.readSymbolicLink(root.resolve("msg/key")));
        assertEquals("bytes", Files.readString(root.resolve("msg/key"), UTF_8), "the OS follows the link too");
    }

    @Test
    void aMovedStoreStillResolvesItsLinks() throws Exception {
        store.write("a/b", b("x"));
        store.makeLink("a/b", "c/d");
        store.close();
        Path moved = dir.resolve("moved");
        Files.move(dir.resolve("store"), moved);
        try (FileSystemStore again = FileSystemStore.open(moved)) {
            assertEquals("x", s(again.read("c/d")));
            assertEquals("a/b", again.resolve("c/d"));
        }
        store = FileSystemStore.open(dir.resolve("store"));
    }

    @Test
    void temporaryFilesOfAKilledWriterAreNeverListedOrRead() throws Exception {
        Path root = dir.resolve("store");
        store.write("g/one", b("1"));
        Files.writeString(root.resolve("g/.mmap4j-tmp-99999-abc"), "half a value");
        assertEquals(List.of("one"), store.list("g"));
        store.reset();
        try (Stream<Path> left = Files.list(root)) {
            assertEquals(0, left.count(), "reset deletes temporary files too");
        }
    }
}
