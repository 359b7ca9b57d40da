package io.mmap4j.counters;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.MMap;
import io.mmap4j.testkit.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
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
    private static final int CRASH_ROUNDS = 24;
    /**
     * Steps a crasher can do: the kill comes within the first eighth of them, and rarely more than
     * a few hundred steps later.
     */
    private static final int CRASH_STEPS = 4000;
    /** Room for every step of every round; short names keep the file small. */
    private static final CountersLayout CRASH_LAYOUT = new CountersLayout(CRASH_ROUNDS * CRASH_STEPS, 32, 64);
    private static final Pattern CRASH_NAME = Pattern.compile("crash\\.(\\d+)\\.(\\d+)");
    /** The exit code of a JVM killed by SIGKILL. */
    private static final int KILLED = 128 + 9;

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
            // Every creator that lost a race for a name gave its record back: once the allocated count
            // reaches the capacity, new names take those records, so the file still holds exactly as
            // many names as its capacity (how many races were lost depends on the JVMs' timing).
            long lostRaces = Headers.allocated(file) - (SHARED + JVMS * OWN);
            try (Counters c = Counters.open(file)) {
                int capacity = CountersLayout.DEFAULT.capacity();
                for (int i = SHARED + JVMS * OWN; i < capacity; i++) {
                    c.counter("fill." + i);
                }
                IllegalStateException full = assertThrows(IllegalStateException.class, () -> c.counter("one too many"));
                assertTrue(full.getMessage().contains("is full"), full.getMessage());
                assertEquals(capacity, c.counters().size(), lostRaces + " records of lost races, all reused");
            }
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
     * A child JVM is killed at random moments while it creates names and increments them, 24 times,
     * some while it creates the file itself. Each round's child creates new names, one per step, and
     * acknowledges each step; so after every kill the file must open, hold no name twice or
     * half-written, keep every earlier round's values, and hold exactly what the acknowledged steps
     * did, plus at most the one step under way. Over the run, at least one kill must have landed
     * inside a name's creation (an id claimed but never published), the case the format is built
     * for: about half of them do, as a step is mostly the creation of its name.
     */
    @Test
    void aJvmKilledAtRandomMomentsNeverLeavesABrokenFile() throws Exception {
        Path file = dir.resolve("crash.counters");
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Map<String, Long> settled = new HashMap<>(); // every name and value after the last round
        long lost = 0; // ids claimed but never published, so far
        int killsInCreation = 0;
        for (int round = 0; round < CRASH_ROUNDS; round++) {
            String context = "round " + round + ", seed " + seed;
            int acknowledged = killAtRandom(file, dir.resolve("acks." + round), round, random, context);
            if (Files.notExists(file)) {
                assertEquals(0, acknowledged, context + ": steps done, but no file");
                continue; // killed before the new file was linked into place
            }
            try (Counters c = Counters.open(file)) { // validates the index and every record it names
                Map<Integer, Long> steps = roundSteps(c, round, settled, context);
                assertStepsDone(steps, acknowledged, context);
                long allocated = Headers.allocated(file);
                long unpublished = allocated - settled.size();
                if (unpublished != lost) {
                    // Killed while creating the name of the step under way: the last id claimed.
                    assertEquals(lost + 1, unpublished, context + ": ids claimed but unpublished; a kill costs one at most");
                    assertFalse(steps.containsKey(acknowledged), context + ": the name being created exists");
                    assertThrows(NoSuchElementException.class, () -> c.counter((int) allocated - 1), context);
                    killsInCreation++;
                    lost = unpublished;
                }
            }
        }
        assertTrue(killsInCreation > 0, "no kill of " + CRASH_ROUNDS + " landed while a name was created, seed " + seed);
    }

    /**
     * Lists the file's counters, checks that each name is there once and well-formed and that every
     * earlier round's name kept its value, and records them all in {@code settled}; returns this
     * round's values by step.
     */
    private static Map<Integer, Long> roundSteps(Counters c, int round, Map<String, Long> settled, String context) {
        Map<Integer, Long> steps = new TreeMap<>();
        Set<String> names = new HashSet<>();
        for (Counter counter : c.counters()) {
            String name = counter.name();
            assertTrue(names.add(name), context + ": twice: " + name);
            Matcher m = CRASH_NAME.matcher(name);
            assertTrue(m.matches(), context + ": half-written name " + name);
            if (Integer.parseInt(m.group(1)) == round) {
                steps.put(Integer.valueOf(m.group(2)), counter.get());
            } else {
                assertEquals(settled.get(name), counter.get(), context + ": " + name + " changed");
            }
        }
        assertTrue(names.containsAll(settled.keySet()), context + ": a name vanished");
        steps.forEach((step, value) -> settled.put(crashName(round, step), value));
        return steps;
    }

    /**
     * Starts a crasher for this round and kills it: in a quarter of the rounds at a random moment
     * from its start (some while it creates the file), else right after a random step; returns how
     * many steps it acknowledged.
     */
    private static int killAtRandom(Path file, Path acks, int round, Random random, String context) throws Exception {
        try (MMap done = MMap.open(acks, Long.BYTES, READ, WRITE, CREATE_NEW)) {
            ChildJvm child = ChildJvm.start(Crasher.class, file.toString(), acks.toString(), String.valueOf(round));
            try {
                if (round % 4 == 0) {
                    Thread.sleep(random.nextInt(700));
                } else {
                    awaitStep(child, done, 1 + random.nextInt(CRASH_STEPS / 8), context);
                }
            } finally {
                child.kill();
            }
            child.awaitExit(TIMEOUT, KILLED);
            return (int) done.getLongVolatile(0);
        }
    }

    /** Spins (a step takes microseconds) until the child has acknowledged {@code steps} steps. */
    private static void awaitStep(ChildJvm child, MMap done, int steps, String context) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (done.getLongAcquire(0) < steps) {
            assertTrue(child.isAlive(), () -> context + ": the crasher died: " + child.output());
            assertTrue(System.nanoTime() < deadline, context + ": the crasher did not get to step " + steps);
            Thread.onSpinWait();
        }
    }

    /**
     * Checks a round's names and values (by step) against its acknowledged steps: every one of them
     * done exactly, and the next one not begun, half done or done.
     */
    private static void assertStepsDone(Map<Integer, Long> steps, int acknowledged, String context) {
        for (int n = 0; n < acknowledged; n++) {
            assertTrue(steps.containsKey(n), context + ": step " + n + " was acknowledged, its name is missing");
        }
        steps.forEach((n, value) -> {
            assertTrue(n <= acknowledged, context + ": the name of step " + n + " exists, but only " + acknowledged
                    + " steps were acknowledged");
            long done = incrementsAfter(n, acknowledged);
            long inFlight = incrementsAfter(n, acknowledged + 1);
            assertTrue(value == done || value == inFlight, context + ": the name of step " + n + " is " + value
                    + ", expected " + done + (inFlight == done ? "" : " or " + inFlight));
        });
    }

    /** How many times the first {@code steps} steps increment the name of step {@code n}: steps 2n and 2n + 1 do. */
    private static long incrementsAfter(int n, int steps) {
        return Math.clamp(steps - 2L * n, 0, 2);
    }

    private static String crashName(int round, int step) {
        return "crash." + round + "." + step;
    }

    /**
     * Opens (creating) the file and does numbered steps: step n creates the round's name n and
     * increments name n / 2 (so each name is incremented twice, by later steps); then it stores
     * n + 1 into the acknowledgement file. Afterwards it waits to be killed. A store, not a printed
     * line: a write to a pipe would take most of each step, and few kills would land inside a
     * name's creation.
     */
    public static final class Crasher {
        public static void main(String[] args) throws Exception {
            int round = Integer.parseInt(args[2]);
            try (MMap done = MMap.open(Path.of(args[1]), READ, WRITE);
                 Counters c = Counters.open(Path.of(args[0]), CRASH_LAYOUT)) {
                List<Counter> created = new ArrayList<>();
                for (int n = 0; n < CRASH_STEPS; n++) {
                    created.add(c.counter(crashName(round, n)));
                    created.get(n / 2).incrementAndGet();
                    done.putLongRelease(0, n + 1); // after the step's updates, which a reader must see with it
                }
                System.in.read();
            }
        }
    }
}
