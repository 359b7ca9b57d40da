package io.mmap4j.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mmap4j.cache.CacheVolume;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * A cache volume survives {@code kill -9}: a writer JVM fills a volume twice over and more (the
 * ring wraps, old objects are evicted), and is killed in the middle of its writes. This JVM then
 * reopens the volume: it recovers (the newer directory copy, then the records written since the
 * last sync), and every object it returns is exactly one the writer stored under that key.
 *
 * <pre>mvn -B -q -DskipTests -Pdemo verify -Dexample=CacheVolumeExample</pre>
 */
public final class CacheVolumeExample {
    private static final int KEYS = 2000;

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("writer")) {
            write(Path.of(args[1]), Long.parseLong(args[2]));
        } else {
            System.exit(run(false) ? 0 : 1);
        }
    }

    /** Fills a volume in a child JVM, kills it, reopens the volume; true if it recovered with zero wrong bytes. */
    public static boolean run(boolean quick) throws Exception {
        long size = (quick ? 16L : 64L) << 20;
        Path dir = Files.createTempDirectory("mmap4j-cache-example");
        Path file = dir.resolve("objects.cache");
        dir.toFile().deleteOnExit();
        file.toFile().deleteOnExit();
        try (Jvm writer = Jvm.start(CacheVolumeExample.class, "writer", file.toString(), String.valueOf(size))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            long written = 0;
            while (written < 2 * size && System.nanoTime() < deadline) {
                Thread.sleep(20);
                written = writtenSoFar(file);
            }
            Thread.sleep(new SplittableRandom().nextInt(50)); // somewhere in the middle of a write
            writer.handle().destroyForcibly();
            writer.handle().onExit().get();
            System.out.printf("    pid %d filled a %d MiB volume %.1f times over, and was killed mid-write%n",
                    writer.handle().pid(), size >> 20, (double) written / size);
        }
        try (CacheVolume cache = CacheVolume.open(file)) {
            CacheVolume.Recovery r = cache.recovery();
            System.out.printf("    reopened: recovered from copy %s (sync serial %d), replayed %,d records written"
                    + " since, dropped %,d entries the kill may have torn%n", r.copy(), r.syncSerial(),
                    r.recordsReplayed(), r.entriesDropped());
            int hits = 0;
            int wrong = 0;
            for (int k = 0; k < KEYS; k++) {
                byte[] value = cache.get(key(k));
                if (value != null) {
                    hits++;
                    wrong += exact(k, value) ? 0 : 1;
                }
            }
            CacheVolume.Stats s = cache.stats();
            System.out.printf("    %,d of %,d keys hit, %d wrong bytes; %,d objects, %.1f bytes of directory per object%n",
                    hits, KEYS, wrong, s.objects(), s.directoryBytesPerObject());
            return r.recovered() && hits > 0 && wrong == 0;
        } finally {
            Files.deleteIfExists(file);
            Files.delete(dir);
        }
    }

    /** The ring position the writer's last directory sync recorded, read beside it. */
    private static long writtenSoFar(Path file) throws Exception {
        try {
            return CacheVolume.stats(file).writeCursor();
        } catch (NoSuchFileException e) {
            return 0; // not created yet
        }
    }

    /** The writer JVM: stores values of 1 byte to 64 KiB under 2,000 keys until it is killed. */
    private static void write(Path file, long size) throws Exception {
        CacheVolume.Options options = CacheVolume.Options.DEFAULT.withAverageObjectBytes(32 << 10)
                .withSyncInterval(Duration.ofMillis(50));
        SplittableRandom random = new SplittableRandom();
        try (CacheVolume cache = CacheVolume.open(file, size, options)) {
            for (long version = 1; ; version++) {
                int k = random.nextInt(KEYS);
                cache.set(key(k), value(k, version, 1 + random.nextInt(64 << 10)));
            }
        }
    }

    private static byte[] key(int k) {
        return ("/objects/" + k).getBytes(UTF_8);
    }

    /** A value that names its key and version, and whose every byte follows from them. */
    private static byte[] value(int k, long version, int length) {
        byte[] v = new byte[Math.max(12, length)];
        ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).putInt(k).putLong(version);
        long seed = version * 31 + k;
        for (int i = 12; i < v.length; i++) {
            v[i] = (byte) (seed + i * 0x9E37L >>> 3);
        }
        return v;
    }

    private static boolean exact(int k, byte[] v) {
        if (v.length < 12) {
            return false;
        }
        long version = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong(4);
        return java.util.Arrays.equals(v, value(k, version, v.length));
    }

    private CacheVolumeExample() {}
}
