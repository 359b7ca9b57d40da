package io.mmap4j.examples;

import io.mmap4j.content.MessageCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Content-addressed messages shared by JVMs: two JVMs write build records into one mapped message
 * cache at the same time, each with its own body and the same 64 KiB artifact, then read every
 * record of the other whole. The parent checks that the artifact they share is stored once and that
 * verify finds nothing wrong.
 *
 * <pre>mvn -B -q -DskipTests -Pdemo verify -Dexample=ContentExample</pre>
 */
public final class ContentExample {
    private static final byte[] ARTIFACT = artifact();

    public static void main(String[] args) throws Exception {
        if (args.length == 4 && args[0].equals("writer")) {
            write(Path.of(args[1]), args[2], Integer.parseInt(args[3]));
        } else {
            System.exit(run(false) ? 0 : 1);
        }
    }

    /** Runs the two writers; true if each read the other's records whole and the artifact is stored once. */
    public static boolean run(boolean quick) throws Exception {
        int count = quick ? 100 : 300;
        Path dir = Files.createTempDirectory("mmap4j-content-example");
        try {
            List<Jvm> writers = new ArrayList<>();
            for (String name : List.of("A", "B")) {
                writers.add(Jvm.start(ContentExample.class, "writer", dir.toString(), name, String.valueOf(count)));
            }
            boolean ok = true;
            for (Jvm w : writers) {
                for (String line : w.finish()) {
                    System.out.println("    " + line);
                    ok &= !line.contains("MISSING");
                }
            }
            try (MessageCache cache = MessageCache.open(dir)) {
                long artifacts = cache.store().list("data").stream()
                        .filter(id -> cache.store().read("data/" + id).map(v -> v.length == ARTIFACT.length + 1).orElse(false))
                        .count();
                List<MessageCache.Problem> problems = cache.verify();
                MessageCache.Stat stat = cache.stat();
                // every record, and the one "env" map they all hold: equal messages are stored once too
                boolean counted = stat.messages() == 2L * count + 1;
                System.out.printf("    %,d records by 2 JVMs (%,d messages with their shared \"env\"); the 64 KiB artifact they"
                                + " share is stored %s; verify: %s%n", 2 * count, stat.messages(),
                        artifacts == 1 ? "once" : artifacts + " times", problems.isEmpty() ? "no problems" : problems);
                return ok && counted && artifacts == 1 && problems.isEmpty();
            }
        } finally {
            deleteTree(dir);
        }
    }

    /** A writer JVM: writes its records, then reads the other writer's as they appear. */
    private static void write(Path dir, String name, int count) throws Exception {
        String other = name.equals("A") ? "B" : "A";
        try (MessageCache cache = MessageCache.open(dir)) {
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                cache.write(record(name, i));
            }
            long wrote = System.nanoTime() - start;
            int whole = 0;
            long deadline = System.nanoTime() + 30_000_000_000L;
            for (int i = 0; i < count && System.nanoTime() < deadline; ) {
                var read = cache.read(MessageCache.id(record(other, i)));
                if (read.isEmpty()) {
                    Thread.onSpinWait(); // not written yet by the other JVM
                    continue;
                }
                Map<?, ?> loaded = (Map<?, ?>) cache.ensureAllLoaded(read.get());
                whole += loaded.get("build").equals(i) && java.util.Arrays.equals((byte[]) loaded.get("artifact"), ARTIFACT) ? 1 : 0;
                i++;
            }
            System.out.printf("pid %d: wrote %d records in %d ms; read %d of the other JVM's, whole%s%n",
                    ProcessHandle.current().pid(), count, wrote / 1_000_000, whole, whole == count ? "" : " (MISSING some)");
        }
    }

    private static Map<String, Object> record(String writer, int i) {
        byte[] log = new byte[512];
        new SplittableRandom(i * 31L + writer.hashCode()).nextBytes(log);
        return Map.of("writer", writer, "build", i, "log", log, "artifact", ARTIFACT,
                "env", Map.of("jdk", 25, "os", "linux"));
    }

    private static byte[] artifact() {
        byte[] a = new byte[64 << 10];
        new SplittableRandom(42).nextBytes(a);
        return a;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private ContentExample() {}
}
