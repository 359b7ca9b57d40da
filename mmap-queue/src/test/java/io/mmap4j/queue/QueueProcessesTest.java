package io.mmap4j.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.testkit.ChildJvm;
import java.io.DataInputStream;
import java.io.EOFException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Producers and consumers in separate JVMs on one small queue, and verify racing them. */
class QueueProcessesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    static final List<String> LIGHT_JVM = List.of("-XX:TieredStopAtLevel=1", "-Xshare:auto");

    @TempDir
    Path dir;

    @Test
    void twoProducerJvmsAndTwoConsumerJvmsDeliverEveryRecordExactlyOnceInEachProducersOrder() throws Exception {
        Path path = dir.resolve("queue");
        int perProducer = 100_000;
        try (MappedQueue q = MappedQueue.open(path, 16 * 1024)) { // 1024 cells: fills and wraps thousands of times
            Path out1 = dir.resolve("c1");
            Path out2 = dir.resolve("c2");
            try (ChildJvm c1 = ChildJvm.start(QueueChild.class, "consume", path.toString(), out1.toString());
                 ChildJvm c2 = ChildJvm.start(QueueChild.class, "consume", path.toString(), out2.toString());
                 ChildJvm p1 = ChildJvm.start(QueueChild.class, "produce", path.toString(), "1", "" + perProducer, "1");
                 ChildJvm p2 = ChildJvm.start(QueueChild.class, "produce", path.toString(), "2", "" + perProducer, "1")) {
                p1.awaitExit(TIMEOUT, 0);
                p2.awaitExit(TIMEOUT, 0);
                c1.awaitExit(TIMEOUT, 0);
                c2.awaitExit(TIMEOUT, 0);
                long got1 = Long.parseLong(c1.awaitLine("GOT ", TIMEOUT).substring(4));
                long got2 = Long.parseLong(c2.awaitLine("GOT ", TIMEOUT).substring(4));
                assertEquals(2L * perProducer, got1 + got2);
                assertTrue(got1 > 0 && got2 > 0, "both consumers took records: " + got1 + ", " + got2);
            }
            BitSet[] seen = {new BitSet(), new BitSet(), new BitSet()};
            for (Path out : List.of(out1, out2)) {
                try (DataInputStream in = new DataInputStream(Files.newInputStream(out))) {
                    while (true) {
                        long id;
                        try {
                            id = in.readLong();
                        } catch (EOFException end) {
                            break;
                        }
                        long seq = in.readLong();
                        assertTrue(id == 1 || id == 2, "producer id " + id);
                        assertTrue(!seen[(int) id].get((int) seq), "record " + id + "/" + seq + " delivered twice");
                        seen[(int) id].set((int) seq);
                    }
                }
            }
            assertEquals(perProducer, seen[1].cardinality());
            assertEquals(perProducer, seen[2].cardinality());
            assertEquals(perProducer, seen[1].nextClearBit(0));
            assertEquals(perProducer, seen[2].nextClearBit(0));
            assertEquals(0, q.size());
            assertEquals(0, q.stats().abandonedClaims());
            assertEquals(0, q.stats().corruptRecords());
            assertEquals(List.of(), MappedQueue.verify(path));
        }
    }

    /**
     * The lesson of an earlier queue: a verify that reads records while other processes write and
     * consume them must not report their work as damage. Three JVMs churn offers, polls,
     * conditional polls and peeks on a small queue while this one verifies it again and again.
     */
    @Test
    void verifyReportsNothingWhileOtherProcessesProduceAndConsume() throws Exception {
        Path path = dir.resolve("queue");
        try (MappedQueue q = MappedQueue.open(path, 8 * 1024)) {
            List<ChildJvm> churners = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    churners.add(ChildJvm.start(LIGHT_JVM, QueueChild.class, "churn", path.toString(), "" + i, "4"));
                }
                for (ChildJvm c : churners) {
                    c.awaitLine("READY", TIMEOUT);
                }
                int verifies = 0;
                int raced = 0; // verifies during which consumers moved the head
                while (churners.stream().anyMatch(ChildJvm::isAlive)) {
                    long before = q.stats().head();
                    List<MappedQueue.Problem> problems = MappedQueue.verify(path);
                    assertEquals(List.of(), problems, "verify " + verifies + " while churning");
                    verifies++;
                    raced += q.stats().head() != before ? 1 : 0;
                }
                for (ChildJvm c : churners) {
                    c.awaitExit(TIMEOUT, 0);
                    assertTrue(c.awaitLine("CHURNED ", TIMEOUT).length() > 0);
                }
                assertTrue(verifies >= 20, "only " + verifies + " verifies ran");
                assertTrue(raced >= 20, "consumers moved the head during only " + raced + " of " + verifies
                        + " verifies: too few races to prove anything");
            } finally {
                for (ChildJvm c : churners) {
                    c.close();
                }
            }
            assertEquals(List.of(), MappedQueue.verify(path));
            assertEquals(0, q.stats().corruptRecords());
        }
    }
}
