package io.mmap4j.examples;

import io.mmap4j.store.Codec;
import io.mmap4j.store.SharedMap;
import io.mmap4j.store.TypedSharedMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

/**
 * A shared configuration map between JVMs: this JVM publishes versions of a configuration entry
 * in a {@link SharedMap}; a second JVM reads the entry as fast as it can and acknowledges each
 * version it sees through the same map, before this JVM puts the next. It must see every version,
 * in order, each value whole, reading without a lock; the time from a put to its acknowledgement
 * and the reader's read rate are shown.
 *
 * <pre>mvn -B -q -DskipTests -Pdemo verify -Dexample=SharedMapExample</pre>
 */
public final class SharedMapExample {
    private static final String KEY = "service.config";

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("reader")) {
            read(Path.of(args[1]), Integer.parseInt(args[2]));
        } else {
            System.exit(run(false) ? 0 : 1);
        }
    }

    /** The value of version {@code v}: it names its version and says how long it must be, so a torn read shows. */
    static String config(int v) {
        String body = "version=" + v + ";timeout=" + (100 + v) + "ms;";
        return body + "x".repeat(20 + v % 40) + ";length=" + (body.length() + 20 + v % 40);
    }

    /** Whether {@code value} is one whole {@link #config} value; its version, or -1. */
    static int versionOf(String value) {
        int v = Integer.parseInt(value.substring("version=".length(), value.indexOf(';')));
        return value.equals(config(v)) ? v : -1;
    }

    /**
     * Publishes the versions while a reader JVM watches, each after the reader acknowledged the
     * one before (through the same map); true if it saw each one, in order, whole.
     */
    public static boolean run(boolean quick) throws Exception {
        int versions = quick ? 50 : 200;
        Path dir = Files.createTempDirectory("mmap4j-shared-map-example");
        try (SharedMap shared = SharedMap.open(dir); Jvm reader = Jvm.start(SharedMapExample.class, "reader",
                dir.toString(), String.valueOf(versions))) {
            TypedSharedMap<String, String> map = shared.typed(Codec.utf8(), Codec.utf8());
            map.put(KEY, config(0));
            long[] micros = new long[versions];
            for (int v = 1; v <= versions; v++) {
                String ack = String.valueOf(v - 1);
                if (!await(map, ack)) { // the reader says it saw the version before
                    System.out.println("    no acknowledgement of version " + (v - 1) + " within 30 s");
                    return false;
                }
                long start = System.nanoTime();
                map.put(KEY, config(v));
                await(map, String.valueOf(v));
                micros[v - 1] = (System.nanoTime() - start) / 1000;
                Thread.sleep(1); // the reader reads on meanwhile: its rate is measured between changes
            }
            Arrays.sort(micros);
            // seen, in order, torn, reads, read millis
            String[] seen = reader.finish().getFirst().split(" ");
            int saw = Integer.parseInt(seen[0]);
            boolean inOrder = seen[1].equals("true");
            long torn = Long.parseLong(seen[2]);
            long reads = Long.parseLong(seen[3]);
            long millis = Math.max(1, Long.parseLong(seen[4]));
            System.out.printf("    pid %d put %d versions of %s; pid %d saw each and acknowledged it through the map:"
                    + " p50 %,d µs, max %,d µs from put to acknowledgement%n", ProcessHandle.current().pid(), versions, KEY,
                    reader.handle().pid(), micros[versions / 2], micros[versions - 1]);
            System.out.printf("    pid %d saw %d of %d versions, %s, %s: %,d reads in %,d ms (%,d reads/s, no lock)%n",
                    reader.handle().pid(), saw, versions, inOrder ? "in order" : "OUT OF ORDER",
                    torn == 0 ? "every value whole" : torn + " TORN", reads, millis, reads * 1000 / millis);
            System.out.println("    " + SharedMap.stats(dir).keys() + " keys; verify: "
                    + (SharedMap.verify(dir).isEmpty() ? "no problems" : SharedMap.verify(dir)));
            return saw == versions && inOrder && torn == 0;
        } finally {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Files.delete(file);
                }
            }
            Files.delete(dir);
        }
    }

    /** Waits until the reader's acknowledgement is {@code ack}; false after 30 s. */
    private static boolean await(TypedSharedMap<String, String> map, String ack) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!ack.equals(map.get("ack"))) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    /** The reader JVM: reads the entry until it sees the last version, acknowledging each, counting order and torn values. */
    private static void read(Path dir, int versions) throws Exception {
        try (SharedMap shared = SharedMap.open(dir)) {
            TypedSharedMap<String, String> map = shared.typed(Codec.utf8(), Codec.utf8());
            int last = versionOf(map.get(KEY));
            map.put("ack", String.valueOf(last));
            int saw = 0;
            boolean inOrder = true;
            long torn = 0;
            long reads = 0;
            long start = System.nanoTime();
            while (last < versions && System.nanoTime() - start < 60_000_000_000L) {
                int v = versionOf(map.get(KEY));
                reads++;
                if (v < 0) {
                    torn++;
                } else if (v != last) {
                    inOrder &= v == last + 1;
                    saw++;
                    last = v;
                    map.put("ack", String.valueOf(v));
                }
            }
            System.out.println(saw + " " + inOrder + " " + torn + " " + reads + " " + (System.nanoTime() - start) / 1_000_000);
        }
    }

    private SharedMapExample() {}
}
