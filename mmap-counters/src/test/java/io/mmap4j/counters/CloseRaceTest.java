package io.mmap4j.counters;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.MMap;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Counters#close()} against threads creating names in the same {@code Counters}, just after
 * it lost a race for a name: every creator ends with its counter or {@link IllegalStateException},
 * and the file stays sound (no index entry at or above the allocated count, which every later open
 * would report as corrupt). This guarded the spares that close used to give back while creators
 * reused them; a lost record is now given up at once ({@code FREE}, see IdRaceTest), and the test
 * keeps the close race honest.
 *
 * <p>Each round first makes the state that once mattered: a lost race, with the later id. The test
 * races {@code Counters} for a name against a publisher that writes the file directly, as another
 * process would, until {@code Counters} loses with the later id. Then it closes while creators
 * start new names, at a random skew of up to a few microseconds.
 */
class CloseRaceTest {
    private static final int ROUNDS = 200;
    /** Rounds that must get their lost race: about 2 s for all of them here, 30 s at most on a slow machine. */
    private static final int MIN_ROUNDS = 50;
    private static final Duration TIME_LIMIT = Duration.ofSeconds(30);
    /** Races for a name per round before giving up; a round usually needs tens, rarely hundreds. */
    private static final int ATTEMPTS = 2000;
    /** Two creators of new names, racing close. */
    private static final int CREATORS = 2;
    private static final int MAX_SKEW_SPINS = 400;
    private static final CountersLayout LAYOUT = CountersLayout.DEFAULT.withCapacity(4096);

    @TempDir
    Path dir;

    @Test
    void closeWhileThreadsCreateNamesAfterALostRaceLeavesASoundFile() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CREATORS);
        int rounds = 0;
        long deadline = System.nanoTime() + TIME_LIMIT.toNanos();
        try {
            for (int round = 0; round < ROUNDS && System.nanoTime() < deadline; round++) {
                Path path = dir.resolve("close" + round + ".counters");
                Counters counters = afterALostRace(pool, path);
                if (counters != null) {
                    closeWhileCreating(pool, counters);
                    rounds++;
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(rounds >= MIN_ROUNDS, "only " + rounds + " rounds got a lost race");
    }

    /**
     * Races {@code Counters} against a direct publisher for new names until it loses with the later
     * of the two ids, the state in which close used to give its record back; null if it
     * never did.
     */
    private static Counters afterALostRace(ExecutorService pool, Path path) throws Exception {
        Counters counters = Counters.open(path, LAYOUT);
        try (MMap raw = MMap.open(path, READ, WRITE)) {
            CountersFormat format = CountersFormat.of(LAYOUT);
            CounterTable other = new CounterTable(raw, format, path);
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                Counters racer = counters;
                String name = "raced." + attempt;
                byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
                long before = format.allocated(raw, path);
                int[] ids = new int[2]; // the other's claimed id, and the id that holds the name
                atOnce(pool, () -> {
                    ids[0] = other.claim();
                    other.write(ids[0], bytes, Names.hash(bytes));
                    ids[1] = other.publish(bytes, Names.hash(bytes), ids[0]);
                    return null;
                }, List.of(() -> racer.counter(name).id()), 0);
                long after = format.allocated(raw, path);
                boolean lost = after == before + 2 && ids[1] == ids[0];
                if (lost && ids[0] == before) {
                    return counters;
                }
                if (lost) { // lost with the earlier id: start again
                    counters.close();
                    counters = Counters.open(path);
                }
            }
        }
        counters.close();
        return null;
    }

    private static void closeWhileCreating(ExecutorService pool, Counters counters) throws Exception {
        Path path = counters.path();
        List<Callable<Object>> creators = new ArrayList<>();
        for (int c = 0; c < CREATORS; c++) {
            String name = "late." + c;
            creators.add(() -> {
                try {
                    return counters.counter(name).id();
                } catch (IllegalStateException closed) {
                    return closed;
                }
            });
        }
        List<Object> got = atOnce(pool, () -> {
            counters.close();
            return null;
        }, creators, MAX_SKEW_SPINS);

        try (Counters reopened = Counters.open(path)) {
            long allocated = Headers.allocated(path);
            Set<Integer> ids = new HashSet<>();
            for (Counter counter : reopened.counters()) {
                assertTrue(ids.add(counter.id()), "id " + counter.id() + " listed twice");
                assertTrue(counter.id() < allocated, counter + " has id " + counter.id() + ", but "
                        + allocated + " ids are allocated");
            }
            for (int c = 0; c < CREATORS; c++) {
                if (got.get(c) instanceof IllegalStateException closed) {
                    assertEquals("counters file " + path + " is closed", closed.getMessage());
                } else {
                    assertEquals(got.get(c), reopened.find("late." + c).orElseThrow().id(), "late." + c);
                }
            }
        }
    }

    /**
     * Runs {@code here} on this thread and each of {@code there} on a pool thread, all released at
     * the same instant by a flag the pool threads spin on (parking would wake them microseconds
     * apart); each pool thread first spins a random count up to {@code maxSkew}.
     */
    private static List<Object> atOnce(ExecutorService pool, Callable<?> here, List<Callable<Object>> there,
                                       int maxSkew) throws Exception {
        CountDownLatch ready = new CountDownLatch(there.size());
        AtomicBoolean go = new AtomicBoolean();
        List<Future<Object>> futures = new ArrayList<>();
        for (Callable<Object> task : there) {
            int skew = maxSkew == 0 ? 0 : ThreadLocalRandom.current().nextInt(maxSkew);
            futures.add(pool.submit(() -> {
                ready.countDown();
                while (!go.get()) {
                    Thread.onSpinWait();
                }
                for (int i = 0; i < skew; i++) {
                    Thread.onSpinWait();
                }
                return task.call();
            }));
        }
        ready.await();
        go.set(true);
        here.call();
        List<Object> results = new ArrayList<>();
        for (Future<Object> future : futures) {
            results.add(future.get(10, TimeUnit.SECONDS));
        }
        return results;
    }
}
