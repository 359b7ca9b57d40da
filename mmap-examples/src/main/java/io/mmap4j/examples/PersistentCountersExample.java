package io.mmap4j.examples;

import io.mmap4j.counters.Counter;
import io.mmap4j.counters.Counters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Persistent event counters: counts kept in a counters file outlive the JVM that wrote them. Each
 * run adds to them, and a fresh JVM reads back exactly what this one left.
 *
 * <p>The file is {@code <java.io.tmpdir>/mmap4j-tour/events.counters} unless a path is given;
 * it is kept on purpose, so that the next run shows the counts grown. Watch it with the command-line
 * tool: {@code bin/mmap4j stat /tmp/mmap4j-tour/events.counters}.
 *
 * <pre>mvn -B -q -DskipTests -Pdemo verify -Dexample=PersistentCountersExample</pre>
 */
public final class PersistentCountersExample {
    /** Where the tour keeps its counts between runs. */
    public static final Path DEFAULT_FILE =
            Path.of(System.getProperty("java.io.tmpdir"), "mmap4j-tour", "events.counters");

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("reader")) {
            try (Counters counters = Counters.openReadOnly(Path.of(args[1]))) {
                counters.forEach(c -> System.out.println(c.name() + "=" + c.get()));
            }
            return;
        }
        Path file = args.length == 1 ? Path.of(args[0]) : DEFAULT_FILE;
        System.exit(run(file, Map.of("example.runs", 1L)) ? 0 : 1);
    }

    /**
     * Adds each event count to its counter in {@code file}, then has a fresh JVM read the file;
     * true if every counter grew by exactly its count and the other JVM saw the same values.
     */
    public static boolean run(Path file, Map<String, Long> events) throws Exception {
        Files.createDirectories(file.getParent());
        boolean existed = Files.exists(file);
        Map<String, Long> after = new LinkedHashMap<>();
        boolean grewExactly = true;
        try (Counters counters = Counters.open(file)) {
            for (Map.Entry<String, Long> event : events.entrySet()) {
                Counter counter = counters.counter(event.getKey()); // created at 0 if the file lacks it
                long before = counter.get(); // what earlier runs left
                counter.addAndGet(event.getValue());
                long now = counter.get();
                long expected = before + event.getValue();
                after.put(event.getKey(), now);
                grewExactly &= now == expected;
                System.out.printf("    %-22s %,8d  (was %,d before this run)%s%n", event.getKey(), now, before,
                        now == expected ? "" : "  WRONG, expected " + expected);
            }
        }
        System.out.println("    " + (existed ? "kept in " : "created ") + file);
        List<String> seen = Jvm.start(PersistentCountersExample.class, "reader", file.toString()).finish();
        boolean sameInFreshJvm = after.entrySet().stream().allMatch(e -> seen.contains(e.getKey() + "=" + e.getValue()));
        System.out.println("    a fresh JVM reads the same values from the file: " + (sameInFreshJvm ? "yes" : "NO " + seen));
        return grewExactly && sameInFreshJvm;
    }

    private PersistentCountersExample() {}
}
