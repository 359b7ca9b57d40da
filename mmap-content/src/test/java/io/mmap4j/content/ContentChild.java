package io.mmap4j.content;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A child JVM for {@link ContentProcessesTest}: writes messages into a cache, or reads another
 * writer's as they appear. Prints one line per finished step, so the parent knows what returned.
 */
public final class ContentChild {
    /** Every message of the tests: sizes and contents from {@code i}; "common" and "shared" the same in all. */
    static Map<String, Object> message(int i, String writer) {
        byte[] body = new byte[256 + (i * 37) % 2048];
        new SplittableRandom(i * 31L + writer.hashCode()).nextBytes(body);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", i);
        m.put("writer", writer);
        m.put("body", body);
        m.put("shared", new byte[4096]); // the same binary in every message of every writer: stored once
        m.put("common", Map.of("x", "same for everyone", "list", List.of(1, 2, 3)));
        m.put("nested", Map.of("i", (long) i, "list", List.of("a", i, Map.of("deep", i % 2 == 0))));
        return m;
    }

    /** The message that {@code commit} children sign, each with keys of its own. */
    static final Map<String, Object> SIGNED = Map.of("release", "1.0", "artifact", new byte[2048]);

    static MessageCache open(String backend, Path path) throws Exception {
        return switch (backend) {
            case "fs" -> MessageCache.over(FileSystemStore.open(path));
            case "mapped" -> MessageCache.open(path);
            default -> throw new IllegalArgumentException("backend " + backend);
        };
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        try (MessageCache cache = open(args[1], Path.of(args[2]))) {
            switch (mode) {
                case "write" -> { // write <backend> <path> <writer> <count>: then read the other writer's
                    String writer = args[3];
                    int count = Integer.parseInt(args[4]);
                    String other = args[5];
                    System.out.println("READY " + ProcessHandle.current().pid());
                    for (int i = 0; i < count; i++) {
                        String id = cache.write(message(i, writer));
                        if (!id.equals(MessageCache.id(message(i, writer)))) {
                            throw new AssertionError("write returned " + id);
                        }
                    }
                    System.out.println("WROTE " + count);
                    int seen = 0;
                    long deadline = System.nanoTime() + 60_000_000_000L;
                    for (int i = 0; i < count && System.nanoTime() < deadline; ) {
                        Map<String, Object> expected = message(i, other);
                        var read = cache.read(MessageCache.id(expected));
                        if (read.isEmpty()) {
                            Thread.onSpinWait();
                            continue; // not written yet by the other process
                        }
                        if (!MessageCacheContract.normal(expected).equals(MessageCacheContract.normal(cache.ensureAllLoaded(read.get())))) {
                            throw new AssertionError("message " + i + " of " + other + " read back different");
                        }
                        seen++;
                        i++;
                    }
                    System.out.println("SAW " + seen);
                }
                case "crash" -> { // crash <backend> <path> <writer> <from>: writes until killed
                    String writer = args[3];
                    System.out.println("READY " + ProcessHandle.current().pid());
                    for (int i = Integer.parseInt(args[4]); ; i++) {
                        cache.write(message(i, writer));
                        System.out.println("WROTE " + i);
                    }
                }
                case "commit" -> { // commit <backend> <path> <count> <go file>: signs one message count times, once go exists
                    int count = Integer.parseInt(args[3]);
                    Path go = Path.of(args[4]);
                    List<KeyPair> signers = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        signers.add(KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
                    }
                    System.out.println("READY " + ProcessHandle.current().pid());
                    while (!Files.exists(go)) {
                        Thread.sleep(1);
                    }
                    for (KeyPair signer : signers) {
                        Map<String, Object> signed = MessageCache.commit(SIGNED, signer);
                        cache.write(signed);
                        System.out.println("COMMITTED " + ((Map<?, ?>) signed.get("commitments")).keySet().iterator().next());
                    }
                    System.out.println("DONE");
                }
                case "names" -> { // names <backend> <path> <writer> <count> <go file>: adds names to one group, once go exists
                    String writer = args[3];
                    int count = Integer.parseInt(args[4]);
                    Path go = Path.of(args[5]);
                    System.out.println("READY " + ProcessHandle.current().pid());
                    while (!Files.exists(go)) {
                        Thread.sleep(1);
                    }
                    for (int i = 0; i < count; i++) {
                        cache.store().write("group/" + writer + "-" + i, new byte[] {1});
                        cache.store().write("group/shared-" + i, new byte[] {2}); // the same new name in both writers
                    }
                    System.out.println("DONE");
                }
                default -> throw new IllegalArgumentException(mode);
            }
        }
    }

    private ContentChild() {}
}
