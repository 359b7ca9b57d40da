package io.mmap4j.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.mmap4j.MMap;
import io.mmap4j.testkit.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Producers and consumers killed with {@code destroyForcibly} at random moments, many rounds: the
 * queue goes on, every record whose offer returned true is delivered exactly once (a killed consumer
 * loses at most the record it was taking, as any consumer or as the single consumer, whose next one
 * opens at once), and no damaged record is ever delivered. Seeded; each test prints its seed.
 */
class QueueCrashTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration UNBLOCK = Duration.ofMillis(50);
    private static final int ROUNDS = 20;

    @TempDir
    Path dir;
    /** This test's seed, printed, and the moments of its kills drawn from it. */
    private long seed;
    private Random random;

    @BeforeEach
    void seed(TestInfo test) {
        seed = new Random().nextLong();
        System.out.println("QueueCrashTest " + test.getDisplayName() + " seed " + seed);
        random = new Random(seed);
    }

    /**
     * Waits until every child says READY, lets them work a random 20 to 170 ms, then kills them all
     * with {@code destroyForcibly}: one round of every kill test.
     */
    private void killAtARandomMoment(ChildJvm... children) throws InterruptedException {
        for (ChildJvm child : children) {
            child.awaitLine("READY", TIMEOUT);
        }
        Thread.sleep(20 + random.nextInt(150));
        for (ChildJvm child : children) {
            child.kill();
        }
    }

    @Test
    void producersKilledMidOfferNeverStopTheQueueNorLoseOrDuplicateACommittedRecord() throws Exception {
        Path path = dir.resolve("queue");
        Path progress = dir.resolve("progress");
        try (MappedQueue q = MappedQueue.open(path, 32 * 1024, UNBLOCK)) {
            ProducerRecords records = ProducerRecords.consume(q);
            for (int round = 0; round < ROUNDS; round++) {
                try (ChildJvm producer = ChildJvm.start(QueueProcessesTest.LIGHT_JVM, QueueChild.class,
                        "produce-forever", path.toString(), "" + round, progress.toString())) {
                    killAtARandomMoment(producer);
                }
            }
            records.drain(UNBLOCK, "");
            records.assertEachAcknowledgedOnce(progress, ROUNDS, "");
            // The queue goes on: a new producer's records all arrive, after whatever claim was abandoned.
            for (int i = 0; i < 1000; i++) {
                assertTrue(q.offer(QueueChild.record(99, i, 2000)));
                byte[] r = q.poll(1, TimeUnit.SECONDS);
                assertEquals(99, QueueChild.id(r));
                assertEquals(i, QueueChild.seq(r));
            }
            assertEquals(0, q.size());
            assertEquals(0, q.stats().corruptRecords());
            assertEquals(List.of(), MappedQueue.verify(path));
            System.out.println("QueueCrashTest producers: " + q.stats());
        }
    }

    @ParameterizedTest(name = "{0} consumer")
    @ValueSource(strings = {"any", "single"})
    void consumersKilledMidPollLoseAtMostTheRecordTheyWereTaking(String mode) throws Exception {
        Path path = dir.resolve("queue");
        try (MappedQueue q = MappedQueue.open(path, 16 * 1024, UNBLOCK)) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong produced = new AtomicLong();
            Thread producer = Thread.ofPlatform().start(() -> {
                try {
                    for (long seq = 0; !stop.get(); ) {
                        if (q.offer(QueueChild.record(7, seq, 500), 5, TimeUnit.MILLISECONDS)) {
                            produced.set(++seq);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            List<Path> logs = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                Path log = dir.resolve("log" + round);
                logs.add(log);
                try (ChildJvm consumer = ChildJvm.start(QueueProcessesTest.LIGHT_JVM, QueueChild.class,
                        "consume-forever", path.toString(), log.toString(), mode)) {
                    killAtARandomMoment(consumer);
                }
            }
            stop.set(true);
            producer.join();
            List<Long> delivered = new ArrayList<>();
            for (Path log : logs) {
                try (MMap m = MMap.open(log, StandardOpenOption.READ)) {
                    long n = m.getLongAcquire(0);
                    long previous = -1;
                    for (long i = 0; i < n; i++) {
                        assertEquals(7, m.getLong(8 + 16 * i));
                        long seq = m.getLong(16 + 16 * i);
                        assertTrue(seq > previous, log + ": " + seq + " after " + previous);
                        previous = seq;
                        delivered.add(seq);
                    }
                }
            }
            for (byte[] r; (r = q.poll(UNBLOCK.toMillis() * 4, TimeUnit.MILLISECONDS)) != null; ) {
                try {
                    QueueChild.check(r, 500);
                } catch (UncheckedIOException e) {
                    fail(e);
                }
                delivered.add(QueueChild.seq(r));
            }
            long total = produced.get();
            boolean[] seen = new boolean[(int) total];
            for (long seq : delivered) {
                assertTrue(seq < total, "record " + seq + " of " + total);
                assertTrue(!seen[(int) seq], "record " + seq + " delivered twice");
                seen[(int) seq] = true;
            }
            long lost = total - delivered.size();
            assertTrue(lost >= 0 && lost <= ROUNDS, lost + " records lost by " + ROUNDS + " killed consumers, of "
                    + total + "; at most one each");
            assertTrue(total > ROUNDS * 10L, "only " + total + " records went through");
            assertEquals(0, q.stats().corruptRecords());
            assertEquals(List.of(), MappedQueue.verify(path));
            System.out.println("QueueCrashTest consumers: " + total + " records, " + lost + " lost by kills");
        }
    }

    /**
     * A creator killed while it makes the queue leaves its temporary file: the next open deletes it
     * once the creator is gone and the file is a minute old, and keeps one whose process is alive
     * (a creation under way) however old.
     */
    @Test
    void aCreatorKilledMidCreateLeavesATemporaryFileThatTheNextOpenDeletes() throws Exception {
        Path path = dir.resolve("created");
        Path live = dir.resolve(".created.queue-" + ProcessHandle.current().pid() + "-0123456789abcdef.tmp");
        Files.createFile(live);
        // three creators racing to create the same queue, all killed at one moment when one is creating
        try (ChildJvm a = ChildJvm.start(QueueChild.class, "create-forever", path.toString());
             ChildJvm b = ChildJvm.start(QueueChild.class, "create-forever", path.toString());
             ChildJvm c = ChildJvm.start(QueueChild.class, "create-forever", path.toString())) {
            killMidCreation(live, a, b, c);
        }
        Files.deleteIfExists(path); // the killed child may have published it, or not
        FileTime twoMinutesAgo = FileTime.from(
                Instant.now().minusSeconds(120));
        for (Path temp : temporaries()) {
            Files.setLastModifiedTime(temp, twoMinutesAgo); // younger ones may be a creation under way
        }
        try (MappedQueue q = MappedQueue.open(path, 4096)) {
            assertTrue(q.offer(new byte[] {7}));
        }
        assertEquals(List.of(live), temporaries(), "seed " + seed + ": the dead creator's file was deleted, the live"
                + " one's kept");
        try (MappedQueue q = MappedQueue.open(path)) {
            assertEquals(7, q.poll()[0]);
        }
    }

    /**
     * Freezes the creators ({@code SIGSTOP}) at random moments until one is frozen between making
     * its temporary file and dropping it, then kills them all: a kill that surely hits a creation,
     * where kills at random moments took 8 to 21 rounds to hit one here, and 40 rounds were not
     * enough on a machine whose file system syncs faster. Linux only: it reads the threads' states
     * in {@code /proc}.
     */
    private void killMidCreation(Path live, ChildJvm... creators) throws Exception {
        for (ChildJvm creator : creators) {
            creator.awaitLine("READY", TIMEOUT);
        }
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        for (int sample = 1; System.nanoTime() < deadline; sample++) {
            Thread.sleep(random.nextInt(5));
            signal("STOP", creators);
            awaitStopped(creators);
            if (temporaries().stream().anyMatch(p -> !p.equals(live))) {
                for (ChildJvm creator : creators) {
                    creator.kill();
                }
                System.out.println("QueueCrashTest: a creator was caught creating at sample " + sample);
                return;
            }
            signal("CONT", creators);
        }
        fail("seed " + seed + ": no creator was caught creating within " + TIMEOUT);
    }

    /** Sends {@code SIG<name>} to the children through the shell's {@code kill} (the JDK sends only TERM and KILL). */
    private static void signal(String name, ChildJvm... children) throws Exception {
        StringBuilder command = new StringBuilder("kill -" + name);
        for (ChildJvm child : children) {
            command.append(' ').append(child.pid());
        }
        Process kill = new ProcessBuilder("sh", "-c", command.toString()).redirectErrorStream(true).start();
        String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, kill.waitFor(), () -> command + ": " + output);
    }

    /** Waits until every thread of the children has stopped: a {@code SIGSTOP} is only sent when {@code kill} returns. */
    private static void awaitStopped(ChildJvm... children) throws IOException {
        for (ChildJvm child : children) {
            while (!allThreadsStopped(child.pid())) {
                assertTrue(child.isAlive(), () -> "a creator ended; output: " + child.output());
                Thread.onSpinWait();
            }
        }
    }

    /** Whether every thread of process {@code pid} is in state T (stopped), by {@code /proc/PID/task/TID/stat}. */
    private static boolean allThreadsStopped(long pid) throws IOException {
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (NoSuchFileException ended) {
                    continue; // a thread that ended (the JVM retires idle compiler threads) runs no more
                }
                if (stat.charAt(stat.lastIndexOf(')') + 2) != 'T') {
                    return false;
                }
            }
        } catch (NoSuchFileException ended) {
            return false; // the process is gone: the caller reports it
        }
        return true;
    }

    private List<Path> temporaries() throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith(".created.queue-")).sorted().toList();
        }
    }
}
