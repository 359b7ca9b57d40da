package io.mmap4j.counters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.MMap;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CountersTest {
    @TempDir
    Path dir;

    @Test
    void replaysEmmapsReadmeSequenceOnCounterZero() throws Exception {
        Path path = dir.resolve("mem.counters");
        try (Counters c = Counters.open(path)) {
            c.counter("events"); // a new file's first counter has id 0
            long n1 = c.counter(0).getAndIncrement();
            long n2 = c.counter(0).getAndAdd(5);
            long n3 = c.counter(0).getAndIncrement();
            long n4 = c.counter(0).getAndAdd(2);
            long n5 = c.counter(0).getAndSet(15);
            long n6 = c.counter(0).get();
            assertArrayEquals(new long[] {0, 1, 6, 7, 9, 15}, new long[] {n1, n2, n3, n4, n5, n6});
        }
    }

    @Test
    void counterMirrorsAtomicLong() throws Exception {
        try (Counters c = Counters.open(dir.resolve("a.counters"))) {
            Counter x = c.counter("x");
            assertEquals(0, x.get());
            assertEquals(1, x.incrementAndGet());
            assertEquals(1, x.getAndIncrement());
            assertEquals(2, x.get());
            assertEquals(1, x.decrementAndGet());
            assertEquals(1, x.getAndDecrement());
            assertEquals(0, x.get());
            assertEquals(10, x.addAndGet(10));
            assertEquals(10, x.getAndAdd(-3));
            assertEquals(7, x.getAndSet(-42));
            assertFalse(x.compareAndSet(7, 1));
            assertEquals(-42, x.get());
            assertTrue(x.compareAndSet(-42, Long.MAX_VALUE));
            assertEquals(Long.MIN_VALUE, x.incrementAndGet(), "wraps around as AtomicLong does");
            x.set(5);
            assertEquals(5, x.get());
            assertEquals("x", x.name());
            assertEquals(0, x.id());
            assertEquals("x=5", x.toString());
        }
    }

    @Test
    void idsRunFromZeroInCreationOrderAndLookupsReturnTheSameCounter() throws Exception {
        try (Counters c = Counters.open(dir.resolve("ids.counters"))) {
            Counter a = c.counter("a");
            Counter b = c.counter("b");
            Counter d = c.counter("ü.ñ.€.😀");
            assertEquals(List.of(0, 1, 2), List.of(a.id(), b.id(), d.id()));
            assertSame(a, c.counter("a"));
            assertSame(b, c.counter(1));
            assertSame(d, c.find("ü.ñ.€.😀").orElseThrow());
            assertEquals(Optional.empty(), c.find("missing"));
            assertEquals(List.of(a, b, d), c.counters());
            List<String> seen = new ArrayList<>();
            c.forEach(counter -> seen.add(counter.name()));
            assertEquals(List.of("a", "b", "ü.ñ.€.😀"), seen);
            a.set(3);
            d.set(-1);
            assertEquals(List.of(Map.entry("a", 3L), Map.entry("b", 0L), Map.entry("ü.ñ.€.😀", -1L)),
                    List.copyOf(c.snapshot().entrySet()));
        }
    }

    @Test
    void byIdChecksTheRangeAndThatTheIdIsPublished() throws Exception {
        try (Counters c = Counters.open(dir.resolve("byid.counters"), CountersLayout.DEFAULT.withCapacity(8))) {
            c.counter("only");
            assertEquals("counter id 8 is outside 0 to 7, the ids of " + c.path(),
                    assertThrows(IndexOutOfBoundsException.class, () -> c.counter(8)).getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> c.counter(-1));
            assertEquals("no counter has id 1 in " + c.path(),
                    assertThrows(NoSuchElementException.class, () -> c.counter(1)).getMessage());
        }
    }

    /** Records a process claimed and wrote but never indexed (it died, or lost a race) are no counters. */
    @Test
    void recordsTheIndexDoesNotNameAreNoCounters() throws Exception {
        Path path = dir.resolve("orphans.counters");
        try (Counters c = Counters.open(path)) {
            c.counter("a");
            try (MMap raw = MMap.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                CounterTable table = new CounterTable(raw, CountersFormat.of(c.layout()), path);
                for (String name : new String[] {"b", "a"}) { // a new name, and one that exists already
                    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
                    table.write(table.claim(), bytes, Names.hash(bytes));
                }
            }
            assertThrows(NoSuchElementException.class, () -> c.counter(1));
            assertThrows(NoSuchElementException.class, () -> c.counter(2));
            assertEquals(Optional.empty(), c.find("b"));
            assertEquals(List.of("a"), c.counters().stream().map(Counter::name).toList());
            assertEquals(3, c.counter("b").id(), "ids 1 and 2 are lost, as after a crash");
        }
        try (Counters c = Counters.open(path)) {
            assertEquals(Map.of("a", 0L, "b", 0L), c.snapshot());
        }
    }

    @Test
    void valuesAndNamesPersistAcrossCloseAndReopen() throws Exception {
        Path path = dir.resolve("persist.counters");
        try (Counters c = Counters.open(path, CountersLayout.DEFAULT.withCapacity(100).withMaxNameBytes(50))) {
            for (int i = 0; i < 100; i++) {
                c.counter("n" + i).addAndGet(i * 1000L);
            }
            c.force();
        }
        try (Counters c = Counters.open(path)) { // the file's layout wins over the default
            assertEquals(new CountersLayout(100, 50, 128), c.layout());
            assertEquals(100, c.counters().size());
            for (int i = 0; i < 100; i++) {
                Counter n = c.counter(i);
                assertEquals("n" + i, n.name());
                assertEquals(i * 1000L, n.get());
            }
        }
    }

    @Test
    void aFullFileNamesItsCapacityAndStillServesItsCounters() throws Exception {
        try (Counters c = Counters.open(dir.resolve("full.counters"), CountersLayout.DEFAULT.withCapacity(3))) {
            c.counter("a");
            c.counter("b");
            c.counter("c");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.counter("d"));
            assertEquals("counters file " + c.path() + " is full: all 3 counters of its capacity are taken"
                    + " (a file's capacity is fixed when it is created)", e.getMessage());
            assertEquals(1, c.counter("c").incrementAndGet());
            assertEquals(Optional.empty(), c.find("d"));
        }
    }

    @Test
    void aNameLongerThanTheLimitIsRefusedNeverCut() throws Exception {
        try (Counters c = Counters.open(dir.resolve("names.counters"), CountersLayout.DEFAULT.withMaxNameBytes(10))) {
            assertEquals("0123456789", c.counter("0123456789").name());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.counter("0123456789a"));
            assertEquals("counter name \"0123456789a\" is 11 UTF-8 bytes long, more than the limit of 10 bytes of "
                    + c.path() + " (set by CountersLayout.maxNameBytes when the file was created)", e.getMessage());
            // 4 chars, 12 UTF-8 bytes: the limit is in bytes
            assertThrows(IllegalArgumentException.class, () -> c.counter("€€€€"));
            assertThrows(IllegalArgumentException.class, () -> c.find("€€€€"));
            assertEquals(1, c.counters().size());
        }
    }

    @Test
    void badNamesAreRefused() throws Exception {
        try (Counters c = Counters.open(dir.resolve("bad.counters"))) {
            assertEquals("a counter name must not be empty",
                    assertThrows(IllegalArgumentException.class, () -> c.counter("")).getMessage());
            assertEquals("counter name \"a\uD800b\" is not well-formed Unicode (it holds an unpaired surrogate), so it"
                    + " has no UTF-8 form", assertThrows(IllegalArgumentException.class, () -> c.counter("a\uD800b")).getMessage());
            // A lone low surrogate, a high one at the end, a pair in the wrong order: none has a UTF-8 form.
            for (String bad : new String[] {"a\uDC00", "ab\uD83D", "\uDE00\uD83D", "\uD83D\uD83D\uDE00"}) {
                assertThrows(IllegalArgumentException.class, () -> c.counter(bad), bad);
                assertThrows(IllegalArgumentException.class, () -> c.find(bad), bad);
            }
            assertThrows(NullPointerException.class, () -> c.counter((String) null));
            assertThrows(NullPointerException.class, () -> c.find(null));
            assertThrows(NullPointerException.class, () -> c.forEach(null));
            assertEquals(0, c.counters().size());
        }
    }

    @Test
    void layoutArgumentsAreChecked() {
        assertEquals("capacity 0 is outside 1 to 1048576",
                assertThrows(IllegalArgumentException.class, () -> CountersLayout.DEFAULT.withCapacity(0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> CountersLayout.DEFAULT.withCapacity(CountersLayout.MAX_CAPACITY + 1));
        assertEquals("maxNameBytes 4081 is outside 1 to 4080",
                assertThrows(IllegalArgumentException.class, () -> CountersLayout.DEFAULT.withMaxNameBytes(4081)).getMessage());
        assertEquals("valueSlotBytes 96 is not a power of two from 64 to 4096",
                assertThrows(IllegalArgumentException.class, () -> CountersLayout.DEFAULT.withValueSlotBytes(96)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> CountersLayout.DEFAULT.withValueSlotBytes(32));
        assertThrows(NullPointerException.class, () -> Counters.open(dir.resolve("x"), null));
        assertThrows(NullPointerException.class, () -> Counters.open(null));
    }

    @Test
    void everyAccessAfterCloseThrowsIllegalState() throws Exception {
        Counters c = Counters.open(dir.resolve("closed.counters"));
        Counter x = c.counter("x");
        c.close();
        c.close(); // idempotent
        assertFalse(c.isOpen());
        IllegalStateException e = assertThrows(IllegalStateException.class, x::incrementAndGet);
        assertEquals("counter \"x\" (id 0) of " + c.path() + " is closed: its Counters was closed", e.getMessage());
        assertThrows(IllegalStateException.class, x::get);
        assertThrows(IllegalStateException.class, () -> x.set(1));
        assertThrows(IllegalStateException.class, () -> x.compareAndSet(0, 1));
        assertThrows(IllegalStateException.class, () -> x.getAndSet(1));
        assertEquals("x=closed", x.toString());
        assertThrows(IllegalStateException.class, () -> c.counter("x"));
        assertThrows(IllegalStateException.class, () -> c.counter(0));
        assertThrows(IllegalStateException.class, () -> c.find("x"));
        assertThrows(IllegalStateException.class, c::counters);
        assertThrows(IllegalStateException.class, c::snapshot);
        assertThrows(IllegalStateException.class, c::force);
    }

    @Test
    void closeWhileOtherThreadsIncrementNeverCrashes() throws Exception {
        Counters c = Counters.open(dir.resolve("race.counters"));
        Counter x = c.counter("x");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch running = new CountDownLatch(2);
            List<Future<Long>> workers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                workers.add(pool.submit(() -> {
                    running.countDown();
                    long done = 0;
                    try {
                        while (true) {
                            x.incrementAndGet();
                            done++;
                        }
                    } catch (IllegalStateException closed) {
                        return done;
                    }
                }));
            }
            running.await();
            Thread.sleep(50);
            c.close();
            for (Future<Long> worker : workers) {
                assertTrue(worker.get() > 0);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void readOnlyOpenReadsWhatAWriterDoesButChangesNothing() throws Exception {
        Path path = dir.resolve("ro.counters");
        assertThrows(NoSuchFileException.class, () -> Counters.openReadOnly(path));
        try (Counters writer = Counters.open(path);
             Counters reader = Counters.openReadOnly(path)) {
            assertTrue(reader.isReadOnly());
            Counter w = writer.counter("hits");
            w.addAndGet(7);
            Counter r = reader.find("hits").orElseThrow();
            assertEquals(7, r.get());
            w.incrementAndGet();
            assertEquals(8, r.get());
            writer.counter("later");
            assertEquals(List.of("hits", "later"), reader.counters().stream().map(Counter::name).toList());
            ReadOnlyBufferException e = assertThrows(ReadOnlyBufferException.class, r::incrementAndGet);
            assertEquals("counter \"hits\" (id 0) of " + path + " is read-only: the file was opened with openReadOnly",
                    e.getMessage());
            assertThrows(ReadOnlyBufferException.class, () -> r.set(1));
            assertThrows(ReadOnlyBufferException.class, () -> r.compareAndSet(8, 1));
            assertEquals("cannot create counter \"new\": " + path + " was opened read-only",
                    assertThrows(ReadOnlyBufferException.class, () -> reader.counter("new")).getMessage());
            assertSame(r, reader.counter("hits"), "an existing name is found, not created");
            assertEquals(8, w.get());
        }
    }

    @Test
    void aNewFileIsOwnerOnlyAndNoTemporaryFileIsLeft() throws Exception {
        Path path = dir.resolve("perm.counters");
        try (Counters c = Counters.open(path)) {
            c.counter("x");
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(path), files.toList());
        }
        Path shared = dir.resolve("shared.counters"); // rw-r----- passes the usual umasks (022, 027) unchanged
        Counters.open(shared, CountersLayout.DEFAULT,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----"))).close();
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(shared)));
    }

    @Test
    void threadsCreatingTheSameNamesAtOnceGetOneCounterEach() throws Exception {
        Path path = dir.resolve("threads.counters");
        int threads = 4;
        int names = 200;
        int rounds = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (Counters c = Counters.open(path)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                work.add(pool.submit(() -> {
                    start.await();
                    for (int r = 0; r < rounds; r++) {
                        for (int i = 0; i < names; i++) {
                            c.counter("name." + i).incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : work) {
                f.get();
            }
            assertEquals(names, c.counters().size());
            for (Counter counter : c.counters()) {
                assertEquals((long) threads * rounds, counter.get(), counter.name());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
