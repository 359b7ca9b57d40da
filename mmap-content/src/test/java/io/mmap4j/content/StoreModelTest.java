package io.mmap4j.content;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Long seeded random sequences of every store operation over a small set of paths (so that values,
 * groups and links collide, links chain and cycle), run on every backend at once: every answer, and
 * every exception's type, must be the same on all, and the same again after the file-system store
 * is closed and reopened. Then random messages through a cache on each backend, each compared with
 * the message written, after every write and after reopening. The seed is printed.
 */
class StoreModelTest {
    private static final String[] SEGMENTS = {"a", "b", "c", "data"};

    @TempDir
    Path dir;

    private Map<String, Store> backends(int round) throws Exception {
        Map<String, Store> stores = new LinkedHashMap<>();
        stores.put("memory", new MemoryStore());
        stores.put("fs", FileSystemStore.open(dir.resolve("fs-" + round)));
        stores.put("chain", StoreChain.of(new MemoryStore(), FileSystemStore.open(dir.resolve("chain-" + round))));
        stores.put("mapped", MappedStore.open(dir.resolve("mapped-" + round)));
        return stores;
    }

    @Test
    void everyBackendGivesTheSameAnswersToRandomOperations() throws Exception {
        long seed = System.getenv("MODEL_SEED") != null ? Long.parseLong(System.getenv("MODEL_SEED")) : new Random().nextLong();
        System.out.println("StoreModelTest seed " + seed + " (rerun with MODEL_SEED=" + seed + ")");
        Random random = new Random(seed);
        for (int round = 0; round < 3; round++) {
            Map<String, Store> stores = backends(round);
            List<String> history = new ArrayList<>();
            try {
                for (int step = 0; step < 300; step++) {
                    String op = operation(random);
                    history.add(op);
                    Map<String, String> answers = new LinkedHashMap<>();
                    for (Map.Entry<String, Store> s : stores.entrySet()) {
                        answers.put(s.getKey(), answer(s.getValue(), op));
                    }
                    String expected = answers.get("memory");
                    for (Map.Entry<String, String> a : answers.entrySet()) {
                        assertEquals(expected, a.getValue(), "seed " + seed + " round " + round + " step " + step + ": "
                                + op + " on " + a.getKey() + " after:\n" + String.join("\n", history));
                    }
                }
                // The file-system store, closed and reopened, answers as before.
                Store fs = stores.get("fs");
                fs.close();
                Store reopened = FileSystemStore.open(dir.resolve("fs-" + round));
                stores.put("fs", reopened);
                for (String path : allPaths()) {
                    assertEquals(answer(stores.get("memory"), "probe " + path), answer(reopened, "probe " + path),
                            "seed " + seed + " after reopening: " + path);
                }
            } finally {
                stores.values().forEach(Store::close);
            }
        }
    }

    @Test
    void randomMessagesReadBackAsWrittenOnEveryBackend() throws Exception {
        long seed = new Random().nextLong();
        System.out.println("StoreModelTest messages seed " + seed);
        Random random = new Random(seed);
        Map<String, Store> stores = backends(99);
        Map<String, Object> written = new HashMap<>();
        try {
            Map<String, MessageCache> caches = new LinkedHashMap<>();
            stores.forEach((name, store) -> caches.put(name, MessageCache.over(store)));
            for (int i = 0; i < 40; i++) {
                Map<String, Object> message = randomMessage(random, 0);
                String id = MessageCache.id(message);
                written.put(id, message);
                for (Map.Entry<String, MessageCache> c : caches.entrySet()) {
                    assertEquals(id, c.getValue().write(message), "seed " + seed);
                    for (Map.Entry<String, Object> w : written.entrySet()) {
                        MessageCacheContract.assertSameValue(w.getValue(),
                                c.getValue().ensureAllLoaded(c.getValue().read(w.getKey()).orElseThrow()));
                    }
                }
            }
            for (MessageCache c : caches.values()) {
                assertEquals(List.of(), c.verify(), "seed " + seed);
            }
            stores.get("fs").close();
            try (MessageCache reopened = MessageCache.over(FileSystemStore.open(dir.resolve("fs-99")))) {
                for (Map.Entry<String, Object> w : written.entrySet()) {
                    MessageCacheContract.assertSameValue(w.getValue(), reopened.ensureAllLoaded(reopened.read(w.getKey()).orElseThrow()));
                }
            }
        } finally {
            stores.values().forEach(Store::close);
        }
    }

    private static Map<String, Object> randomMessage(Random r, int depth) {
        Map<String, Object> m = new HashMap<>();
        int keys = r.nextInt(depth == 0 ? 6 : 3);
        for (int k = 0; k < keys; k++) {
            m.put(SEGMENTS[r.nextInt(SEGMENTS.length)] + r.nextInt(3), randomValue(r, depth));
        }
        return m;
    }

    private static Object randomValue(Random r, int depth) {
        return switch (r.nextInt(depth < 3 ? 9 : 7)) {
            case 0 -> new byte[r.nextInt(40)];
            case 1 -> "s" + r.nextInt(5);
            case 2 -> r.nextInt(4);
            case 3 -> (long) r.nextInt(4);
            case 4 -> r.nextBoolean();
            case 5 -> r.nextInt(3) / 2.0;
            case 6 -> "";
            case 7 -> randomMessage(r, depth + 1);
            default -> {
                List<Object> list = new ArrayList<>();
                for (int i = r.nextInt(3); i > 0; i--) {
                    list.add(randomValue(r, depth + 1));
                }
                yield list;
            }
        };
    }

    private static List<String> allPaths() {
        List<String> paths = new ArrayList<>();
        for (String a : SEGMENTS) {
            paths.add(a);
            for (String b : SEGMENTS) {
                paths.add(a + "/" + b);
                for (String c : SEGMENTS) {
                    paths.add(a + "/" + b + "/" + c);
                }
            }
        }
        return paths;
    }

    private static String path(Random r) {
        int depth = 1 + r.nextInt(3);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            b.append(i == 0 ? "" : "/").append(SEGMENTS[r.nextInt(SEGMENTS.length)]);
        }
        return b.toString();
    }

    private static String operation(Random r) {
        return switch (r.nextInt(10)) {
            case 0, 1 -> "write " + path(r) + " v" + r.nextInt(100);
            case 2 -> "group " + path(r);
            case 3 -> "link " + path(r) + " " + path(r);
            case 4 -> "read " + path(r);
            case 5 -> "type " + path(r);
            case 6 -> "list " + (r.nextInt(4) == 0 ? "" : path(r));
            case 7 -> "resolve " + path(r);
            case 8 -> r.nextInt(20) == 0 ? "reset" : "probe " + path(r);
            default -> "write " + path(r) + " v" + r.nextInt(100);
        };
    }

    /** What {@code op} answers on {@code store}: a value, or the exception's type. */
    private static String answer(Store store, String op) {
        String[] w = op.split(" ", -1);
        Supplier<Object> call = switch (w[0]) {
            case "write" -> () -> {
                store.write(w[1], w[2].getBytes(UTF_8));
                return "ok";
            };
            case "group" -> () -> {
                store.makeGroup(w[1]);
                return "ok";
            };
            case "link" -> () -> {
                store.makeLink(w[1], w[2]);
                return "ok";
            };
            case "read" -> () -> store.read(w[1]).map(b -> new String(b, UTF_8)).orElse("absent");
            case "type" -> () -> store.type(w[1]);
            case "list" -> () -> new TreeSet<>(store.list(w[1]));
            case "resolve" -> () -> store.resolve(w[1]);
            case "reset" -> () -> {
                store.reset();
                return "ok";
            };
            case "probe" -> () -> store.type(w[1]) + " " + store.read(w[1]).map(b -> new String(b, UTF_8)).orElse("-")
                    + " " + new TreeSet<>(store.list(w[1])) + " " + store.resolve(w[1]);
            default -> throw new IllegalArgumentException(op);
        };
        try {
            return String.valueOf(call.get());
        } catch (RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            return e.getClass().getSimpleName() + ": " + message.replaceFirst("^(memory|/[^:]*): ", ""); // the store's location
        }
    }
}
