package io.mmap4j;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmap4j.testkit.ChildJvm;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MapOption#EXCLUSIVE_LOCK} as another process sees it. The lock is an {@code fcntl} lock,
 * which never conflicts within one process, so only a child JVM can tell whether it is held.
 */
class ExclusiveLockTest {
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    /** Pins the limit MapOption.EXCLUSIVE_LOCK documents: the JDK and the kernel, not mmap4j, decide it. */
    @Test
    void aChannelThisLibraryDidNotOpenReleasesTheLock() throws Exception {
        Path file = dir.resolve("read-all.bin");
        try (MMap m = MMap.open(file, 64, CREATE, READ, WRITE, MapOption.EXCLUSIVE_LOCK)) {
            assertEquals(64, Files.readAllBytes(file).length);
            assertEquals("locked", tryLockInAnotherJvm(file), "as documented, the fcntl lock went with that close");
        }
    }

    @Test
    void autoUnmapCloseReleasesTheLockWhileAViewStillWorks() throws Exception {
        Path file = dir.resolve("auto-unmap-lock.bin");
        MMap m = MMap.open(file, 4096, CREATE, READ, WRITE, MapOption.AUTO_UNMAP, MapOption.EXCLUSIVE_LOCK);
        MemorySegment view = m.slice(0, 4096);
        m.putLong(0, 5);
        m.close();
        assertEquals("locked", tryLockInAnotherJvm(file), "close released the lock");
        assertEquals(5, view.get(ValueLayout.JAVA_LONG_UNALIGNED, 0), "the view still reads");
        view.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, 6);
        try (MMap reopened = MMap.open(file, READ)) {
            assertEquals(6, reopened.getLong(8), "a write through the view after close reached the file");
        }
    }

    /** Runs {@link TryLocker} on {@code file} in a child JVM: "locked" or "refused". */
    static String tryLockInAnotherJvm(Path file) throws Exception {
        List<String> output = ChildJvm.run(CHILD_TIMEOUT, TryLocker.class, file.toString());
        return output.isEmpty() ? "no output" : output.get(output.size() - 1);
    }

    /** Tries once to lock a file exclusively with a plain FileChannel, prints the outcome and exits. */
    public static final class TryLocker {
        public static void main(String[] args) throws IOException {
            try (FileChannel channel = FileChannel.open(Path.of(args[0]), READ, WRITE);
                 FileLock lock = channel.tryLock()) {
                System.out.println(lock != null ? "locked" : "refused");
            }
        }
    }
}
