package io.mmap4j.counters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmap4j.MMap;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Races for a name cost no capacity: the record of the loser is given up ({@code FREE}) and taken
 * again once every id has been handed out. Before, a spare id went back only if it was the last one
 * claimed, so 300 rounds of this race made 600 names cost about 650 ids, and a file of capacity 600
 * was full before its 600th name.
 */
class IdRaceTest {
    private static final int ROUNDS = 300;

    @TempDir
    Path dir;

    /**
     * Each round opens the file, two threads create the same new name while a third creates
     * another, and closes it: 600 names, in a file of capacity 600.
     */
    @Test
    void namesRacedForFillAFileToItsCapacity() throws Exception {
        Path path = dir.resolve("raced.counters");
        CountersLayout layout = CountersLayout.DEFAULT.withCapacity(2 * ROUNDS);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                try (Counters counters = Counters.open(path, layout)) {
                    CyclicBarrier start = new CyclicBarrier(3);
                    List<Future<Integer>> ids = new ArrayList<>();
                    for (String name : List.of("same." + round, "same." + round, "other." + round)) {
                        ids.add(pool.submit(() -> {
                            start.await();
                            return counters.counter(name).incrementAndGet() > 0 ? counters.counter(name).id() : -1;
                        }));
                    }
                    assertEquals(ids.get(0).get(), ids.get(1).get(), "the racers for one name get one counter");
                    ids.get(2).get();
                }
            }
        } finally {
            pool.shutdownNow();
        }
        try (Counters counters = Counters.open(path)) {
            assertEquals(2 * ROUNDS, counters.counters().size());
            for (int round = 0; round < ROUNDS; round++) {
                assertEquals(2, counters.counter("same." + round).get(), "both racers added to the one counter");
                assertEquals(1, counters.counter("other." + round).get());
            }
        }
        assertEquals(0, freeRecords(path, layout), "every record given up was taken again");
    }

    /**
     * A creator that finds no record free while another creator holds one waits for it: here the
     * holder loses its race and gives the record up, and the waiter takes it.
     */
    @Test
    void aCreatorOnAFullFileWaitsForARecordGivenUp() throws Exception {
        withTheLastRecordHeld("given-up.counters", (counters, other, held) -> {
            CompletableFuture<Integer> b = CompletableFuture.supplyAsync(() -> counters.counter("b").id());
            Thread.sleep(50);
            assertFalse(b.isDone(), "waits while another creator holds the last record");
            other.free(held);
            assertEquals(held, b.get(10, TimeUnit.SECONDS));
        });
    }

    /** The waiter's own name may be what the holder publishes: the waiter then takes that counter. */
    @Test
    void aCreatorOnAFullFileTakesItsNameIfTheHolderPublishesIt() throws Exception {
        withTheLastRecordHeld("published.counters", (counters, other, held) -> {
            CompletableFuture<Integer> b = CompletableFuture.supplyAsync(() -> counters.counter("b").id());
            Thread.sleep(50);
            byte[] name = "b".getBytes(StandardCharsets.UTF_8);
            other.write(held, name, Names.hash(name));
            assertEquals(held, other.publish(name, Names.hash(name), held));
            assertEquals(held, b.get(10, TimeUnit.SECONDS));
            assertEquals(List.of("a", "b"), counters.counters().stream().map(Counter::name).toList());
        });
    }

    /** A record a crashed creator left in flight is waited for only a moment; then the file is full. */
    @Test
    void aRecordLeftInFlightByACrashMakesTheFileFullAfterAMoment() throws Exception {
        withTheLastRecordHeld("leaked.counters", (counters, other, held) -> {
            IllegalStateException full = assertThrows(IllegalStateException.class, () -> counters.counter("b"));
            assertEquals("counters file " + counters.path() + " is full: all 2 counters of its capacity are taken"
                    + " (a file's capacity is fixed when it is created)", full.getMessage());
        });
    }

    /** What a test does with a full file whose last record another creator holds. */
    private interface HeldRecordTest {
        void run(Counters counters, CounterTable other, int held) throws Exception;
    }

    /**
     * Runs {@code test} on a file of capacity 2 holding counter "a", whose other record a second
     * creator ({@code other}, over its own mapping) has claimed and not yet published.
     */
    private void withTheLastRecordHeld(String file, HeldRecordTest test) throws Exception {
        Path path = dir.resolve(file);
        CountersLayout layout = CountersLayout.DEFAULT.withCapacity(2);
        try (Counters counters = Counters.open(path, layout);
                MMap raw = MMap.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            counters.counter("a");
            CounterTable other = new CounterTable(raw, CountersFormat.of(layout), path);
            test.run(counters, other, other.claim());
        }
    }

    private static int freeRecords(Path path, CountersLayout layout) throws Exception {
        CountersFormat format = CountersFormat.of(layout);
        int free = 0;
        try (MMap raw = MMap.open(path)) {
            for (int id = 0; id < layout.capacity(); id++) {
                long state = format.recordOffset(id) + CountersFormat.NameRecord.STATE.offset();
                if (raw.getIntVolatile(state) == CountersFormat.NameRecord.FREE) {
                    free++;
                }
            }
        }
        return free;
    }
}
