package io.mmap4j.content;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many processes on one cache: two JVMs write and read at once (the same shared values and
 * messages racing in both); writers killed with {@code destroyForcibly} mid-write, after which the
 * cache opens and every message whose write returned reads back whole, and verify finds nothing.
 */
class ContentProcessesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"fs", "mapped"})
    void twoJvmsWriteAndReadTheSameCacheAtOnce(String backend) throws Exception {
        Path path = dir.resolve("cache-" + backend);
        int count = 100;
        try (ChildJvm a = ChildJvm.start(ContentChild.class, "write", backend, path.toString(), "A", "" + count, "B");
             ChildJvm b = ChildJvm.start(ContentChild.class, "write", backend, path.toString(), "B", "" + count, "A")) {
            a.awaitLine("READY ", TIMEOUT);
            b.awaitLine("READY ", TIMEOUT);
            try (MessageCache watcher = ContentChild.open(backend, path)) {
                int checks = 0;
                while (a.isAlive() && b.isAlive() && checks < 20) { // verify tolerates live writers: no false problem
                    assertEquals(List.of(), watcher.verify(), "verify while two JVMs write");
                    checks++;
                }
            }
            for (ChildJvm child : List.of(a, b)) {
                assertEquals("WROTE " + count, child.awaitLine("WROTE ", TIMEOUT));
                assertEquals("SAW " + count, child.awaitLine("SAW ", TIMEOUT), "every message of the other writer, whole");
                child.awaitExit(TIMEOUT, 0);
            }
        }
        try (MessageCache cache = ContentChild.open(backend, path)) {
            for (String writer : List.of("A", "B")) {
                for (int i = 0; i < count; i++) {
                    Map<String, Object> expected = ContentChild.message(i, writer);
                    MessageCacheContract.assertSameValue(expected,
                            cache.ensureAllLoaded(cache.read(MessageCache.id(expected)).orElseThrow()));
                }
            }
            MessageCache.Stat stat = cache.stat();
            // each writer's messages; their nested maps, the same in both (no writer in them); the common one; {deep: true/false}
            assertEquals(2 * count + count + 1 + 2, stat.messages(), stat.toString());
            assertEquals(count + 1, stat.lists(), "each nested list, and the common one: " + stat);
            assertEquals(List.of(), cache.verify());
        }
    }

    /**
     * Two JVMs add commitments to one message at once, each with keys of its own: every commitment
     * of both is kept (commitments are links added to a group, never a map rewritten), and the
     * message reads by each committed ID.
     */
    @ParameterizedTest
    @ValueSource(strings = {"fs", "mapped"})
    void twoJvmsAddingCommitmentsToOneMessageAtOnceKeepThemAll(String backend) throws Exception {
        Path path = dir.resolve("commit-" + backend);
        Path go = dir.resolve("go-" + backend);
        int count = 12;
        Set<String> committed = new HashSet<>();
        String[] args = {"commit", backend, path.toString(), "" + count, go.toString()};
        for (List<String> output : runTwoAtOnce(go, args, args)) { // both start signing at once
            output.stream().filter(l -> l.startsWith("COMMITTED ")).forEach(l -> committed.add(l.substring(10)));
        }
        assertEquals(2 * count, committed.size());
        try (MessageCache cache = ContentChild.open(backend, path)) {
            String id = MessageCache.id(ContentChild.SIGNED);
            Map<?, ?> read = (Map<?, ?>) cache.read(id).orElseThrow();
            assertEquals(committed, ((Map<?, ?>) read.get("commitments")).keySet(), "every commitment of both JVMs");
            for (String cid : committed) {
                Map<?, ?> byCommittedId = (Map<?, ?>) cache.read(cid).orElseThrow();
                assertEquals("1.0", byCommittedId.get("release"), "read by " + cid);
                assertEquals(committed, ((Map<?, ?>) byCommittedId.get("commitments")).keySet(), "read by " + cid);
            }
            assertEquals(List.of(), cache.verify());
        }
    }

    /**
     * Two JVMs add names to one group at once, past the names a mapped group holds in its own entry
     * (its overflow slots raced for), each its own names and the same shared ones: the group lists
     * every name, each once.
     */
    @ParameterizedTest
    @ValueSource(strings = {"fs", "mapped"})
    void twoJvmsAddingNamesToOneGroupAtOnceLoseNone(String backend) throws Exception {
        Path path = dir.resolve("names-" + backend);
        Path go = dir.resolve("go-names-" + backend);
        int count = 150;
        runTwoAtOnce(go, new String[] {"names", backend, path.toString(), "A", "" + count, go.toString()},
                new String[] {"names", backend, path.toString(), "B", "" + count, go.toString()});
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < count; i++) {
            expected.addAll(List.of("A-" + i, "B-" + i, "shared-" + i));
        }
        try (MessageCache cache = ContentChild.open(backend, path)) {
            List<String> names = cache.store().list("group");
            assertEquals(expected.size(), names.size(), "each name once");
            assertEquals(expected, new HashSet<>(names));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fs", "mapped"})
    void aWriterKilledMidWriteLeavesEveryReturnedMessageWhole(String backend) throws Exception {
        Path path = dir.resolve("crash-" + backend);
        Random random = new Random(2026_12_01L);
        int next = 0;
        int rounds = 10;
        int killedWithAWriteUnderWay = 0;
        for (int round = 0; round < rounds; round++) {
            int from = next;
            try (ChildJvm writer = ChildJvm.start(ContentChild.class, "crash", backend, path.toString(), "W", "" + from)) {
                writer.awaitLine("WROTE ", TIMEOUT); // under way: then killed at a random moment
                Thread.sleep(random.nextInt(300));
                writer.kill();
                writer.awaitExit(TIMEOUT, 137); // 128 + SIGKILL; and every line it printed is read
                List<String> wrote = writer.output().stream().filter(l -> l.startsWith("WROTE ")).toList();
                int last = wrote.isEmpty() ? from - 1 : Integer.parseInt(wrote.getLast().substring(6));
                try (MessageCache cache = ContentChild.open(backend, path)) {
                    for (int i = 0; i <= last; i++) { // every round's messages, not only this one's
                        Map<String, Object> expected = ContentChild.message(i, "W");
                        Object read = cache.read(MessageCache.id(expected)).orElseThrow(
                                () -> new AssertionError("a message whose write returned is missing"));
                        MessageCacheContract.assertSameValue(expected, cache.ensureAllLoaded(read));
                    }
                    // the message being written when the kill came: absent or whole, never in between
                    Map<String, Object> interrupted = ContentChild.message(last + 1, "W");
                    var partial = cache.read(MessageCache.id(interrupted));
                    if (partial.isPresent()) {
                        MessageCacheContract.assertSameValue(interrupted, cache.ensureAllLoaded(partial.get()));
                    } else if (cache.store().type(MessageCache.id(interrupted)) != Store.Type.ABSENT) {
                        killedWithAWriteUnderWay++; // its group was begun: invisible, as it must be
                    }
                    assertEquals(List.of(), cache.verify(), "round " + round);
                }
                next = last + 1;
            }
        }
        assertTrue(next >= rounds, "the writers wrote " + next + " messages in " + rounds + " rounds");
        System.out.println(backend + ": " + next + " messages in " + rounds + " rounds; " + killedWithAWriteUnderWay
                + " kills fell inside a message's write");
    }

    /**
     * Starts two {@link ContentChild}ren with these arguments, lets them go at once (creates
     * {@code go}) when both are ready, and returns each one's output once it has exited with 0.
     */
    private static List<List<String>> runTwoAtOnce(Path go, String[] first, String[] second) throws Exception {
        try (ChildJvm a = ChildJvm.start(ContentChild.class, first);
             ChildJvm b = ChildJvm.start(ContentChild.class, second)) {
            a.awaitLine("READY ", TIMEOUT);
            b.awaitLine("READY ", TIMEOUT);
            Files.createFile(go);
            for (ChildJvm child : List.of(a, b)) {
                child.awaitLine("DONE", TIMEOUT);
                child.awaitExit(TIMEOUT, 0);
            }
            return List.of(a.output(), b.output());
        }
    }
}
