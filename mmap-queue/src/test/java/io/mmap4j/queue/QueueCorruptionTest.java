package io.mmap4j.queue;

import static io.mmap4j.queue.MappedQueueTest.bytes;
import static io.mmap4j.queue.MappedQueueTest.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.MMap;
import io.mmap4j.testkit.ChildJvm;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged files: refused at open with the field named and left as found; damaged records reported, skipped, never delivered. */
class QueueCorruptionTest {
    private static final Duration UNBLOCK = Duration.ofMillis(20);

    @TempDir
    Path dir;

    private Path queueWith(String... records) throws IOException {
        Path path = dir.resolve("q" + System.nanoTime());
        try (MappedQueue q = MappedQueue.open(path, 1024, UNBLOCK)) {
            for (String r : records) {
                assertTrue(q.offer(bytes(r)));
            }
        }
        return path;
    }

    private static void write(Path path, long offset, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        }
    }

    private static byte[] le(long value, int size) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array().length == size
                ? ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array()
                : ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) value).array();
    }

    /** Opening refuses the file with exactly this message, verify lists the same problem, and the file is unchanged. */
    private static void assertRefused(Path path, String message) throws IOException {
        byte[] before = Files.readAllBytes(path);
        CorruptQueueException e = assertThrows(CorruptQueueException.class, () -> MappedQueue.open(path));
        assertEquals(path + ": corrupt queue at byte offset " + message, e.getMessage());
        assertEquals(path, e.file());
        assertThrows(CorruptQueueException.class, () -> MappedQueue.open(path, 1024));
        List<MappedQueue.Problem> problems = MappedQueue.verify(path);
        assertEquals("at byte offset " + message, problems.get(0).toString());
        assertArrayEquals(before, Files.readAllBytes(path), "the file was changed");
    }

    @Test
    void aWrongMagicVersionOrHeaderFieldIsRefusedNamingIt() throws IOException {
        Path magic = queueWith("a");
        write(magic, 0, "NOTAQUEU".getBytes());
        assertRefused(magic, "0: magic is 0x5545555141544F4E, expected 0x55514A3450414D4D (ASCII MMAP4JQU)");

        Path version = queueWith("a");
        write(version, 8, le(1, 4));
        assertRefused(version, "8: format version is 1, expected 3 (format 1 was written by an earlier mmap4j; drain"
                + " the queue with that release, then create it anew)");
        Path two = queueWith("a");
        write(two, 8, le(2, 4));
        assertRefused(two, "8: format version is 2, expected 3 (format 2 was written by an earlier mmap4j; drain"
                + " the queue with that release, then create it anew)");
        Path later = queueWith("a");
        write(later, 8, le(4, 4));
        assertRefused(later, "8: format version is 4, expected 3");

        Path cells = queueWith("a");
        write(cells, 16, le(17, 8));
        assertRefused(cells, "56: header checksum is 0x" + Integer.toHexString(crcOfHeader(cells, false)).toUpperCase()
                + ", expected 0x" + Integer.toHexString(crcOfHeader(cells, true)).toUpperCase()
                + " (CRC32C of bytes 0 to 55)");
    }

    private static int crcOfHeader(Path path, boolean computed) throws IOException {
        byte[] b = Files.readAllBytes(path);
        if (!computed) {
            return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(56);
        }
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b, 0, 56);
        return (int) crc.getValue();
    }

    @Test
    void aTruncatedOrEmptyFileIsRefused() throws IOException {
        Path path = queueWith("a", "b");
        long size = Files.size(path);
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(size - 100);
        }
        assertRefused(path, (size - 100) + ": file length is " + (size - 100) + " bytes, expected " + size
                + " bytes, as the header's cell count gives (the file is truncated)");
        Path empty = dir.resolve("empty");
        Files.createFile(empty);
        assertRefused(empty, "0: file length is 0 bytes, expected at least the 4096-byte header page");
        // open(Path, capacity) does not create over an existing empty file either
        assertThrows(CorruptQueueException.class, () -> MappedQueue.open(empty, 1024));
        assertEquals(0, Files.size(empty));
    }

    /**
     * The file cut short after verify mapped it, as another process may: its reads of the records
     * past the new end fault (the JVM's SIGBUS, which a CRC32C over the mapping would not survive),
     * and verify reports one problem at the new end instead of dying or throwing.
     */
    @Test
    void aFileCutShortUnderVerifyIsOneProblemNotACrash() throws IOException {
        Path path = dir.resolve("cut");
        try (MappedQueue q = MappedQueue.open(path, 64 * 1024)) {
            for (int i = 0; q.offer(new byte[1000]); i++) {
                assertTrue(i < 64, "the queue never filled");
            }
        }
        long size = Files.size(path);
        try (MMap map = MMap.open(path, StandardOpenOption.READ)) {
            assertEquals(List.of(), MappedQueue.verify(map, path));
            try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
                f.setLength(2 * 4096 + 100); // the header page and the first records stay
            }
            assertEquals(List.of("at byte offset " + (2 * 4096 + 100) + ": file length is " + (2 * 4096 + 100)
                    + " bytes, cut short by another process while being checked, expected " + size
                    + " bytes, as when the check began"), MappedQueue.verify(map, path).stream().map(String::valueOf).toList());
        }
        assertRefused(path, (2 * 4096 + 100) + ": file length is " + (2 * 4096 + 100) + " bytes, expected " + size
                + " bytes, as the header's cell count gives (the file is truncated)");
    }

    /**
     * The file cut short after stats mapped it: counting the records faults past the new end, and
     * stats reports a {@link CorruptQueueException} naming both lengths, not the JVM's
     * {@link InternalError}.
     */
    @Test
    void aFileCutShortUnderStatsIsACorruptQueueExceptionNotAnInternalError() throws IOException {
        Path path = fullOfKilobyteRecords("cut-stats");
        long size = Files.size(path);
        try (MMap map = MMap.open(path, StandardOpenOption.READ)) {
            assertEquals(64, MappedQueue.stats(map, path).records());
            cut(path, 2 * 4096 + 100);
            CorruptQueueException e = assertThrows(CorruptQueueException.class, () -> MappedQueue.stats(map, path));
            assertEquals(path + ": corrupt queue at byte offset " + (2 * 4096 + 100) + ": file length is "
                    + (2 * 4096 + 100) + " bytes, cut short by another process while it was mapped, expected " + size
                    + " bytes, as when it was opened", e.getMessage());
            assertInstanceOf(InternalError.class, e.getCause());
        }
    }

    /**
     * Another process cuts the file under a consumer whose conditional poll is about to check a
     * record: the checksum goes through a guarded copy, so the consumer's JVM gets an exception
     * naming the cut and lives on, where the JDK's CRC32C over the mapping killed it (SIGBUS).
     */
    @Test
    void aFileCutUnderAConditionalPollIsAnExceptionNotAJvmCrash() throws Exception {
        Path path = dir.resolve("cut-poll");
        try (MappedQueue q = MappedQueue.open(path, 256 * 1024)) {
            assertTrue(q.offer(new byte[100_000])); // pages 1 to 25
        }
        long size = Files.size(path);
        try (ChildJvm child = ChildJvm.start(QueueChild.class, "poll-with", path.toString())) {
            child.awaitLine("READY", Duration.ofSeconds(30));
            cut(path, 3 * 4096);
            child.send("GO");
            assertEquals("RESULT THREW java.io.UncheckedIOException: io.mmap4j.queue.CorruptQueueException: " + path + ": corrupt queue at byte offset " + 3 * 4096
                    + ": file length is " + 3 * 4096 + " bytes, cut short by another process while it was mapped,"
                    + " expected " + size + " bytes, as when it was opened", child.awaitLine("RESULT", Duration.ofSeconds(30)));
            child.awaitExit(Duration.ofSeconds(30), 0);
        }
    }

    private Path fullOfKilobyteRecords(String name) throws IOException {
        Path path = dir.resolve(name);
        try (MappedQueue q = MappedQueue.open(path, 64 * 1024)) {
            for (int i = 0; q.offer(new byte[1000]); i++) {
                assertTrue(i < 64, "the queue never filled");
            }
        }
        return path;
    }

    private static void cut(Path path, long length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(length);
        }
    }

    @Test
    void aTailOutsideTheRingIsRefused() throws IOException {
        Path path = queueWith("a");
        write(path, QueueFormat.F_TAIL, le(100, 8));
        assertRefused(path, "256: tail is 100, expected from the head (0) to the head plus the cell count (64)");
    }

    @Test
    void everySingleByteChangeOfTheHeaderFieldsIsRefused() throws IOException {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        Path original = queueWith("a", "b");
        for (int i = 0; i < 60; i++) {
            Path copy = dir.resolve("fuzz" + i);
            Files.copy(original, copy);
            int offset = random.nextInt(60); // creation-time fields and their checksum; 60..127 are reserved
            byte[] b = new byte[1];
            b[0] = (byte) (Files.readAllBytes(original)[offset] ^ (1 + random.nextInt(255)));
            write(copy, offset, b);
            int at = offset;
            assertThrows(CorruptQueueException.class, () -> MappedQueue.open(copy),
                    () -> "seed " + seed + ": a change of byte " + at + " was accepted");
            assertTrue(!MappedQueue.verify(copy).isEmpty());
        }
    }

    @Test
    void aRecordWhoseBytesChangedIsReportedOnceSkippedAndNeverDelivered() throws Exception {
        Path path = queueWith("first", "second", "third"); // at positions 0, 2 and 4: a header cell and one of bytes
        long data = QueueFormat.DATA_OFFSET + 2 * 16 + QueueFormat.HEADER_BYTES;
        write(path, data + 2, new byte[] {'X'}); // "seXond"
        List<MappedQueue.Problem> problems = MappedQueue.verify(path);
        assertEquals(1, problems.size());
        assertEquals(data, problems.get(0).offset());
        assertEquals("record checksum", problems.get(0).field());
        try (MappedQueue q = MappedQueue.open(path)) {
            assertEquals("first", text(q.poll()));
            UncheckedIOException e = assertThrows(UncheckedIOException.class, q::peek);
            assertInstanceOf(CorruptQueueException.class, e.getCause());
            e = assertThrows(UncheckedIOException.class, q::poll);
            CorruptQueueException c = (CorruptQueueException) e.getCause();
            assertEquals(data, c.offset());
            assertEquals("record checksum", c.field());
            assertTrue(c.getMessage().contains("of the record at position 2"), c.getMessage());
            assertEquals("third", text(q.poll()));
            assertNull(q.poll());
            assertEquals(1, q.stats().corruptRecords());
        }
        assertEquals(List.of(), MappedQueue.verify(path)); // the damaged record has been consumed
    }

    @Test
    void aRecordWhoseLengthIsImpossibleIsSkippedAndItsCellsUnblocked() throws Exception {
        Path path = queueWith("first", "x".repeat(150), "third"); // the second takes cells 2 to 12
        long entry = QueueFormat.DATA_OFFSET + 2 * 16 + QueueFormat.E_LENGTH;
        write(path, entry, le(5000, 4));
        assertEquals("at byte offset " + entry + ": record length is 5000 bytes, expected 0 to 496 bytes, ending at"
                + " or before the end of the ring", MappedQueue.verify(path).get(0).toString());
        try (MappedQueue q = MappedQueue.open(path)) {
            assertEquals("first", text(q.poll()));
            UncheckedIOException e = assertThrows(UncheckedIOException.class, q::poll);
            assertEquals("record length", ((CorruptQueueException) e.getCause()).field());
            assertEquals("third", text(q.poll(1, TimeUnit.SECONDS)));
            assertEquals(1, q.stats().corruptRecords());
        }
    }

    @Test
    void aHeaderInAnUnknownStateIsListedByVerifyAndSkippedByConsumers() throws Exception {
        Path path = queueWith("a", "b", "c"); // at positions 0, 2 and 4
        long key = java.nio.ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN)
                .getLong(QueueFormat.F_SEQ_KEY);
        write(path, QueueFormat.DATA_OFFSET + 2 * 16, le(QueueFormat.seq(2, 5) ^ key, 8));
        List<String> problems = MappedQueue.verify(path).stream().map(MappedQueue.Problem::toString).toList();
        assertEquals(List.of("at byte offset 4128: sequence word state is 5, expected 1 (committed), 2 (padding), 3"
                + " (abandoned) or 4 (taken)"), problems);
        try (MappedQueue q = MappedQueue.open(path)) {
            assertEquals("a", text(q.poll()));
            UncheckedIOException e = assertThrows(UncheckedIOException.class, q::poll);
            assertEquals("sequence word state", ((CorruptQueueException) e.getCause()).field());
            assertEquals("c", text(q.poll(1, TimeUnit.SECONDS))); // after the record's other cell is unblocked
            assertEquals(1, q.stats().corruptRecords());
        }
    }

    @Test
    void randomDamageToTheRingNeverDeliversAWrongRecordNorOneTwice() throws Exception {
        long seed = new Random().nextLong();
        System.out.println("QueueCorruptionTest fuzz seed " + seed);
        Random random = new Random(seed);
        Set<String> originals = new HashSet<>();
        List<String> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String r = i + ":" + "y".repeat(random.nextInt(60));
            records.add(r);
            originals.add(r);
        }
        for (int round = 0; round < 30; round++) {
            Path path = queueWith(records.toArray(String[]::new));
            long from = QueueFormat.DATA_OFFSET;
            long to = Files.size(path);
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                long offset = from + (long) (random.nextDouble() * (to - from));
                write(path, offset, new byte[] {(byte) random.nextInt(256)});
            }
            Set<String> delivered = new HashSet<>();
            try (MappedQueue q = MappedQueue.open(path)) {
                for (int polls = 0; polls < 100; polls++) {
                    try {
                        byte[] r = q.poll(UNBLOCK.toMillis() * 3, TimeUnit.MILLISECONDS);
                        if (r == null) {
                            break;
                        }
                        String s = text(r);
                        assertTrue(originals.contains(s), "seed " + seed + ": delivered a damaged record " + s);
                        assertTrue(delivered.add(s), "seed " + seed + ": delivered twice: " + s);
                    } catch (UncheckedIOException e) {
                        assertInstanceOf(CorruptQueueException.class, e.getCause());
                    }
                }
            } catch (CorruptQueueException refused) {
                // damage to the head or tail words: refused at open, which is fine
            }
        }
    }
}
