package io.mmap4j.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.DELETE_ON_CLOSE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import io.mmap4j.MMap;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Shared memory between JVMs: this JVM publishes messages into named shared memory
 * ({@code /dev/shm}); a second JVM, started here, sees each one live through a zero-copy view.
 *
 * <p>The layout of the 4 KiB map: the message sequence number at 0 (written with release, read
 * with acquire, so the message bytes written before it are visible once it is), the reader's
 * acknowledgement at 8, the message length at 16 and its bytes from 64.
 *
 * <pre>mvn -B -q -DskipTests -Pdemo verify -Dexample=SharedMemoryExample</pre>
 */
public final class SharedMemoryExample {
    private static final long SEQUENCE = 0;
    private static final long ACK = 8;
    private static final long LENGTH = 16;
    private static final long MESSAGE = 64;
    private static final int MESSAGES = 5;
    private static final long TIMEOUT_NANOS = 20_000_000_000L;

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("reader")) {
            read(args[1]);
        } else {
            System.exit(run() ? 0 : 1);
        }
    }

    /** Publishes {@value #MESSAGES} messages to a reader JVM; true if it saw every one, in order. */
    public static boolean run() throws Exception {
        String name = "mmap4j-example-" + ProcessHandle.current().pid();
        try (MMap shared = MMap.openShared(name, 4096, CREATE_NEW, READ, WRITE, DELETE_ON_CLOSE)) {
            MMap.sharedMemoryPath(name).toFile().deleteOnExit(); // DELETE_ON_CLOSE does not run on Ctrl-C
            System.out.println("    writer pid " + ProcessHandle.current().pid() + " maps " + MMap.sharedMemoryPath(name));
            try (Jvm reader = Jvm.start(SharedMemoryExample.class, "reader", name)) {
                List<String> expected = new ArrayList<>();
                for (int i = 1; i <= MESSAGES; i++) {
                    String message = "hello #" + i + " from pid " + ProcessHandle.current().pid();
                    byte[] bytes = message.getBytes(UTF_8);
                    shared.pwrite(MESSAGE, bytes);
                    shared.putLong(LENGTH, bytes.length);
                    shared.putLongRelease(SEQUENCE, i); // publishes the bytes written above
                    if (!await(shared, ACK, i)) {
                        System.out.println("    the reader did not acknowledge message " + i);
                        return false;
                    }
                    expected.add(saw(reader.handle().pid(), message));
                }
                List<String> seen = reader.finish();
                seen.forEach(line -> System.out.println("    " + line));
                boolean same = seen.equals(expected);
                System.out.println("    every message arrived intact and in order: "
                        + (same ? "yes" : "NO, expected " + expected));
                return same;
            }
        }
    }

    /** The reader JVM: one view of the whole map, then every message as it appears. */
    private static void read(String name) throws Exception {
        try (MMap shared = MMap.openShared(name, 4096, READ, WRITE)) {
            MemorySegment view = shared.slice(0, 4096); // zero-copy: shows the writer's bytes live
            List<String> seen = new ArrayList<>();
            for (int i = 1; i <= MESSAGES; i++) {
                if (!await(shared, SEQUENCE, i)) {
                    System.exit(2);
                }
                long length = view.get(ValueLayout.JAVA_LONG_UNALIGNED, LENGTH);
                byte[] message = view.asSlice(MESSAGE, length).toArray(ValueLayout.JAVA_BYTE);
                seen.add(saw(ProcessHandle.current().pid(), new String(message, UTF_8)));
                shared.putLongRelease(ACK, i);
            }
            seen.forEach(System.out::println);
        }
    }

    /** The reader's line for a message: what it prints, and what the writer expects it to print. */
    private static String saw(long readerPid, String message) {
        return "reader pid " + readerPid + " saw \"" + message + "\"";
    }

    /** Spins until the long at {@code pos} reaches {@code value}; false after the timeout. */
    private static boolean await(MMap shared, long pos, long value) {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (shared.getLongAcquire(pos) < value) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    private SharedMemoryExample() {}
}
