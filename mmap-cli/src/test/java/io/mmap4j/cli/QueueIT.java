package io.mmap4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.cli.Run.Frame;
import io.mmap4j.queue.CorruptQueueException;
import io.mmap4j.queue.MappedQueue;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The queue's fixture for {@link FileTypeContract}: a queue holding records of several lengths,
 * some already consumed; its live case a child JVM that produces and consumes without pause, so
 * that {@code stat --watch} sees the head and the tail move and {@code verify} runs against both.
 */
class QueueIT extends FileTypeContract {
    private static final long CAPACITY = 64 * 1024;

    @Override
    FileType type() {
        return FileType.QUEUE;
    }

    /** Ten records of 1 to 500 bytes offered, three polled: seven left. */
    @Override
    void writeFresh(Path file) throws IOException {
        try (MappedQueue queue = MappedQueue.open(file, CAPACITY)) {
            for (int i = 0; i < 10; i++) {
                byte[] record = new byte[1 + i * 55];
                record[0] = (byte) i;
                assertTrue(queue.offer(record));
            }
            for (int i = 0; i < 3; i++) {
                assertEquals(i, queue.poll()[0]);
            }
        }
    }

    @Override
    Map<String, String> figures(Path file) throws IOException {
        MappedQueue.Stats stats = MappedQueue.stats(file);
        return figures("records", stats.records(), "bytes used", stats.bytesUsed(), "capacity", stats.capacity(),
                "head", stats.head(), "tail", stats.tail(), "abandoned claims", stats.abandonedClaims(),
                "corrupt records", stats.corruptRecords(), "max record bytes", stats.maxRecordBytes(),
                "unblock timeout ms", stats.unblockTimeout().toMillis(), "file bytes", stats.fileBytes());
    }

    /** Offers records of 1 to 200 bytes and polls them, keeping about 100 queued, until killed. */
    public static final class Writer {
        public static void main(String[] args) throws Exception {
            try (MappedQueue queue = MappedQueue.open(Path.of(args[0]), CAPACITY)) {
                untilKilled(64, i -> {
                    if (!queue.offer(new byte[1 + i % 200]) || queue.size() > 100) {
                        queue.poll();
                    }
                });
            }
        }
    }


    /** The head and the tail move on from sample to sample, at a rate above zero. */
    @Override
    void assertFollowed(List<Frame> frames) {
        eachAfterTheFirst(frames, (before, now) -> {
            assertTrue(number(now, "tail") > number(before, "tail"), frames::toString);
            assertTrue(number(now, "head") > number(before, "head"), frames::toString);
            assertTrue(rate(now, "tail") > 0, frames::toString);
            assertTrue(number(now, "head") <= number(now, "tail") && number(now, "tail") - number(now, "head") <= CAPACITY,
                    frames::toString);
        });
    }

    @Override
    List<?> libraryProblems(Path file) throws IOException {
        return MappedQueue.verify(file);
    }

    @Override
    String openFailure(Path file) {
        return refusal(() -> MappedQueue.stats(file), CorruptQueueException.class);
    }

    @Override
    List<Damage> damages() {
        return List.of(
                new Damage("a record's byte flipped", file -> rewrite(file, b -> {
                    // the fourth record, the first not polled: cells 15 to 26 (its 16-byte header, then its bytes)
                    long record = b.getLong(32) + 15 * 16 + 16;
                    b.put((int) record + 1, (byte) 0x5A);
                }), ": record checksum is "),
                new Damage("a sequence word's state", file -> rewrite(file, b -> {
                    int header = 4096 + 16 * 15;
                    b.putLong(header, b.getLong(header) ^ (1 ^ 7)); // stored XORed with the file's key: state 1 becomes 7
                }), "at byte offset " + (4096 + 16 * 15) + ": sequence word state is 7, expected 1 (committed), 2 (padding),"
                        + " 3 (abandoned) or 4 (taken)"),
                new Damage("the tail past the ring", file -> rewrite(file, b -> b.putLong(256, 10_000)),
                        "at byte offset 256: tail is 10000, expected from the head (15) to the head plus the cell count (4111)"),
                version(4, "at byte offset 8: format version is 4, expected 3"),
                new Damage("truncated", file -> truncateBy(file, 64), ": file length is " + (69_632 - 64) + " bytes, expected 69632 bytes"));
    }

}
