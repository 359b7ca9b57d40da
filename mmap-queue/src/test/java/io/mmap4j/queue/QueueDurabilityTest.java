package io.mmap4j.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.MMap;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code force()} promises across a power cut, and the recovery that keeps the promise: the
 * first open after a restart (a boot id other than the host's) rebuilds the head and the tail from
 * the ring pages. A power cut is modelled on the bytes of the file: the ring is synced by each
 * force, so each of its 512-byte sectors holds what it held at some moment from the last force on;
 * the header page is synced only every half ring of records, so it holds what it held at some
 * moment from its last sync on. Seeded; prints the seed.
 */
class QueueDurabilityTest {
    private static final int SECTOR = 512;
    private static final int RING = 16 * 1024;
    private static final int MAX_PAYLOAD = 300;
    private static final Duration UNBLOCK = Duration.ofMillis(5);

    @TempDir
    Path dir;

    @Test
    void forceMarksTheTakenRecordsOnTheirOwnPageAndSyncsTheHeaderOnlyEveryHalfRing() throws Exception {
        Path path = dir.resolve("marks");
        try (MappedQueue q = MappedQueue.open(path, 1024);
             MMap raw = MMap.open(path, StandardOpenOption.READ)) {
            long key = raw.getLong(QueueFormat.F_SEQ_KEY);
            assertTrue(q.offer(new byte[20])); // cells 0 to 2
            assertTrue(q.offer(new byte[20])); // cells 3 to 5
            assertNotNull(q.poll());
            assertEquals(QueueFormat.COMMITTED, QueueFormat.seqState(raw.getLong(QueueFormat.DATA_OFFSET) ^ key));
            q.force();
            assertEquals(QueueFormat.seq(0, QueueFormat.TAKEN), raw.getLong(QueueFormat.DATA_OFFSET) ^ key);
            assertEquals(QueueFormat.seq(3, QueueFormat.COMMITTED), raw.getLong(QueueFormat.DATA_OFFSET + 48) ^ key);
            assertEquals(3, raw.getLong(QueueFormat.F_MARKED));
            assertEquals(0, raw.getLong(QueueFormat.F_FORCED_TAIL), "the tail (6) is not half a ring (32) ahead");
            for (int i = 0; i < 10; i++) {
                assertTrue(q.offer(new byte[20]));
            }
            q.force();
            assertEquals(36, raw.getLong(QueueFormat.F_FORCED_TAIL), "the header page was synced at tail 36");
            // a reopen on the same boot changes nothing: no recovery
            byte[] before = Files.readAllBytes(path);
            try (MappedQueue again = MappedQueue.open(path)) {
                assertEquals(11, again.size());
            }
            assertArrayEquals(before, Files.readAllBytes(path));
        }
    }

    @Test
    void theFirstOpenAfterARestartAbandonsDeadClaimsAtOnceAndPassesTakenRecords() throws Exception {
        Path path = dir.resolve("restart");
        try (MappedQueue q = MappedQueue.open(path, 1024, Duration.ofHours(1));
             MMap raw = MMap.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            assertTrue(q.offer(new byte[] {1}));
            assertTrue(q.offer(new byte[] {2}));
            long tail = raw.getLongVolatile(QueueFormat.F_TAIL);
            raw.compareAndSetLong(QueueFormat.F_TAIL, tail, tail + 3); // a producer that claimed and died
            assertTrue(q.offer(new byte[] {3}));
            assertArrayEquals(new byte[] {1}, q.poll());
            q.force();
            // the restart: the disk's header is the one of the last header sync (creation), the ring as
            // forced; a single producer, a single consumer and a conditional poll died with the host,
            // their marks and the lock left in the header
            raw.putLong(QueueFormat.F_HEAD, QueueFormat.HEAD_SINGLE | QueueFormat.HEAD_LOCKED);
            raw.putLong(QueueFormat.F_TAIL, QueueFormat.TAIL_SINGLE);
        }
        restart(path);
        try (MappedQueue q = MappedQueue.open(path, 1024);
             MMap raw = MMap.open(path, StandardOpenOption.READ)) {
            assertEquals(0, raw.getLongVolatile(QueueFormat.F_HEAD) & ~QueueFormat.POSITION_MASK, "recovery cleared the"
                    + " single consumer's mark and the conditional poll's lock");
            assertEquals(0, raw.getLongVolatile(QueueFormat.F_TAIL) & ~QueueFormat.POSITION_MASK, "and the single"
                    + " producer's mark");
            // an unblock timeout of an hour: record 3 comes at once only because recovery abandoned the claim
            assertArrayEquals(new byte[] {2}, q.poll(), "the taken record 1 is passed");
            assertArrayEquals(new byte[] {3}, q.poll());
            assertNull(q.poll());
            assertEquals(0, q.stats().abandonedClaims(), "no consumer had to sweep");
            assertEquals(List.of(), MappedQueue.verify(path));
            assertTrue(q.offer(new byte[] {4}));
            assertArrayEquals(new byte[] {4}, q.poll());
        }
        assertArrayEquals(Durability.bootId(), bootIdOf(path), "the recovery stored this boot's id");
    }

    /** Makes the file's boot id another host's, as if the host had restarted since it was last used. */
    private static void restart(Path path) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.seek(QueueFormat.F_BOOT_ID);
            byte[] other = Durability.bootId();
            other[0] ^= 0x5A;
            f.write(other);
        }
    }

    private static byte[] bootIdOf(Path path) throws IOException {
        return Arrays.copyOfRange(Files.readAllBytes(path), QueueFormat.F_BOOT_ID,
                QueueFormat.F_BOOT_ID + QueueFormat.BOOT_ID_BYTES);
    }

    /**
     * Many rounds of random offers, polls and forces by one producer and consumer, then a power cut
     * modelled on the file's bytes (see the class comment), then the first open after the restart
     * and a drain: every record forced and never taken is delivered exactly once, none taken before
     * the last force is, none is delivered twice or with wrong bytes, in the producer's order; the
     * queue then works on.
     */
    @Test
    void aPowerCutAfterAForceLosesNoForcedRecordAndRedeliversNoneTakenBeforeIt() throws Exception {
        long seed = new Random().nextLong();
        System.out.println("QueueDurabilityTest power cut seed " + seed);
        Random random = new Random(seed);
        long[] totals = new long[3];
        // in memory where there is /dev/shm: the power cut is modelled, the syncs need not reach a disk
        Path shm = Path.of("/dev/shm");
        Path rounds = Files.isDirectory(shm) ? Files.createTempDirectory(shm, "mmap4j-queue-durability-") : dir;
        try {
            for (int round = 0; round < 120; round++) {
                powerCutRound(rounds, random, round, seed, totals);
            }
        } finally {
            if (!rounds.equals(dir)) {
                try (var files = Files.list(rounds)) {
                    for (Path file : files.toList()) {
                        Files.delete(file);
                    }
                }
                Files.delete(rounds);
            }
        }
        System.out.println("QueueDurabilityTest: " + totals[0] + " forced records delivered, " + totals[1]
                + " more delivered (offered or taken after the force), " + totals[2] + " damaged");
        assertTrue(totals[0] > 1000 && totals[1] > 100, "the rounds exercised too little");
    }

    private static void powerCutRound(Path dir, Random random, int round, long seed, long[] totals)
            throws Exception {
        Path path = dir.resolve("cut-" + round);
        List<byte[]> snapshots = new ArrayList<>();
        int lastForce = -1;
        int lastHeaderSync = 0;
        long offered = 0;
        Set<Long> takenBeforeForce = new HashSet<>();
        Set<Long> takenSinceForce = new HashSet<>();
        Set<Long> committedAtForce = new HashSet<>();
        Set<Long> committed = new HashSet<>();
        try (MappedQueue q = MappedQueue.open(path, RING, UNBLOCK);
             MMap raw = MMap.open(path, StandardOpenOption.READ)) {
            snapshots.add(Files.readAllBytes(path)); // creation forced everything
            int ops = 50 + random.nextInt(400);
            int produceBias = 40 + random.nextInt(30);
            for (int op = 0; op < ops; op++) {
                int dice = random.nextInt(100);
                if (dice < 6) {
                    long forcedTail = raw.getLong(QueueFormat.F_FORCED_TAIL);
                    q.force();
                    snapshots.add(Files.readAllBytes(path));
                    lastForce = snapshots.size() - 1;
                    if (raw.getLong(QueueFormat.F_FORCED_TAIL) != forcedTail) {
                        lastHeaderSync = lastForce;
                    }
                    takenBeforeForce.addAll(takenSinceForce);
                    takenSinceForce.clear();
                    committedAtForce.clear();
                    committedAtForce.addAll(committed);
                    committedAtForce.removeAll(takenBeforeForce);
                    continue;
                }
                if (dice < produceBias) {
                    if (q.offer(QueueChild.record(0, offered, MAX_PAYLOAD))) {
                        committed.add(offered++);
                    }
                } else {
                    byte[] r = q.poll();
                    if (r != null) {
                        takenSinceForce.add(QueueChild.seq(r));
                    }
                }
                snapshots.add(Files.readAllBytes(path));
            }
        }
        if (lastForce < 0) {
            return; // nothing was promised
        }
        byte[] disk = powerCut(snapshots, lastForce, lastHeaderSync, random);
        Files.write(path, disk);
        restart(path);
        List<Long> delivered = new ArrayList<>();
        int damaged = 0;
        try (MappedQueue q = MappedQueue.open(path)) {
            while (true) {
                byte[] r;
                try {
                    r = q.poll(20, TimeUnit.MILLISECONDS); // past the unblock timeout of damaged cells
                } catch (UncheckedIOException corrupt) {
                    damaged++;
                    continue;
                }
                if (r == null) {
                    break;
                }
                QueueChild.check(r, MAX_PAYLOAD);
                delivered.add(QueueChild.seq(r));
            }
            assertTrue(q.offer(QueueChild.record(0, 1L << 40, MAX_PAYLOAD)), "the queue works on");
            assertEquals(1L << 40, QueueChild.seq(q.poll()));
        }
        String where = "seed " + seed + " round " + round + ": delivered " + delivered + ", forced and untaken "
                + new TreeSet<>(committedAtForce) + ", taken before the force " + new TreeSet<>(takenBeforeForce);
        assertEquals(delivered.size(), new HashSet<>(delivered).size(), "a record delivered twice; " + where);
        for (int i = 1; i < delivered.size(); i++) {
            assertTrue(delivered.get(i) > delivered.get(i - 1), "out of order; " + where);
        }
        for (long seq : delivered) {
            assertFalse(takenBeforeForce.contains(seq), "record " + seq + " was taken before the force; " + where);
        }
        Set<Long> mustDeliver = new HashSet<>(committedAtForce);
        mustDeliver.removeAll(takenSinceForce); // taken after the force: delivered again or not
        for (long seq : mustDeliver) {
            assertTrue(delivered.contains(seq), "forced record " + seq + " lost (" + damaged + " damaged); " + where);
        }
        totals[0] += mustDeliver.size();
        totals[1] += delivered.size() - mustDeliver.size();
        totals[2] += damaged;
    }

    /**
     * The file a power cut leaves: the header page as at a random moment from its last sync on, and
     * each sector of the ring as at a random moment from the last force on.
     */
    private static byte[] powerCut(List<byte[]> snapshots, int lastForce, int lastHeaderSync, Random random) {
        int last = snapshots.size() - 1;
        byte[] disk = snapshots.get(lastHeaderSync + random.nextInt(last - lastHeaderSync + 1)).clone();
        boolean oneMoment = random.nextInt(4) == 0; // sometimes every sector from one moment
        int moment = lastForce + random.nextInt(last - lastForce + 1);
        for (int at = QueueFormat.PAGE; at < disk.length; at += SECTOR) {
            byte[] from = snapshots.get(oneMoment ? moment : lastForce + random.nextInt(last - lastForce + 1));
            System.arraycopy(from, at, disk, at, SECTOR);
        }
        return disk;
    }
}
