package io.mmap4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Optional;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Checks that a peer's benchmark methods do what their names say, by calling them directly on
 * fresh states: a get-and-add adds one, a compare-and-set swaps, a volatile get sees the volatile
 * set, a pread returns the file's bytes and a pwrite changes them. A benchmark that measured a
 * no-op (a read stopped by a limit, a write to a private copy) fails here. As a main class it
 * checks the peers named by its arguments, in a child JVM started with their flags.
 */
final class PeerCheck {
    static final String CHECKED = "CHECKED ";

    private PeerCheck() {
    }

    static void check(String peer) throws Exception {
        Optional<Method> atomics = method(AtomicsBenchmark.class, "getAndAdd_" + peer);
        if (atomics.isPresent()) {
            Class<?> state = atomics.get().getParameterTypes()[0];
            uncontendedAtomics(peer, state);
            contendedAtomicsOnOneThread(peer, state);
        }
        Optional<Method> io = method(PositionalIoBenchmark.class, "pread_" + peer);
        if (io.isPresent()) {
            for (int size : new int[] {8, 1 << 20}) {
                positionalIo(peer, io.get().getParameterTypes()[1], size);
            }
        }
        if (atomics.isEmpty() && io.isEmpty()) {
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
            PositionalIoBenchmark.Buffer buffer = buffer(size);
            Arrays.fill(buffer.bytes, (byte) 0);
            assertArrayEquals(TrialFile.content(TrialFile.IO_POS, size),
                    (byte[]) call(bench, "pread_" + peer, buffer, state), peer + ": pread of " + size + " bytes");

            PositionalIoBenchmark.Buffer source = buffer(size);
            byte[] written = source.bytes.clone();
            call(bench, "pwrite_" + peer, source, state);
            Arrays.fill(buffer.bytes, (byte) 0);
            assertArrayEquals(written, (byte[]) call(bench, "pread_" + peer, buffer, state),
                    peer + ": pread after pwrite of " + size + " bytes");
        } finally {
            close(state);
        }
    }

    private static PositionalIoBenchmark.Buffer buffer(int size) {
        PositionalIoBenchmark.Buffer buffer = new PositionalIoBenchmark.Buffer();
        buffer.size = size;
        buffer.allocate();
        return buffer;
    }

    private static Optional<Method> method(Class<?> type, String name) {
        return Arrays.stream(type.getMethods()).filter(m -> m.getName().equals(name)).findFirst();
    }

    private static Object call(Object bench, String name, Object... args) throws Exception {
        Method m = method(bench.getClass(), name).orElseThrow(() -> new AssertionError("no benchmark " + name));
        try {
            return m.invoke(bench, args);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** A new state, set up as JMH sets it up for a trial. */
    private static Object open(Class<?> type) throws Exception {
        Object state = type.getConstructor().newInstance();
        for (Method m : type.getMethods()) {
            if (m.isAnnotationPresent(Setup.class)) {
                m.invoke(state);
            }
        }
        return state;
    }

    private static void close(Object state) throws Exception {
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
