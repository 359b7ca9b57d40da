package io.mmap4j.counters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.testkit.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real child JVMs creating, updating and crashing on one counters file. */
class ProcessesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int JVMS = 4;
    private static final int SHARED = 100;
    private static final int OWN = 100;
    private static final int ROUNDS = 50;

    @TempDir
    Path dir;

    /**
     * Four JVMs open the same new file at the same moment; each creates the same 100 names and 100
     * of its own and increments all of them. Every name exists once, with the same id in every
     * JVM, and every total is exact.
     */
    @Test
    void fourJvmsCreateOneNewFileAndTheSameNamesAtOnce() throws Exception {
        Path file = dir.resolve("many.counters");
        List<ChildJvm> children = new ArrayList<>();
        try {
            for (int j = 0; j < JVMS; j++) {
                ChildJvm child = ChildJvm.start(Worker.class, file.toString(), String.valueOf(j));
                children.add(child);
            }
            for (ChildJvm child : children) {
                child.awaitLine("ready", TIMEOUT);
            }
            assertTrue(Files.notExists(file), "the file is new");
            for (ChildJvm child : children) {
                child.send("go");
            }
            Map<String, Integer> ids = new HashMap<>();
            for (int j = 0; j < JVMS; j++) {
                ChildJvm child = children.get(j);
                child.awaitExit(TIMEOUT, 0);
                for (String line : child.output()) {
                    if (line.startsWith("id ")) {
                        String[] parts = line.split(" ");
                        Integer before = ids.putIfAbsent(parts[1], Integer.valueOf(parts[2]));
                        if (before != null) {
                            assertEquals(before, Integer.valueOf(parts[2]), "JVM " + j + " saw another id for " + parts[1]);
                        }
                    }
                }
            }
            assertEquals(SHARED + JVMS * OWN, ids.size());
            try (Counters c = Counters.open(file)) {
                List<Counter> all = c.counters();
                assertEquals(SHARED + JVMS * OWN, all.size());
                Set<String> names = new HashSet<>();
                for (Counter counter : all) {
                    assertTrue(names.add(counter.name()), "twice: " + counter.name());
                    assertEquals(ids.get(counter.name()), counter.id(), counter.name());
                    long expected = counter.name().startsWith("shared.") ? (long) JVMS * ROUNDS : ROUNDS;
                    assertEquals(expected, counter.get(), counter.name());
                }
            }
            try (var files = Files.list(dir)) {
                assertEquals(List.of(file), files.toList(), "no temporary file is left");
            }
            long allocated = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN)
                    .getLong((int) Regions.ALLOCATED_AT);
            assertTrue(allocated <= SHARED + JVMS * OWN + JVMS,
                    "a record that lost a race is reused for the next name, so each JVM wastes one at most: " + allocated);
        } finally {
            for (ChildJvm child : children) {
                child.close();
            }
        }
    }

    /** Waits for "go", then opens (creating) the file and creates and increments its names. */
    public static final class Worker {
        public static void main(String[] args) throws Exception {
            Path file = Path.of(args[0]);
            int jvm = Integer.parseInt(args[1]);
            List<String> names = new ArrayList<>();
            for (int i = 0; i < SHARED; i++) {
                names.add("shared." + i);
                names.add("own." + jvm + "." + i);
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
            System.out.println("ready");
            if (!"go".equals(in.readLine())) {
                throw new IllegalStateException("expected go");
            }
            try (Counters c = Counters.open(file)) {
                for (int round = 0; round < ROUNDS; round++) {
                    for (String name : names) {
                        c.counter(name).incrementAndGet();
                    }
                }
                for (String name : names) {
                    System.out.println("id " + name + " " + c.counter(name).id());
                }
            }
        }
    }

    /**
     * A child JVM creating names and incrementing is killed at random moments, 24 times, some
     * while it creates the file itself. After every kill the file opens, no name is there twice or
     * half-written, and no value has gone down.
     */
    @Test
    void aJvmKilledAtRandomMomentsNeverLeavesABrokenFile() throws Exception {
        Path file = dir.resolve("crash.counters");
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Map<String, Long> last = new TreeMap<>();
        Pattern wellFormed = Pattern.compile("crash\\.\\d{1,3}");
        for (int round = 0; round < 24; round++) {
            ChildJvm child = ChildJvm.start(Crasher.class, file.toString(), String.valueOf(random.nextLong()));
            try {
                if (round % 3 == 0) {
                    Thread.sleep(random.nextInt(700)); // from the start: some kills land while the file is created
                } else {
                    child.awaitLine("working", TIMEOUT);
                    Thread.sleep(random.nextInt(150));
                }
            } finally {
                child.kill();
            }
            String context = "round " + round + ", seed " + seed;
            if (Files.notExists(file)) {
                continue; // killed before its creation was published: nothing to check
            }
            try (Counters c = Counters.open(file)) { // validates the index and every record
                Set<String> names = new HashSet<>();
                for (Counter counter : c.counters()) {
                    assertTrue(wellFormed.matcher(counter.name()).matches(), context + ": " + counter.name());
                    assertTrue(names.add(counter.name()), context + ": twice: " + counter.name());
                    long value = counter.get();
                    Long before = last.put(counter.name(), value);
                    assertTrue(before == null || value >= before, context + ": " + counter.name() + " went from "
                            + before + " to " + value);
                }
                assertTrue(names.containsAll(last.keySet()), context + ": a name vanished");
            }
        }
        assertTrue(last.size() > 10, "the children got some work done before being killed: " + last.size());
    }

    /** Opens (creating) the file and, until killed, creates random names from a pool of 400 and increments them. */
    public static final class Crasher {
        public static void main(String[] args) throws Exception {
            Random random = new Random(Long.parseLong(args[1]));
            try (Counters c = Counters.open(Path.of(args[0]))) {
                System.out.println("working");
                while (true) {
                    c.counter("crash." + random.nextInt(400)).incrementAndGet();
                }
            }
        }
    }
}
