package io.mmap4j.bench;

import static io.mmap4j.bench.PeerCheck.call;
import static io.mmap4j.bench.PeerCheck.close;
import static io.mmap4j.bench.PeerCheck.method;
import static io.mmap4j.bench.PeerCheck.open;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@link PeerCheck} for the shared map benchmarks: a get returns the drawn entry's value, a put
 * stores the new value (a get of that entry returns it), and in ModuleStore's 100-key map a get
 * returns the key's value, a miss null, and getAll every entry.
 */
final class SharedMapPeerCheck {
    private SharedMapPeerCheck() {
    }

    /** Checks {@code peer}'s shared map benchmarks; false if it has none. */
    static boolean check(String peer) throws Exception {
        Optional<Method> get = method(SharedMapBenchmark.class, "get_" + peer);
        Optional<Method> small = method(SharedMapModuleStoreBenchmark.class, "get_" + peer);
        if (get.isPresent()) {
            checkEntries(peer, get.get());
        }
        if (small.isPresent()) {
            checkModuleStore(peer, small.get());
        }
        return get.isPresent() || small.isPresent();
    }

    /** A get returns the drawn entry's value; a put (if the peer has one) stores the new value. */
    private static void checkEntries(String peer, Method get) throws Exception {
        Object map = open(get.getParameterTypes()[0], Map.of("entries", 1000, "scaleDown", 1));
        try {
            SharedMapBenchmark bench = new SharedMapBenchmark();
            StaticStoreLookupBenchmark.Probe probe = new StaticStoreLookupBenchmark.Probe();
            byte[] newValue = StaticStoreLookupBenchmark.value(-1);
            Map<Long, Boolean> overwritten = new HashMap<>();
            boolean puts = method(SharedMapBenchmark.class, "put_" + peer).isPresent();
            for (int i = 0; i < 300; i++) {
                byte[] value = bytes(call(bench, "get_" + peer, map, probe), map);
                byte[] expected = overwritten.containsKey(probe.last) ? newValue : StaticStoreLookupBenchmark.value(probe.last);
                assertArrayEquals(expected, value, peer + ": entry " + probe.last);
                if (puts && i % 3 == 0) {
                    call(bench, "put_" + peer, map, probe);
                    overwritten.put(probe.last, true);
                }
            }
        } finally {
            close(map);
        }
    }

    /** In the 100-key map a get returns the key's value, a miss null (or -1), and getAll every entry. */
    private static void checkModuleStore(String peer, Method get) throws Exception {
        Object store = open(get.getParameterTypes()[0], Map.of());
        try {
            SharedMapModuleStoreBenchmark bench = new SharedMapModuleStoreBenchmark();
            SharedMapModuleStoreBenchmark.Probe hits = open(SharedMapModuleStoreBenchmark.Probe.class, Map.of("probe", "hit"));
            for (int i = 0; i < 250; i++) {
                assertEquals(SharedMapModuleStoreBenchmark.value(i % 100),
                        new String(bytes(call(bench, "get_" + peer, store, hits), store), StandardCharsets.UTF_8),
                        peer + " get " + i);
            }
            SharedMapModuleStoreBenchmark.Probe misses = open(SharedMapModuleStoreBenchmark.Probe.class, Map.of("probe", "miss"));
            for (int i = 0; i < 150; i++) {
                Object miss = call(bench, "get_" + peer, store, misses);
                assertTrue(miss == null || Long.valueOf(-1).equals(miss), peer + " get of a missing key " + i + ": " + miss);
            }
            if (method(SharedMapModuleStoreBenchmark.class, "getAll_" + peer).isEmpty()) {
                return; // one of mmap4j's other read paths: gets only
            }
            Map<String, String> expected = new HashMap<>();
            for (int i = 0; i < 100; i++) {
                expected.put("key-" + i, SharedMapModuleStoreBenchmark.value(i));
            }
            assertEquals(expected, call(bench, "getAll_" + peer, store), peer + " getAll");
        } finally {
            close(store);
        }
    }

    /**
     * The value a get returned, as bytes: a {@code byte[]} or {@code String} as it is, a view's
     * bytes, or for a get into a buffer (its length returned) that many bytes of the state's buffer.
     */
    private static byte[] bytes(Object result, Object state) throws ReflectiveOperationException {
        if (result instanceof byte[] bytes) {
            return bytes;
        }
        if (result instanceof String string) {
            return string.getBytes(StandardCharsets.UTF_8);
        }
        if (result instanceof MemorySegment view) {
            return view.toArray(ValueLayout.JAVA_BYTE);
        }
        long length = (Long) result;
        java.lang.reflect.Field buffer = state.getClass().getDeclaredField("buffer");
        buffer.setAccessible(true);
        return ((MemorySegment) buffer.get(state)).asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
    }
}
