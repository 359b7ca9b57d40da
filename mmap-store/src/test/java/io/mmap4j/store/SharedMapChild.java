package io.mmap4j.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** The other processes of {@link SharedMapProcessesTest}: each mode is one process's part. */
public final class SharedMapChild {
    private SharedMapChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        switch (args[0]) {
            case "put" -> put(dir, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "increment" -> increment(dir, Integer.parseInt(args[2]));
            case "flip" -> flip(dir, Long.parseLong(args[2]));
            case "check" -> check(dir, Long.parseLong(args[2]));
            case "crash" -> crash(dir, Long.parseLong(args[2]));
            case "cut" -> cut(dir);
            case "hold" -> hold(dir);
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    static byte[] value(String key) {
        return ("value of " + key).getBytes(UTF_8);
    }

    /** Puts keys {@code first} to {@code first + count - 1}, as fast as it can. */
    private static void put(Path dir, int first, int count) throws Exception {
        try (SharedMap map = SharedMap.open(dir, SharedMapTest.SMALL)) {
            System.out.println("READY");
            for (int i = first; i < first + count; i++) {
                map.put("key-" + i, value("key-" + i));
            }
            System.out.println("DONE");
        }
    }

    /** Adds 1 to the counter {@code n} this many times through merge: read-modify-write under the lock. */
    private static void increment(Path dir, int times) throws Exception {
        byte[] one = Codec.int64().encode(1L);
        try (SharedMap map = SharedMap.open(dir)) {
            for (int i = 0; i < times; i++) {
                map.merge("n".getBytes(UTF_8), one, SharedMap::sum);
            }
            System.out.println("DONE");
        }
    }

    static byte[] flipValue(boolean big) {
        byte[] value = new byte[big ? 64 << 10 : 1 << 10];
        Arrays.fill(value, (byte) (big ? 'b' : 'a'));
        return value;
    }

    /**
     * Reads key {@code k} read-only, so that this process maps the current generation, and says
     * which; then, for each line it is sent, reads {@code k} again (and so moves to the newest
     * generation) and prints its value, until it is killed.
     */
    private static void hold(Path dir) throws Exception {
        try (SharedMap map = SharedMap.open(dir, java.nio.file.StandardOpenOption.READ)) {
            System.out.println("HOLDING " + new String(map.get("k"), UTF_8) + " " + map.stats().generation());
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, UTF_8));
            while (in.readLine() != null) {
                System.out.println("READ " + new String(map.get("k"), UTF_8) + " " + map.stats().generation());
            }
        }
    }

    /** Flips key {@code k} between a 1 KiB and a 64 KiB value for {@code millis}. */
    private static void flip(Path dir, long millis) throws Exception {
        byte[] small = flipValue(false);
        byte[] big = flipValue(true);
        try (SharedMap map = SharedMap.open(dir)) {
            map.put("k", small);
            System.out.println("READY");
            long end = System.nanoTime() + millis * 1_000_000;
            long flips = 0;
            while (System.nanoTime() < end) {
                map.put("k", ++flips % 2 == 0 ? small : big);
            }
            System.out.println("FLIPS " + flips + " IN_PLACE " + map.rewritesInPlace);
        }
    }

    /** Reads key {@code k} for {@code millis}; counts reads that are neither flip value, whole. */
    private static void check(Path dir, long millis) throws Exception {
        byte[] small = flipValue(false);
        byte[] big = flipValue(true);
        try (SharedMap map = SharedMap.open(dir, java.nio.file.StandardOpenOption.READ)) {
            long end = System.nanoTime() + millis * 1_000_000;
            long reads = 0;
            long bad = 0;
            long bigReads = 0;
            while (System.nanoTime() < end) {
                byte[] value = map.get("k");
                reads++;
                if (Arrays.equals(value, big)) {
                    bigReads++;
                } else if (!Arrays.equals(value, small)) {
                    bad++;
                }
            }
            System.out.println("READS " + reads + " BAD " + bad + " BIG " + bigReads);
        }
    }

    /**
     * One operation of the crash test's sequence for {@code seed}: deterministic, so the parent
     * replays it. Values of up to 200 KB and putAll make the map rewrite (grow and compact) often.
     */
    record Op(String kind, Map<String, byte[]> changes) {
        static Op of(Random random, int index) {
            int pick = random.nextInt(100);
            String key = "key-" + random.nextInt(300);
            if (pick < 60) {
                int length = random.nextInt(20) == 0 ? 50_000 + random.nextInt(150_000) : random.nextInt(200);
                return new Op("put", Map.of(key, content(index, length)));
            }
            if (pick < 90) {
                java.util.HashMap<String, byte[]> removal = new java.util.HashMap<>();
                removal.put(key, null);
                return new Op("remove", removal);
            }
            java.util.HashMap<String, byte[]> batch = new java.util.HashMap<>();
            for (int i = 0; i < 5; i++) {
                batch.put("key-" + random.nextInt(300), content(index * 10 + i, random.nextInt(100)));
            }
            return new Op("putAll", batch);
        }

        private static byte[] content(int index, int length) {
            byte[] value = new byte[length];
            new Random(index).nextBytes(value);
            return value;
        }

        void applyTo(SharedMap map) {
            switch (kind) {
                case "put" -> changes.forEach(map::put);
                case "remove" -> changes.keySet().forEach(map::remove);
                default -> {
                    List<Map.Entry<byte[], byte[]>> entries = new ArrayList<>();
                    changes.forEach((k, v) -> entries.add(Map.entry(k.getBytes(UTF_8), v)));
                    map.putAll(entries);
                }
            }
        }

        void applyTo(Map<String, byte[]> model) {
            changes.forEach((k, v) -> {
                if (v == null) {
                    model.remove(k);
                } else {
                    model.put(k, v);
                }
            });
        }
    }

    /** Runs the operations of {@code seed} until killed, printing the index of each that returned. */
    private static void crash(Path dir, long seed) throws Exception {
        Random random = new Random(seed);
        try (SharedMap map = SharedMap.open(dir, SharedMapTest.SMALL)) {
            System.out.println("READY");
            for (int i = 0; ; i++) {
                Op.of(random, i).applyTo(map);
                System.out.println("OK " + i); // System.out flushes each line: once printed, the parent has it
            }
        }
    }

    /**
     * Opens the map, waits for the parent to cut its control file short ("GO" on stdin), then
     * writes and reads: each must throw (the writer lock's compare-and-set meets a cut page) and
     * the JVM must carry on to print what each threw and to close the map.
     */
    private static void cut(Path dir) throws Exception {
        try (SharedMap map = SharedMap.open(dir);
             java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, UTF_8))) {
            map.put("before", value("before"));
            System.out.println("READY");
            if (!"GO".equals(in.readLine())) {
                throw new IllegalStateException("expected GO");
            }
            for (String op : List.of("put", "get")) {
                try {
                    if (op.equals("put")) {
                        map.put("after", value("after"));
                    } else {
                        map.get("before");
                    }
                    System.out.println(op + ": returned");
                } catch (Throwable e) {
                    System.out.println(op + ": " + e.getClass().getName());
                }
            }
        }
        System.out.println("CLOSED");
    }
}
