package io.mmap4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.testkit.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real child JVMs sharing one mapped file with this one. */
class CrossProcessTest {
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);
    private static final long START_FLAG = 0;
    private static final long COUNTER = 64;

    @TempDir
    Path dir;

    @Test
    void twoJvmsAddingAMillionTimesEachLoseNothing() throws Exception {
        Path file = dir.resolve("counter.bin");
        int perChild = 1_000_000;
        try (MMap m = MMap.open(file, 4096, CREATE, READ, WRITE)) {
            List<ChildJvm> children = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    ChildJvm child = ChildJvm.start(Adder.class, file.toString(), String.valueOf(perChild));
                    children.add(child);
                    child.awaitLine("ready", CHILD_TIMEOUT);
                }
                m.putLongVolatile(START_FLAG, 1); // both start at once, so they contend
                for (ChildJvm child : children) {
                    child.awaitExit(CHILD_TIMEOUT, 0);
                }
            } finally {
                for (ChildJvm child : children) {
                    child.close();
                }
            }
            assertEquals(2L * perChild, m.getLongVolatile(COUNTER));
        }
    }

    /** Waits for the start flag, then adds 1 to the counter {@code args[1]} times. */
    public static final class Adder {
        public static void main(String[] args) throws Exception {
            try (MMap m = MMap.open(Path.of(args[0]), READ, WRITE)) {
                long count = Long.parseLong(args[1]);
                System.out.println("ready");
                while (m.getLongVolatile(START_FLAG) == 0) {
                    Thread.onSpinWait();
                }
                for (long i = 0; i < count; i++) {
                    m.getAndAddLong(COUNTER, 1);
                }
            }
        }
    }

    /** emmap's shared_test: a write in one JVM shows through a view held in another. */
    @Test
    void aWriteInOneJvmShowsThroughAViewHeldInAnother() throws Exception {
        Path file = dir.resolve("shared.bin");
        try (MMap m = MMap.open(file, 8, CREATE, READ, WRITE);
             ChildJvm child = ChildJvm.start(ViewWatcher.class, file.toString())) {
            child.awaitLine("ready", CHILD_TIMEOUT);
            for (String value : List.of("test1", "test2", "test3")) {
                m.pwrite(0, value.getBytes(UTF_8));
                child.send(value);
                assertEquals("saw " + value, child.awaitLine("saw", CHILD_TIMEOUT));
            }
            child.send("quit");
            child.awaitExit(CHILD_TIMEOUT, 0);
        }
    }

    /** Takes one view of the first 5 bytes, then for each line on stdin waits until the view shows it. */
    public static final class ViewWatcher {
        public static void main(String[] args) throws Exception {
            try (MMap m = MMap.open(Path.of(args[0]), READ)) {
                MemorySegment view = m.slice(0, 5);
                System.out.println("ready");
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, UTF_8));
                for (String expected; !(expected = in.readLine()).equals("quit"); ) {
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    String seen;
                    do {
                        seen = new String(view.toArray(ValueLayout.JAVA_BYTE), UTF_8);
                    } while (!seen.equals(expected) && System.nanoTime() < deadline);
                    System.out.println("saw " + seen);
                }
            }
        }
    }

    @Test
    void anExclusiveLockKeepsOutAnotherJvmUntilItDies() throws Exception {
        Path file = dir.resolve("locked.bin");
        Files.write(file, new byte[64]);
        try (ChildJvm child = ChildJvm.start(Locker.class, file.toString())) {
            child.awaitLine("locked", CHILD_TIMEOUT);
            FileSystemException e = assertThrows(FileSystemException.class,
                    () -> MMap.open(file, READ, WRITE, MapOption.EXCLUSIVE_LOCK));
            assertEquals(file + ": locked by another process (EXCLUSIVE_LOCK)", e.getMessage());
            child.kill(); // the kernel drops the lock of a dead process
        }
        try (MMap m = MMap.open(file, READ, WRITE, MapOption.EXCLUSIVE_LOCK)) {
            assertEquals(64, m.size());
        }
    }

    /** Holds an exclusive lock until killed. */
    public static final class Locker {
        public static void main(String[] args) throws Exception {
            try (MMap m = MMap.open(Path.of(args[0]), READ, WRITE, MapOption.EXCLUSIVE_LOCK)) {
                System.out.println("locked");
                Thread.sleep(Duration.ofMinutes(2));
            }
        }
    }

    /**
     * Another process truncates the file under a map: the child's accesses past the new end throw
     * InternalError, the child survives, and refresh() maps the file at its new size.
     */
    @Test
    void aJvmSurvivesTruncationOfItsFileByAnotherProcess() throws Exception {
        Path file = dir.resolve("truncated.bin");
        try (ChildJvm child = ChildJvm.start(TruncationVictim.class, file.toString())) {
            child.awaitLine("mapped", CHILD_TIMEOUT);
            try (FileChannel channel = FileChannel.open(file, WRITE)) {
                channel.truncate(4096);
            }
            child.send("truncated");
            child.awaitExit(CHILD_TIMEOUT, 0);
            List<String> output = child.output();
            assertTrue(output.contains("getLong: java.lang.InternalError"), String.join("\n", output));
            assertTrue(output.contains("getAndAddLong: java.lang.InternalError"), String.join("\n", output));
            assertTrue(output.contains("view: java.lang.InternalError"), String.join("\n", output));
            assertTrue(output.contains("refreshed to 4096, first long 42"), String.join("\n", output));
        }
    }

    /** Maps 1 MiB, waits for the file to be truncated, then touches the lost pages. */
    public static final class TruncationVictim {
        public static void main(String[] args) throws Exception {
            try (MMap m = MMap.open(Path.of(args[0]), 1 << 20, CREATE, READ, WRITE)) {
                m.putLong(0, 42);
                MemorySegment view = m.slice(0, 1 << 20);
                System.out.println("mapped");
                new BufferedReader(new InputStreamReader(System.in, UTF_8)).readLine();
                report("getLong", () -> m.getLong(512 * 1024));
                report("getAndAddLong", () -> m.getAndAddLong(600 * 1024, 1));
                report("view", () -> view.get(ValueLayout.JAVA_LONG_UNALIGNED, 700 * 1024));
                long size = m.refresh();
                System.out.println("refreshed to " + size + ", first long " + m.getLong(0));
            }
        }

        private static void report(String what, Runnable access) {
            try {
                access.run();
                System.out.println(what + ": no error");
            } catch (Throwable t) {
                System.out.println(what + ": " + t.getClass().getName());
            }
        }
    }
}
