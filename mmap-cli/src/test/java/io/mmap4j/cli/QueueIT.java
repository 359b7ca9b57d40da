package io.mmap4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.cli.Run.Frame;
import io.mmap4j.queue.CorruptQueueException;
import io.mmap4j.queue.MappedQueue;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

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
        Map<String, String> figures = new LinkedHashMap<>();
        figures.put("records", Long.toString(stats.records()));
        figures.put("bytes used", Long.toString(stats.bytesUsed()));
        figures.put("capacity", Long.toString(stats.capacity()));
        figures.put("head", Long.toString(stats.head()));
        figures.put("tail", Long.toString(stats.tail()));
        figures.put("abandoned claims", Long.toString(stats.abandonedClaims()));
        figures.put("corrupt records", Long.toString(stats.corruptRecords()));
        figures.put("max record bytes", Long.toString(stats.maxRecordBytes()));
        figures.put("unblock timeout ms", Long.toString(stats.unblockTimeout().toMillis()));
        figures.put("file bytes", Long.toString(stats.fileBytes()));
        return figures;
    }

    /** Offers records of 1 to 200 bytes and polls them, keeping about 100 queued, until killed. */
    public static final class Writer {
        public static void main(String[] args) throws Exception {
            try (MappedQueue queue = MappedQueue.open(Path.of(args[0]), CAPACITY)) {
                System.out.println("writing");
                for (int i = 0; ; i++) {
                    if (!queue.offer(new byte[1 + i % 200]) || queue.size() > 100) {
                        queue.poll();
                    }
                    if (i % 64 == 0) {
                        Thread.sleep(1);
                    }
                }
            }
        }
    }

    @Override
    Class<?> writer() {
        return Writer.class;
    }

    /** The head and the tail move on from sample to sample, at a rate above zero. */
    @Override
    void assertFollowed(List<Frame> frames) {
        for (int i = 1; i < frames.size(); i++) {
            Map<String, String> before = frames.get(i - 1).figures();
            Map<String, String> now = frames.get(i).figures();
            assertTrue(Long.parseLong(now.get("tail")) > Long.parseLong(before.get("tail")), frames::toString);
            assertTrue(Long.parseLong(now.get("head")) > Long.parseLong(before.get("head")), frames::toString);
            assertTrue(Double.parseDouble(now.get("tail rate").replace("/s", "")) > 0, frames::toString);
            long head = Long.parseLong(now.get("head"));
            long tail = Long.parseLong(now.get("tail"));
            assertTrue(head <= tail && tail - head <= CAPACITY, frames::toString);
        }
    }

    @Override
    List<?> libraryProblems(Path file) throws IOException {
        return MappedQueue.verify(file);
    }

    @Override
    String openFailure(Path file) {
        try {
            MappedQueue.stats(file);
            return null;
        } catch (IOException e) {
            assertTrue(e instanceof CorruptQueueException, e::toString);
            return e.getMessage();
        }
    }

    @Override
    List<Damage> damages() {
        return List.of(
                new Damage("a record's byte flipped", file -> rewrite(file, b -> {
                    long record = b.getLong(40) + 4 * 64; // the fourth record, the first not polled, in cell 4
                    b.put((int) record + 1, (byte) 0x5A);
                }), ": record checksum is "),
                new Damage("a sequence word's state", file -> rewrite(file, b -> {
                    int entry = 4096 + 16 * 4;
                    b.putLong(entry, b.getLong(entry) | 7);
                }), "at byte offset " + (4096 + 16 * 4) + ": sequence word state is 7, expected 1 (committed), 2 (padding)"
                        + " or 3 (abandoned)"),
                new Damage("the tail past the ring", file -> rewrite(file, b -> b.putLong(256, 1 << 30)),
                        "at byte offset 256: tail is " + (1 << 30)),
                new Damage("version 2", file -> rewrite(file, b -> b.putInt(8, 2)), "at byte offset 8: format version is 2, expected 1"),
                new Damage("truncated", file -> {
                    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                        channel.truncate(channel.size() - 64);
                    }
                }, ": file length is " + (86_016 - 64) + " bytes, expected 86016 bytes"));
    }

    private static void rewrite(Path file, Consumer<ByteBuffer> change) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        change.accept(b);
        Files.write(file, b.array());
    }
}
