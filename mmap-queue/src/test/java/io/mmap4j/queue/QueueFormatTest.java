package io.mmap4j.queue;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.MMap;
import io.mmap4j.testkit.Python;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bytes of docs/queue-format.md: its test vectors, and a Python reader written from it alone. */
class QueueFormatTest {
    @TempDir
    Path dir;

    @Test
    void aNewQueueWithOneRecordIsTheDocumentsTestVector() throws IOException {
        Path path = dir.resolve("vector");
        try (MappedQueue q = MappedQueue.open(path, 128, Duration.ofSeconds(1), 0x1122334455667788L)) {
            assertTrue(q.offer("hi".getBytes(UTF_8)));
        }
        byte[] file = Files.readAllBytes(path);
        assertEquals(4224, file.length);
        HexFormat hex = HexFormat.ofDelimiter(" ");
        assertEquals("4d 4d 41 50 34 4a 51 55 03 00 00 00 10 00 00 00 08 00 00 00 00 00 00 00 00 ca 9a 3b 00 00 00 00"
                + " 00 10 00 00 00 00 00 00 80 10 00 00 00 00 00 00 88 77 66 55 44 33 22 11 62 5a c2 7c 00 00 00 00",
                hex.formatHex(file, 0, 64));
        assertEquals("00 00 00 00 00 00 00 00", hex.formatHex(file, 128, 136));
        assertEquals("02 00 00 00 00 00 00 00", hex.formatHex(file, 256, 264));
        // seq(0, committed) = 9, XORed with the key; length 2; CRC32C; then the record's bytes
        assertEquals("81 77 66 55 44 33 22 11 02 00 00 00 c2 d9 9d f5 68 69", hex.formatHex(file, 4096, 4114));
        // the boot id of the host that created the file (here, this one)
        assertArrayEquals(Durability.bootId(), Arrays.copyOfRange(file, 464, 480));
        byte[] rest = Arrays.copyOfRange(file, 64, 4096);
        rest[256 - 64] = 0; // the tail, 2
        Arrays.fill(rest, 464 - 64, 480 - 64, (byte) 0); // the boot id; every other header byte is zero
        assertArrayEquals(new byte[rest.length], rest);
        assertArrayEquals(new byte[4224 - 4114], Arrays.copyOfRange(file, 4114, 4224));
    }

    @Test
    void aPythonReaderWrittenFromTheDocumentListsWhatJavaIterates() throws Exception {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        Path path = dir.resolve("python.queue");
        List<String> expected = new ArrayList<>();
        try (MappedQueue q = MappedQueue.open(path, 2048, Duration.ofMillis(20));
             MMap raw = MMap.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (int i = 0; i < 300; i++) { // many laps of 128 cells: padding, wrap-around
                byte[] r = new byte[random.nextInt(400)];
                random.nextBytes(r);
                if (!q.offer(r)) {
                    q.poll();
                }
            }
            // an abandoned claim in the middle: a producer that died, passed by a consumer
            long tail = raw.getLongVolatile(QueueFormat.F_TAIL);
            raw.compareAndSetLong(QueueFormat.F_TAIL, tail, tail + 2);
            while (q.poll(100, TimeUnit.MILLISECONDS) != null) {
                // drain through the dead claim
            }
            assertEquals(1, q.stats().abandonedClaims());
            for (int i = 0; i < 12; i++) {
                q.offer(("record " + i).getBytes(UTF_8));
            }
            tail = raw.getLongVolatile(QueueFormat.F_TAIL);
            raw.compareAndSetLong(QueueFormat.F_TAIL, tail, tail + 1); // a claim still being written
            q.offer(new byte[0]);
            q.poll();
            MappedQueue.Stats s = q.stats();
            expected.add("cells 128");
            expected.add("head " + s.head() / 16);
            expected.add("tail " + s.tail() / 16);
            long position = s.head() / 16;
            long key = raw.getLong(QueueFormat.F_SEQ_KEY);
            for (byte[] r : q) {
                // the walk finds each record's position as the reader does
                while (true) {
                    long seq = key ^ raw.getLongAcquire(QueueFormat.DATA_OFFSET + 16 * (position % 128));
                    if (QueueFormat.seqPosition(seq) == position && QueueFormat.seqState(seq) == QueueFormat.COMMITTED) {
                        break;
                    }
                    position++;
                }
                expected.add("record " + position + " " + r.length + " " + HexFormat.of().formatHex(r));
                position += QueueFormat.cellsFor(r.length);
            }
        }
        try (MMap raw = MMap.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // as a single producer and a single consumer killed without closing leave them: the tail
            // word's bit 62 and the head word's bit 61 set
            raw.putLong(QueueFormat.F_TAIL, raw.getLong(QueueFormat.F_TAIL) | QueueFormat.TAIL_SINGLE);
            raw.putLong(QueueFormat.F_HEAD, raw.getLong(QueueFormat.F_HEAD) | QueueFormat.HEAD_SINGLE);
        }
        Path script = Path.of(QueueFormatTest.class.getResource("read_queue.py").toURI());
        assertEquals(expected, Python.run(Duration.ofSeconds(60), script, path.toString()), "seed " + seed);
        assertTrue(expected.size() > 10);
    }
}
