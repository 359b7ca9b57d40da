package io.mmap4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.counters.Counter;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.agrona.concurrent.status.CountersReader;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Checks that a peer's benchmark methods do what their names say, by calling them directly on
 * fresh states: a get-and-add adds one, a compare-and-set swaps, a volatile get sees the volatile
 * set, a pread returns the file's bytes and a pwrite changes them, an increment adds one, a lookup
 * finds the counter of that name (and nothing for an absent name), a stream reads the whole file
 * and a line count or grep counts what the file was written with; the static stores' checks are
 * in {@link StaticStorePeerCheck}. A benchmark that measured a
 * no-op (a read stopped by a limit, a write to a private copy) fails here. As a main class it
 * checks the peers named by its arguments, in a child JVM started with their flags.
 */
final class PeerCheck {
    static final String CHECKED = "CHECKED ";

    private PeerCheck() {
    }

    static void check(String peer) throws Exception {
        boolean checked = false;
        Optional<Method> atomics = method(AtomicsBenchmark.class, "getAndAdd_" + peer);
        if (atomics.isPresent()) {
            Class<?> state = atomics.get().getParameterTypes()[0];
            uncontendedAtomics(peer, state);
            contendedAtomicsOnOneThread(peer, state);
            checked = true;
        }
        Optional<Method> io = method(PositionalIoBenchmark.class, "pread_" + peer);
        if (io.isPresent()) {
            for (int size : new int[] {8, 1 << 20}) {
                positionalIo(peer, io.get().getParameterTypes()[1], size);
            }
            checked = true;
        }
        checked |= counters(peer);
        checked |= streams(peer);
        checked |= StaticStorePeerCheck.check(peer);
        checked |= CacheVolumePeerCheck.check(peer);
        checked |= SharedMapPeerCheck.check(peer);
        checked |= blocks(peer);
        checked |= QueuePeerCheck.check(peer);
        checked |= MessageCachePeerCheck.check(peer);
        if (!checked) {
            throw new AssertionError("no benchmark of peer " + peer + " to check");
        }
    }

    private static void uncontendedAtomics(String peer, Class<?> stateType) throws Exception {
        Object state = open(stateType);
        try {
            AtomicsBenchmark bench = new AtomicsBenchmark();
            assertEquals(0L, call(bench, "getVolatile_" + peer, state), peer + ": a new slot holds 0");
            long first = (long) call(bench, "getAndAdd_" + peer, state);
            long second = (long) call(bench, "getAndAdd_" + peer, state);
            assertEquals(1, second - first, peer + ": get-and-add adds 1");
            assertEquals(2L, call(bench, "getVolatile_" + peer, state), peer + ": volatile get after two adds");
            call(bench, "setVolatile_" + peer, state);
            assertEquals(1L, call(bench, "getVolatile_" + peer, state), peer + ": volatile get after the first set");
        } finally {
            close(state);
        }
        state = open(stateType);
        try {
            AtomicsBenchmark bench = new AtomicsBenchmark();
            for (int i = 0; i < 3; i++) {
                assertEquals(true, call(bench, "compareAndSet_" + peer, state), peer + ": compare-and-set " + i);
            }
            assertEquals(3L, call(bench, "getVolatile_" + peer, state), peer + ": after three compare-and-sets");
        } finally {
            close(state);
        }
    }

    private static void contendedAtomicsOnOneThread(String peer, Class<?> stateType) throws Exception {
        Object state = open(stateType);
        try {
            ContendedAtomicsBenchmark bench = new ContendedAtomicsBenchmark();
            long first = (long) call(bench, "getAndAdd_" + peer, state);
            long second = (long) call(bench, "getAndAdd_" + peer, state);
            assertEquals(1, second - first, peer + ": get-and-add adds 1");
            assertEquals(2L, call(bench, "casLoop_" + peer, state), peer + ": the CAS loop returns what it replaced");
            call(bench, "volatilePair_" + peer + "_writer", state);
            assertEquals(1L, call(bench, "volatilePair_" + peer + "_reader", state), peer + ": the reader sees the writer");
        } finally {
            close(state);
        }
    }

    private static void positionalIo(String peer, Class<?> stateType, int size) throws Exception {
        Object state = open(stateType);
        try {
            PositionalIoBenchmark bench = new PositionalIoBenchmark();
            PositionalIoBenchmark.Buffer buffer = open(PositionalIoBenchmark.Buffer.class, Map.of("size", size));
            Arrays.fill(buffer.bytes, (byte) 0);
            assertArrayEquals(TrialFile.content(TrialFile.IO_POS, size),
                    (byte[]) call(bench, "pread_" + peer, buffer, state), peer + ": pread of " + size + " bytes");

            PositionalIoBenchmark.Buffer source = open(PositionalIoBenchmark.Buffer.class, Map.of("size", size));
            byte[] written = source.bytes.clone();
            call(bench, "pwrite_" + peer, source, state);
            Arrays.fill(buffer.bytes, (byte) 0);
            assertArrayEquals(written, (byte[]) call(bench, "pread_" + peer, buffer, state),
                    peer + ": pread after pwrite of " + size + " bytes");
        } finally {
            close(state);
        }
    }

    /** Increments add one, in both benchmarks; lookups find each name's own counter, and no absent name. */
    private static boolean counters(String peer) throws Exception {
        Optional<Method> increment = method(CountersBenchmark.class, "increment_" + peer);
        if (increment.isPresent()) {
            Object state = open(increment.get().getParameterTypes()[0]);
            try {
                CountersBenchmark bench = new CountersBenchmark();
                long first = (long) call(bench, "increment_" + peer, state);
                long second = (long) call(bench, "increment_" + peer, state);
                assertEquals(1, second - first, peer + ": increment adds 1");
                if (method(CountersBenchmark.class, "contendedIncrement_" + peer).isPresent()) {
                    long third = (long) call(bench, "contendedIncrement_" + peer, state);
                    assertEquals(1, third - second, peer + ": the contended increment adds 1 to the same counter");
                }
            } finally {
                close(state);
            }
        }
        Optional<Method> lookup = method(CountersBenchmark.class, "lookup_" + peer);
        if (lookup.isPresent()) {
            for (int count : new int[] {10, 1000}) {
                lookups(peer, lookup.get().getParameterTypes()[0], count);
            }
        }
        return increment.isPresent() || lookup.isPresent();
    }

    private static void lookups(String peer, Class<?> stateType, int count) throws Exception {
        Object registry = open(stateType, Map.of("count", count));
        try {
            CountersBenchmark bench = new CountersBenchmark();
            Set<Object> found = new HashSet<>();
            for (int round = 0; round < 2; round++) { // the second round cycles through the names again
                for (int i = 0; i < count; i++) {
                    Object counter = found(call(bench, "lookup_" + peer, registry));
                    assertEquals(CountersBenchmark.name(i), nameOf(counter, registry),
                            peer + ": lookup " + i + " of " + count);
                    found.add(counter);
                }
            }
            assertEquals(count, found.size(), peer + ": each of " + count + " names has its own counter");
            for (int i = 0; i < count; i++) {
                assertEquals(null, found(call(bench, "lookupAbsent_" + peer, registry)), peer + ": absent name " + i);
            }
        } finally {
            close(registry);
        }
    }

    /** What a lookup found, or null for "none" (an empty Optional, a null, Agrona's NULL_COUNTER_ID). */
    private static Object found(Object result) {
        if (result instanceof Optional<?> optional) {
            return optional.orElse(null);
        }
        if (result instanceof Integer id && id == CountersReader.NULL_COUNTER_ID) {
            return null;
        }
        return result;
    }

    /** The name under which the registry holds what a lookup found. */
    private static String nameOf(Object counter, Object registry) {
        return switch (counter) {
            case Counter c -> c.name();
            case Integer id -> ((CountersBenchmark.AgronaRegistry) registry).file.manager.getCounterLabel(id);
            case AtomicLong value -> ((CountersBenchmark.MapRegistry) registry).byName.entrySet().stream()
                    .filter(e -> e.getValue() == value).map(Map.Entry::getKey).findFirst().orElse(null);
            case null, default -> throw new AssertionError("a lookup found " + counter);
        };
    }

    /**
     * Every stream read returns the file's size, for both chunk sizes; line counts and greps return
     * what each log was written with, which is checked against the file itself first.
     */
    private static boolean streams(String peer) throws Exception {
        Optional<Method> read = method(StreamsBenchmark.class, "read_" + peer);
        Optional<Method> lines = method(StreamsBenchmark.class, "countLines_" + peer);
        StreamsBenchmark bench = new StreamsBenchmark();
        if (read.isPresent()) {
            StreamsBenchmark.DataFile file = log(StreamsBenchmark.DataFile.class, Map.of("mib", 1));
            try {
                for (int size : new int[] {8192, 65536}) {
                    StreamsBenchmark.Chunk chunk = open(StreamsBenchmark.Chunk.class, Map.of("chunk", size));
                    assertEquals(file.size, call(bench, "read_" + peer, file, chunk), peer + ": bytes read in chunks of " + size);
                }
            } finally {
                close(file);
            }
        }
        if (lines.isPresent()) {
            for (String text : new String[] {"ascii", "utf8"}) {
                StreamsBenchmark.TextFile file = log(StreamsBenchmark.TextFile.class, Map.of("mib", 1, "text", text));
                try {
                    assertEquals(text.equals("ascii"), Files.readString(file.path).chars().allMatch(c -> c < 0x80), text);
                    assertEquals(file.lines, call(bench, "countLines_" + peer, file), peer + ": lines counted in " + text);
                    assertEquals(file.errors, call(bench, "grep_" + peer, file),
                            peer + ": lines with " + StreamsBenchmark.PATTERN + " in " + text);
                } finally {
                    close(file);
                }
            }
        }
        return read.isPresent() || lines.isPresent();
    }

    /** A new log file, checked: its size, and the lines and pattern lines it says it holds. */
    private static <T extends StreamsBenchmark.LogFile> T log(Class<T> type, Map<String, ?> params) throws Exception {
        T file = open(type, params);
        byte[] bytes = Files.readAllBytes(file.path);
        assertEquals(file.size, bytes.length, "the log's size");
        assertTrue(file.size >= 1 << 20, () -> "a 1 MiB log holds " + file.size + " bytes");
        assertEquals(file.lines, IntStream.range(0, bytes.length).filter(i -> bytes[i] == '\n').count(), "the log's lines");
        assertEquals(file.lines / StreamsBenchmark.ERROR_EVERY, file.errors, "the log's lines with the pattern");
        return file;
    }

    /**
     * A store-and-free of each block size returns the lowest address (0, since the block was freed
     * again), leaves the block's bytes in the peer's file and nothing allocated; so does each
     * thread of the contended benchmark, run here on one.
     */
    private static boolean blocks(String peer) throws Exception {
        Optional<Method> storeFree = method(BlockStorageBenchmark.class, "storeFree_" + peer);
        if (storeFree.isEmpty()) {
            return false;
        }
        Class<?> type = storeFree.get().getParameterTypes()[0];
        for (int size : new int[] {64, 4096}) {
            BlockStorageBenchmark.Blocks blocks = (BlockStorageBenchmark.Blocks) open(type, Map.of("blockSize", size));
            try {
                BlockStorageBenchmark bench = new BlockStorageBenchmark();
                for (String operation : new String[] {"storeFree_", "storeFreeContended_"}) {
                    assertEquals(0L, call(bench, operation + peer, blocks), peer + ": " + operation + size);
                    assertEquals(0L, call(bench, operation + peer, blocks), peer + ": the freed block is reused");
                    assertArrayEquals(blocks.block, blocks.bytesAt(0), peer + ": the block's bytes, " + size);
                    assertEquals(0, blocks.allocated(), peer + ": every block freed, " + size);
                }
            } finally {
                close(blocks);
            }
        }
        return true;
    }

    static Optional<Method> method(Class<?> type, String name) {
        return Arrays.stream(type.getMethods()).filter(m -> m.getName().equals(name)).findFirst();
    }

    static Object call(Object bench, String name, Object... args) throws Exception {
        Method m = method(bench.getClass(), name).orElseThrow(() -> new AssertionError("no benchmark " + name));
        try {
            return m.invoke(bench, args);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** A new state, set up as JMH sets it up for a trial. */
    private static Object open(Class<?> type) throws Exception {
        return open(type, Map.of());
    }

    /** A new state with these {@code @Param} values, set up as JMH sets it up for a trial. */
    static <T> T open(Class<T> type, Map<String, ?> params) throws Exception {
        T state = type.getConstructor().newInstance();
        for (Map.Entry<String, ?> param : params.entrySet()) {
            Field field = type.getField(param.getKey());
            if (!field.isAnnotationPresent(Param.class)) {
                throw new AssertionError(type.getSimpleName() + "." + param.getKey() + " is not a @Param");
            }
            field.set(state, param.getValue());
        }
        for (Method m : type.getMethods()) {
            if (m.isAnnotationPresent(Setup.class)) {
                m.invoke(state);
            }
        }
        return state;
    }

    static void close(Object state) throws Exception {
        for (Method m : state.getClass().getMethods()) {
            if (m.isAnnotationPresent(TearDown.class)) {
                m.invoke(state);
            }
        }
    }

    /** Checks the peers named by the arguments; prints one line per peer checked. */
    public static void main(String[] peers) throws Exception {
        for (String peer : peers) {
            check(peer);
            System.out.println(CHECKED + peer);
        }
    }
}
