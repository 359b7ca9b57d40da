package io.mmap4j.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.testkit.ChildJvm;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many processes at once on one map, and processes killed in the middle of writing it. */
class SharedMapProcessesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void fourJvmsPutDisjointKeysAtOnceAndNoneIsLost() throws Exception {
        int perChild = 3_000;
        List<ChildJvm> children = new ArrayList<>();
        try {
            for (int c = 0; c < 4; c++) {
                children.add(ChildJvm.start(SharedMapChild.class, "put", dir.toString(), "" + c * perChild, "" + perChild));
            }
            for (ChildJvm child : children) {
                child.awaitLine("READY", TIMEOUT);
            }
            // verify, read-only, while four processes write and rewrite: no false problem.
            int verified = 0;
            while (children.stream().anyMatch(ChildJvm::isAlive) || verified == 0) {
                assertEquals(List.of(), SharedMap.verify(dir), "verify during the writes");
                verified++;
            }
            for (ChildJvm child : children) {
                child.awaitLine("DONE", TIMEOUT);
                child.awaitExit(TIMEOUT, 0);
            }
        } finally {
            for (ChildJvm child : children) {
                child.close();
            }
        }
        try (SharedMap map = SharedMap.open(dir)) {
            assertEquals(4 * perChild, map.size());
            for (int i = 0; i < 4 * perChild; i++) {
                assertArrayEquals(SharedMapChild.value("key-" + i), map.get("key-" + i), "key-" + i);
            }
        }
        assertEquals(List.of(), SharedMap.verify(dir));
    }

    @Test
    void fourJvmsIncrementOneKeyThroughMergeToTheExactTotal() throws Exception {
        int times = 2_000;
        List<ChildJvm> children = new ArrayList<>();
        try {
            for (int c = 0; c < 4; c++) {
                children.add(ChildJvm.start(SharedMapChild.class, "increment", dir.toString(), "" + times));
            }
            for (ChildJvm child : children) {
                child.awaitLine("DONE", TIMEOUT);
                child.awaitExit(TIMEOUT, 0);
            }
        } finally {
            for (ChildJvm child : children) {
                child.close();
            }
        }
        try (SharedMap map = SharedMap.open(dir)) {
            assertEquals(4L * times, Codec.int64().decode(MemorySegment.ofArray(map.get("n"))));
        }
    }

    @Test
    void aReaderJvmSeesOnlyWholeValuesWhileAWriterJvmFlipsThem() throws Exception {
        try (ChildJvm writer = ChildJvm.start(SharedMapChild.class, "flip", dir.toString(), "2500")) {
            writer.awaitLine("READY", TIMEOUT);
            try (ChildJvm reader = ChildJvm.start(SharedMapChild.class, "check", dir.toString(), "1500")) {
                String[] line = reader.awaitLine("READS ", TIMEOUT).split(" ");
                reader.awaitExit(TIMEOUT, 0);
                long reads = Long.parseLong(line[1]);
                long big = Long.parseLong(line[5]);
                assertEquals("0", line[3], "torn or foreign reads among " + reads);
                assertTrue(reads > 1000 && big > 0 && big < reads, "the reader saw both values: " + String.join(" ", line));
            }
            String[] line = writer.awaitLine("FLIPS ", TIMEOUT).split(" ");
            writer.awaitExit(TIMEOUT, 0);
            long flips = Long.parseLong(line[1]);
            assertTrue(flips > 100, flips + " flips");
            // The flips compact the map every few puts; most rewrite the file of the generation
            // before last in place, which the reader JVM had mapped moments before.
            assertTrue(Long.parseLong(line[3]) > 10, "rewrites in place: " + String.join(" ", line));
        }
        assertEquals(List.of(), SharedMap.verify(dir));
    }

    /**
     * A reader in another JVM that maps a generation keeps its file from being rewritten in place:
     * the writer's next rewrite makes a new file instead and deletes the old one's name, and the
     * reader reads on; a generation it never mapped is rewritten in place, and so is the one it
     * mapped once it is killed (the kernel drops its locks).
     */
    @Test
    void aGenerationMappedByAnotherJvmIsNotRewrittenInPlace() throws Exception {
        try (SharedMap map = SharedMap.open(dir, SharedMapTest.SMALL)) { // every data region 64 KiB: all reusable
            map.put("k", "one".getBytes(UTF_8));
            map.putAll(List.of(Map.entry("k".getBytes(UTF_8), "two".getBytes(UTF_8)))); // generation 2; 1 is spare
            try (ChildJvm reader = ChildJvm.start(SharedMapChild.class, "hold", dir.toString())) {
                assertEquals("HOLDING two 2", reader.awaitLine("HOLDING ", TIMEOUT));
                map.putAll(List.of(Map.entry("k".getBytes(UTF_8), "three".getBytes(UTF_8)))); // 3: into data.1
                assertEquals(1, map.rewritesInPlace, "nobody maps generation 1");
                map.putAll(List.of(Map.entry("k".getBytes(UTF_8), "four".getBytes(UTF_8)))); // 4: the reader maps 2
                assertEquals(1, map.rewritesInPlace, "the reader JVM maps generation 2: a new file");
                assertTrue(Files.notExists(dir.resolve("data.2")), "its name deleted, its file still mapped");
                reader.send("read");
                assertEquals("READ four 4", reader.awaitLine("READ ", TIMEOUT));
                map.putAll(List.of(Map.entry("k".getBytes(UTF_8), "five".getBytes(UTF_8)))); // 5: into data.3
                assertEquals(2, map.rewritesInPlace, "the reader maps generation 4, never mapped 3");
                reader.kill();
            }
            map.putAll(List.of(Map.entry("k".getBytes(UTF_8), "six".getBytes(UTF_8)))); // 6: into data.4
            assertEquals(3, map.rewritesInPlace, "the killed reader's lock of generation 4 is gone");
            assertArrayEquals("six".getBytes(UTF_8), map.get("k"));
        }
        assertEquals(List.of(), SharedMap.verify(dir));
    }

    /**
     * A child JVM puts, removes and putAlls (values of up to 200 KB, so it grows and compacts
     * often) and is killed with {@code destroyForcibly} at a random moment, 20 rounds on the same
     * map. After each kill the map verifies sound, reopens, and holds exactly the operations that
     * returned (the one in flight applied entirely or not at all); the next writer recovers the lock.
     */
    @Test
    void writersKilledAtRandomMomentsLoseNothingThatReturnedAndTearNothing() throws Exception {
        long seed = new Random().nextLong();
        System.out.println("SharedMapProcessesTest crash seed " + seed);
        Random random = new Random(seed);
        Map<String, byte[]> model = new HashMap<>();
        int rounds = 20;
        int inFlightApplied = 0;
        for (int round = 0; round < rounds; round++) {
            long childSeed = random.nextLong();
            int completed;
            try (ChildJvm child = ChildJvm.start(SharedMapChild.class, "crash", dir.toString(), "" + childSeed)) {
                child.awaitLine("READY", TIMEOUT);
                Thread.sleep(20 + random.nextInt(300));
                child.kill();
                child.awaitExit(TIMEOUT, 137); // and read its output to the end: every OK it printed is in it
                completed = (int) child.output().stream().filter(l -> l.startsWith("OK ")).count();
            }
            Random ops = new Random(childSeed);
            for (int i = 0; i < completed; i++) {
                SharedMapChild.Op.of(ops, i).applyTo(model);
            }
            Map<String, byte[]> withInFlight = new HashMap<>(model);
            SharedMapChild.Op.of(ops, completed).applyTo(withInFlight);

            assertEquals(List.of(), SharedMap.verify(dir), "round " + round + ", seed " + seed);
            Map<String, byte[]> found;
            try (SharedMap map = SharedMap.open(dir)) {
                found = map.getAll(Codec.utf8(), Codec.bytes());
                assertEquals(found.size(), map.size(), "round " + round + ": size after recovery");
            }
            if (sameContents(found, model)) {
                continue;
            }
            assertTrue(sameContents(found, withInFlight), "round " + round + " (seed " + seed + ", " + completed
                    + " operations returned): the map holds neither the returned operations nor those and the one in flight");
            model = withInFlight;
            inFlightApplied++;
        }
        System.out.println("SharedMapProcessesTest: the operation in flight was applied in " + inFlightApplied
                + " of " + rounds + " rounds");
        try (SharedMap map = SharedMap.open(dir)) {
            map.put("after", "all".getBytes(UTF_8)); // the lock is free
            map.putAll(List.of(Map.entry("after".getBytes(UTF_8), "rewritten".getBytes(UTF_8))));
        }
        assertEquals(List.of(), SharedMap.verify(dir));
        try (Stream<Path> files = Files.list(dir)) {
            // The rewrite deleted what the killed writers left (files of generations before the
            // one it replaced), and closing deleted the one it replaced, kept to rewrite into.
            assertEquals(3, files.count(), "stray data files were deleted");
        }
    }

    /**
     * Another process cuts the control file short under a JVM that has the map open, interpreted
     * ({@code -Xint}: there a raw compare-and-set on the cut page is the VM's unguarded native
     * call, and its SIGBUS kills the JVM). The writer lock goes through MMap's guarded
     * compare-and-set, so the put throws {@link InternalError}, as does a get, and the JVM carries
     * on and closes the map.
     */
    @Test
    void aJvmSurvivesItsControlFileCutShortByAnotherProcess() throws Exception {
        try (SharedMap map = SharedMap.open(dir)) {
            map.put("created", "here".getBytes(UTF_8));
        }
        try (ChildJvm child = ChildJvm.start(List.of("-Xint", "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log")),
                SharedMapChild.class, "cut", dir.toString())) {
            child.awaitLine("READY", TIMEOUT);
            try (FileChannel control = FileChannel.open(dir.resolve("map"), StandardOpenOption.WRITE)) {
                control.truncate(0);
            }
            child.send("GO");
            child.awaitExit(TIMEOUT, 0);
            List<String> output = child.output();
            assertTrue(output.contains("put: java.lang.InternalError"), () -> String.join("\n", output));
            assertTrue(output.contains("get: java.lang.InternalError"), () -> String.join("\n", output));
            assertEquals("CLOSED", output.getLast(), () -> String.join("\n", output));
        }
    }

    private static boolean sameContents(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<String, byte[]> entry : a.entrySet()) {
            if (!java.util.Arrays.equals(entry.getValue(), b.get(entry.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
