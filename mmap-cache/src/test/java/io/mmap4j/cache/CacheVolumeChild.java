package io.mmap4j.cache;

import io.mmap4j.cache.CacheVolume.Options;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * A process that uses a volume, for the tests that need another process: {@code hold PATH} opens
 * it and waits for a line on standard input; {@code write PATH SIZE SEED KEYS} writes values of
 * {@link Values} forever (killed by the test), syncing every 20 ms, printing {@code READY} once open.
 */
public final class CacheVolumeChild {
    private CacheVolumeChild() {
    }

    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[1]);
        switch (args[0]) {
            case "hold" -> {
                try (CacheVolume v = CacheVolume.open(path)) {
                    System.out.println("OPEN " + v.stats().objects());
                    new BufferedReader(new InputStreamReader(System.in)).readLine();
                }
                System.out.println("CLOSED");
            }
            case "write" -> {
                long size = Long.parseLong(args[2]);
                SplittableRandom r = new SplittableRandom(Long.parseLong(args[3]));
                int keys = Integer.parseInt(args[4]);
                Options options = Options.DEFAULT.withAggregationBytes(128 << 10).withSyncInterval(Duration.ofMillis(20));
                try (CacheVolume v = CacheVolume.open(path, size, options)) {
                    System.out.println("READY " + v.recovery().recovered());
                    for (long version = r.nextLong(1L << 40); ; version++) {
                        int k = r.nextInt(keys);
                        if (r.nextInt(50) == 0) {
                            v.remove(Values.key(k));
                        } else {
                            v.set(Values.key(k), Values.value(k, version, r.nextInt(r.nextInt(8) == 0 ? 300_000 : 20_000)));
                        }
                    }
                }
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
