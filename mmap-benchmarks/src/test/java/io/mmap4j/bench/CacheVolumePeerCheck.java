package io.mmap4j.bench;

import static io.mmap4j.bench.PeerCheck.call;
import static io.mmap4j.bench.PeerCheck.close;
import static io.mmap4j.bench.PeerCheck.method;
import static io.mmap4j.bench.PeerCheck.open;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * {@link PeerCheck} for the cache volume's benchmarks: a set leaves the value where the peer's
 * own read finds it (for the raw write, in the file at its position); a get returns a whole value
 * of the size asked for, the one the peer holds under that key; the mixed workload's get and set
 * run against the peer's store.
 */
final class CacheVolumePeerCheck {
    private CacheVolumePeerCheck() {
    }

    /** Checks {@code peer}'s cache volume benchmarks; false if it has none. */
    static boolean check(String peer) throws Exception {
        boolean checked = false;
        if (method(CacheVolumeSetBenchmark.class, "set_" + peer).isPresent()) {
            sets(peer);
            checked = true;
        }
        if (method(CacheVolumeGetBenchmark.class, "get_" + peer).isPresent()) {
            gets(peer);
            checked = true;
        }
        return checked | method(CacheVolumeMixedBenchmark.class, "mixed_" + peer + "_get").isPresent();
    }

    private static void sets(String peer) throws Exception {
        CacheVolumeSetBenchmark bench = open(CacheVolumeSetBenchmark.class, Map.of("valueBytes", 65536, "scaleDown", 1000));
        try {
            call(bench, "set_" + peer);
            byte[] stored = switch (peer) {
                case "mmap4j" -> bench.volume.get(CachePeers.key(0));
                case "rocksdb" -> bench.rocksdb.get(CachePeers.key(0));
                case "raw" -> {
                    ByteBuffer b = ByteBuffer.allocate(bench.valueBytes);
                    bench.raw.read(b, 0);
                    yield b.array();
                }
                default -> throw new AssertionError("no check of the sets of " + peer);
            };
            assertArrayEquals(bench.value, stored, peer + ": a set stores the value");
        } finally {
            close(bench);
        }
    }

    private static void gets(String peer) throws Exception {
        for (int size : new int[] {4096, 1 << 20}) {
            CacheVolumeGetBenchmark bench = open(CacheVolumeGetBenchmark.class, Map.of("valueBytes", size, "scaleDown", 1000));
            try {
                for (int i = 0; i < 20; i++) {
                    byte[] got = (byte[]) call(bench, "get_" + peer);
                    assertNotNull(got, peer + ": every get is a hit");
                    assertEquals(size, got.length, peer + ": a get returns the whole value");
                }
                if (method(CacheVolumeGetBenchmark.class, "getInto_" + peer).isPresent()) {
                    assertEquals(size, ((Number) call(bench, "getInto_" + peer)).intValue(), peer + ": getInto copies it all");
                }
                assertArrayEquals(bench.rocksdb.get(bench.keyBytes[0]), bench.volume.get(bench.keyBytes[0]),
                        "every peer holds the same values");
                assertArrayEquals(bench.caffeine.getIfPresent(bench.keyStrings[0]), bench.volume.get(bench.keyBytes[0]));
            } finally {
                close(bench);
            }
        }
    }
}
