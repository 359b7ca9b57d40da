package io.mmap4j.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A writer that fails, is aborted or abandoned publishes nothing, leaves the old file, and cleans up. */
class StaticStoreWriterTest {
    @TempDir
    Path dir;
    Path path;

    @BeforeEach
    void publishAnOldVersion() throws IOException {
        path = dir.resolve("data.static");
        try (StaticStore.Writer w = StaticStore.writer(path)) {
            w.put("version", "old".getBytes(UTF_8));
        }
    }

    @Test
    void aFailedPutFailsTheWriterAndCloseThrowsWithoutPublishing() throws Exception {
        IOException broken = new IOException("the source broke");
        StaticStore.Writer w = StaticStore.writer(path);
        w.put("version", "new".getBytes(UTF_8));
        InputStream failing = new InputStream() {
            private int left = 100_000; // past the first 64 KiB, so the record is half on disk

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0];
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left == 0) {
                    throw broken; // and for ever after: InputStream's own read(byte[]) would swallow it
                }
                int n = Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, (byte) 1);
                left -= n;
                return n;
            }
        };
        assertSame(broken, assertThrows(IOException.class, () -> w.put("big".getBytes(UTF_8), failing)));
        IllegalStateException after = assertThrows(IllegalStateException.class, () -> w.put("x", new byte[0]));
        assertTrue(after.getMessage().startsWith("the writer of " + path + " failed earlier"), after.getMessage());
        assertSame(broken, after.getCause());
        IOException closing = assertThrows(IOException.class, w::close);
        assertEquals("the store " + path + " was not published: a put failed", closing.getMessage());
        assertSame(broken, closing.getCause());
        w.close(); // then idempotent
        assertOldVersionAndNothingElse();
    }

    @Test
    void anAbortedWriterLeavesTheOldFile() throws Exception {
        try (StaticStore.Writer w = StaticStore.writer(path)) {
            w.put("version", "new".getBytes(UTF_8));
            w.abort();
        }
        assertOldVersionAndNothingElse();
    }

    @Test
    void anAbandonedWriterDeletesItsTemporaryFileWhenCollected() throws Exception {
        abandon();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (files().size() > 1 && Instant.now().isBefore(deadline)) {
            System.gc();
            Thread.sleep(20);
        }
        assertOldVersionAndNothingElse();
    }

    private void abandon() throws IOException {
        StaticStore.Writer w = StaticStore.writer(path);
        w.put("version", "new".getBytes(UTF_8));
        assertEquals(2, files().size(), "the temporary file is there while the writer lives");
    }

    @Test
    void theTemporaryFileIsClearlyNamedAndOwnerOnly() throws Exception {
        try (StaticStore.Writer w = StaticStore.writer(path)) {
            Path temp = files().stream().filter(p -> !p.equals(path)).findFirst().orElseThrow();
            String name = temp.getFileName().toString();
            assertTrue(name.matches("\\.data\\.static\\.static-" + ProcessHandle.current().pid() + "-[0-9a-f]{16}\\.tmp"), name);
            if (Files.getFileStore(temp).supportsFileAttributeView("posix")) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(temp)));
            }
            w.abort();
        }
    }

    @Test
    void theNextWriterDeletesTemporaryFilesOfDeadWritersOnceAMinuteOld() throws Exception {
        long deadPid = deadPid();
        Path stale = dir.resolve(".data.static.static-" + deadPid + "-0123456789abcdef.tmp");
        Path fresh = dir.resolve(".data.static.static-" + deadPid + "-fedcba9876543210.tmp");
        Path alive = dir.resolve(".data.static.static-" + ProcessHandle.current().pid() + "-0000000000000000.tmp");
        Path other = dir.resolve(".other.static.static-" + deadPid + "-0123456789abcdef.tmp");
        for (Path p : List.of(stale, fresh, alive, other)) {
            Files.write(p, new byte[10]);
        }
        FileTime old = FileTime.from(Instant.now().minus(Duration.ofMinutes(2)));
        for (Path p : List.of(stale, alive, other)) {
            Files.setLastModifiedTime(p, old);
        }
        try (StaticStore.Writer w = StaticStore.writer(path)) {
            w.abort();
        }
        assertFalse(Files.exists(stale), "a dead writer's file, two minutes old");
        assertTrue(Files.exists(fresh), "too new: its writer may be on another host sharing the directory");
        assertTrue(Files.exists(alive), "a running writer's");
        assertTrue(Files.exists(other), "another target's");
    }

    @Test
    void aPublishedStoreReplacesTheOldOneAtOnce() throws Exception {
        try (StaticStore old = StaticStore.open(path)) {
            try (StaticStore.Writer w = StaticStore.writer(path)) {
                w.put("version", "new".getBytes(UTF_8));
            }
            assertArrayEquals("old".getBytes(UTF_8), old.get("version"), "an open store keeps the version it mapped");
            try (StaticStore fresh = StaticStore.open(path)) {
                assertArrayEquals("new".getBytes(UTF_8), fresh.get("version"));
            }
        }
        assertEquals(List.of(path), files());
    }

    private void assertOldVersionAndNothingElse() throws IOException {
        try (StaticStore store = StaticStore.open(path)) {
            assertArrayEquals("old".getBytes(UTF_8), store.get("version"));
            assertEquals(1, store.size());
        }
        assertEquals(List.of(path), files(), "no temporary file is left");
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    /** The pid of a process that has exited. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }
}
