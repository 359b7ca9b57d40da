package io.mmap4j.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import static io.mmap4j.bench.PeerCheck.call;
import static io.mmap4j.bench.PeerCheck.close;
import static io.mmap4j.bench.PeerCheck.method;
import static io.mmap4j.bench.PeerCheck.open;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.linkedin.paldb.api.StoreReader;
import com.spotify.sparkey.Sparkey;
import com.spotify.sparkey.SparkeyReader;
import io.mmap4j.store.StaticStore;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * {@link PeerCheck} for the static stores' benchmarks: a build leaves a store (or, for the raw
 * write, a file) holding every key and value of the workload; a lookup returns the value of the
 * entry it drew, a miss returns null, a view reads the value's bytes; an open finds every entry.
 */
final class StaticStorePeerCheck {
    private StaticStorePeerCheck() {
    }

    /** Checks {@code peer}'s static store benchmarks; false if it has none. */
    static boolean check(String peer) throws Exception {
        boolean checked = false;
        if (method(StaticStoreBuildBenchmark.class, "build_" + peer).isPresent()) {
            for (String workload : new String[] {"haki3", "haki4554"}) {
                builds(peer, workload);
            }
            checked = true;
        }
        Optional<Method> get = method(StaticStoreLookupBenchmark.class, "get_" + peer);
        if (peer.equals("floor")) {
            floor();
            checked = true;
        } else if (peer.equals("hashedFloor")) {
            hashedFloor();
            checked = true;
        } else if (peer.equals("oneMissFloor")) {
            oneMissFloor();
            checked = true;
        } else if (get.isPresent()) {
            lookups(peer, get.get().getParameterTypes()[0]);
            checked = true;
        }
        if (method(StaticStoreOpenBenchmark.class, "open_" + peer).isPresent()) {
            opens(peer);
            checked = true;
        }
        return checked;
    }

    /** Both build operations leave the workload, whole, where the peer's reader finds it. */
    private static void builds(String peer, String workload) throws Exception {
        StaticStoreBuildBenchmark bench = open(StaticStoreBuildBenchmark.class,
                Map.of("workload", workload, "scaleDown", 1000));
        try {
            for (String operation : new String[] {"build_", "buildCached_"}) {
                Path output = (Path) call(bench, operation + peer);
                String what = peer + " " + operation + workload;
                switch (peer) {
                    case "mmap4j" -> {
                        try (StaticStore store = StaticStore.open(output)) {
                            assertEquals(bench.keys.length, store.size(), what);
                            for (int i = 0; i < bench.keys.length; i++) {
                                assertArrayEquals(bench.values[i], store.get(bench.keys[i]), what + " key " + i);
                            }
                        }
                    }
                    case "raw" -> {
                        ByteArrayOutputStream all = new ByteArrayOutputStream();
                        for (byte[] value : bench.values) {
                            all.write(value);
                        }
                        assertEquals(bench.totalBytes, all.size(), what);
                        assertArrayEquals(all.toByteArray(), Files.readAllBytes(output), what);
                    }
                    case "sparkey" -> {
                        try (SparkeyReader reader = Sparkey.open(output.toFile())) {
                            for (int i = 0; i < bench.keys.length; i++) {
                                assertArrayEquals(bench.values[i], reader.getAsByteArray(bench.keys[i]), what + " key " + i);
                            }
                        }
                    }
                    case "paldb" -> {
                        StoreReader reader = PalDbPeer.reader(output.toFile());
                        try {
                            for (int i = 0; i < bench.keys.length; i++) {
                                assertArrayEquals(bench.values[i], reader.getByteArray(bench.keys[i], null), what + " key " + i);
                            }
                        } finally {
                            reader.close();
                        }
                    }
                    default -> throw new AssertionError("no check for the build of " + peer);
                }
                bench.deleteOutput();
            }
        } finally {
            close(bench);
        }
    }

    /** Hits return the drawn entry's value; misses return null; mmap4j's view reads the value. */
    private static void lookups(String peer, Class<?> stateType) throws Exception {
        Object store = open(stateType, Map.of("entries", 1000, "scaleDown", 1));
        try {
            StaticStoreLookupBenchmark bench = new StaticStoreLookupBenchmark();
            StaticStoreLookupBenchmark.Probe probe = new StaticStoreLookupBenchmark.Probe();
            for (int i = 0; i < 300; i++) {
                byte[] value = (byte[]) call(bench, "get_" + peer, store, probe);
                assertArrayEquals(StaticStoreLookupBenchmark.value(probe.last), value, peer + ": entry " + probe.last);
                assertNull(call(bench, "getMiss_" + peer, store, probe), peer + ": absent entry " + probe.last);
            }
            if (method(StaticStoreLookupBenchmark.class, "view_" + peer).isPresent()) {
                for (int i = 0; i < 300; i++) {
                    long read = (long) call(bench, "view_" + peer, store, probe);
                    MemorySegment expected = MemorySegment.ofArray(StaticStoreLookupBenchmark.value(probe.last));
                    assertEquals(expected.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) + StaticStoreLookupBenchmark.VALUE_BYTES,
                            read, peer + ": view of entry " + probe.last);
                }
            }
        } finally {
            close(store);
        }
    }

    /**
     * The floor does its two reads: the entry's slot names a whole record of the data region, and
     * {@code get} returns that record's first 100 bytes, {@code view} its first 8 plus 100.
     */
    private static void floor() throws Exception {
        StaticStoreLookupBenchmark.Floor floor = open(StaticStoreLookupBenchmark.Floor.class,
                Map.of("entries", 1000, "scaleDown", 1));
        try {
            StaticStoreLookupBenchmark bench = new StaticStoreLookupBenchmark();
            StaticStoreLookupBenchmark.Probe probe = new StaticStoreLookupBenchmark.Probe();
            for (int i = 0; i < 300; i++) {
                byte[] value = bench.get_floor(floor, probe);
                long record = floor.record(probe.last);
                assertTrue(record >= floor.dataAt && record + StaticStoreLookupBenchmark.Floor.RECORD_BYTES <= floor.file.byteSize()
                        && (record - floor.dataAt) % StaticStoreLookupBenchmark.Floor.RECORD_BYTES == 0,
                        "floor: the slot of entry " + probe.last + " names record offset " + record);
                assertArrayEquals(floor.file.asSlice(record, StaticStoreLookupBenchmark.VALUE_BYTES).toArray(ValueLayout.JAVA_BYTE),
                        value, "floor: entry " + probe.last);
                long read = bench.view_floor(floor, probe);
                assertEquals(floor.file.get(ValueLayout.JAVA_LONG_UNALIGNED, floor.record(probe.last))
                        + StaticStoreLookupBenchmark.VALUE_BYTES, read, "floor: view of entry " + probe.last);
            }
        } finally {
            close(floor);
        }
    }

    /**
     * The hashed floor hashes the key with XXH3 (the reference's hash of a 16-byte key, seed 0)
     * and reads the record that the slot so chosen names.
     */
    private static void hashedFloor() throws Exception {
        // XXH3_64bits_withSeed("0123456789abcdef", 16, 0) of the reference xxhash.h.
        assertEquals(0x64439946d8fa212dL, StaticStoreLookupBenchmark.Floor.xxh3("0123456789abcdef".getBytes(UTF_8)));
        StaticStoreLookupBenchmark.Floor floor = open(StaticStoreLookupBenchmark.Floor.class,
                Map.of("entries", 1000, "scaleDown", 1));
        try {
            StaticStoreLookupBenchmark bench = new StaticStoreLookupBenchmark();
            StaticStoreLookupBenchmark.Probe probe = new StaticStoreLookupBenchmark.Probe();
            for (int i = 0; i < 300; i++) {
                long read = bench.view_hashedFloor(floor, probe);
                long slot = Math.unsignedMultiplyHigh(StaticStoreLookupBenchmark.Floor.xxh3(probe.key), floor.count);
                assertEquals(floor.file.get(ValueLayout.JAVA_LONG_UNALIGNED, floor.record(slot))
                        + StaticStoreLookupBenchmark.VALUE_BYTES, read, "hashed floor: view of entry " + probe.last);
            }
        } finally {
            close(floor);
        }
    }

    /**
     * The one-miss floor reads the first 8 bytes of the record that the key's XXH3 chooses among
     * the data region's records, with no index.
     */
    private static void oneMissFloor() throws Exception {
        StaticStoreLookupBenchmark.Floor floor = open(StaticStoreLookupBenchmark.Floor.class,
                Map.of("entries", 1000, "scaleDown", 1));
        try {
            StaticStoreLookupBenchmark bench = new StaticStoreLookupBenchmark();
            StaticStoreLookupBenchmark.Probe probe = new StaticStoreLookupBenchmark.Probe();
            long[] seen = new long[floor.count];
            for (int i = 0; i < 3000; i++) {
                long read = bench.view_oneMissFloor(floor, probe);
                long record = Math.unsignedMultiplyHigh(StaticStoreLookupBenchmark.Floor.xxh3(probe.key), floor.count);
                assertEquals(floor.file.get(ValueLayout.JAVA_LONG_UNALIGNED,
                        floor.dataAt + record * StaticStoreLookupBenchmark.Floor.RECORD_BYTES)
                        + StaticStoreLookupBenchmark.VALUE_BYTES, read, "one-miss floor: view of entry " + probe.last);
                seen[(int) record]++;
            }
            // The reads spread over the records (a hash that sent every key to one record would hit the cache).
            assertTrue(Arrays.stream(seen).filter(n -> n > 0).count() > floor.count / 2,
                    "one-miss floor: the reads land on more than half of the " + floor.count + " records");
        } finally {
            close(floor);
        }
    }

    /** An open finds all the entries of the store, and the value of the first. */
    private static void opens(String peer) throws Exception {
        StaticStoreOpenBenchmark bench = open(StaticStoreOpenBenchmark.class, Map.of("storeMib", 1, "scaleDown", 1));
        try {
            assertEquals((long) bench.count, ((Number) call(bench, "open_" + peer)).longValue(), peer + ": entries");
            assertEquals(StaticStoreOpenBenchmark.VALUE_BYTES, call(bench, "openAndGet_" + peer), peer + ": first value");
        } finally {
            close(bench);
        }
    }
}
