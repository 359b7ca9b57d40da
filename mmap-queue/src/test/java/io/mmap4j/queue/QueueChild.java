package io.mmap4j.queue;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import io.mmap4j.MMap;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The child processes of the queue's tests. A record is {@code producer id (8) | sequence (8) |
 * payload}, its payload's length and bytes derived from the two, so that any process can check a
 * record it receives. Modes:
 * <ul>
 * <li>{@code produce PATH ID COUNT ENDS}: puts records 0 to COUNT-1, then ENDS end markers;</li>
 * <li>{@code consume PATH OUT}: takes records until an end marker, checks each one's bytes and
 *     that each producer's sequence numbers rise, and writes (id, sequence) pairs to OUT;</li>
 * <li>{@code produce-forever PATH ID PROGRESS [single]}: says READY and its process id, offers records 0, 1, 2, ... until killed,
 *     storing the count of offers that returned true in PROGRESS at ID * 8 after each (release);
 *     with {@code single}, through a handle opened with {@link QueueOption#SINGLE_PRODUCER};</li>
 * <li>{@code consume-forever PATH LOG any|single}: polls records until killed; after each one it
 *     writes its (id, sequence) to LOG at 8 + 16 * n, then the count n + 1 at 0 (release); with
 *     {@code single}, through a handle opened with {@link QueueOption#SINGLE_CONSUMER};</li>
 * <li>{@code churn PATH ID SECONDS}: offers and polls records for SECONDS, with a conditional poll and
 *     a peek every 64 records and a force every 2048;</li>
 * <li>{@code create-forever PATH}: creates the queue, closes and deletes it, again and again until
 *     killed.</li>
 * <li>{@code poll-with PATH}: opens the queue, says READY, waits for a line on its input, then
 *     makes one {@link MappedQueue#pollWith} and prints what came of it: {@code RESULT POLLED n} or
 *     {@code RESULT THREW class: message}.</li>
 * </ul>
 */
public final class QueueChild {
    static final long END = -1;

    private QueueChild() {
    }

    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[1]);
        switch (args[0]) {
            case "produce" -> produce(path, Long.parseLong(args[2]), Long.parseLong(args[3]), Integer.parseInt(args[4]));
            case "consume" -> consume(path, Path.of(args[2]));
            case "produce-forever" -> produceForever(path, Integer.parseInt(args[2]), Path.of(args[3]),
                    args.length > 4 && args[4].equals("single"));
            case "consume-forever" -> consumeForever(path, Path.of(args[2]), args[3].equals("single"));
            case "churn" -> churn(path, Integer.parseInt(args[2]), Long.parseLong(args[3]));
            case "create-forever" -> createForever(path);
            case "poll-with" -> pollWithOnCue(path);
            default -> throw new IllegalArgumentException(Arrays.toString(args));
        }
    }

    /** The record of producer {@code id} with sequence number {@code seq}. */
    static byte[] record(long id, long seq, int maxPayload) {
        long mix = (id * 0x9E3779B97F4A7C15L) ^ (seq * 0xC2B2AE3D27D4EB4FL);
        mix ^= mix >>> 29;
        int payload = (int) Long.remainderUnsigned(mix, maxPayload + 1);
        ByteBuffer b = ByteBuffer.allocate(16 + payload).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(id).putLong(seq);
        for (int i = 0; i < payload; i++) {
            b.put((byte) (mix >>> (i % 8 * 8) ^ i));
        }
        return b.array();
    }

    static long id(byte[] record) {
        return ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    static long seq(byte[] record) {
        return ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN).getLong(8);
    }

    /** Throws unless {@code record} is exactly what {@link #record} makes for its id and sequence. */
    static void check(byte[] record, int maxPayload) {
        byte[] expected = record(id(record), seq(record), maxPayload);
        if (!Arrays.equals(expected, record)) {
            throw new AssertionError("record " + id(record) + "/" + seq(record) + " has wrong bytes");
        }
    }

    static final int MAX_PAYLOAD = 200;

    private static void createForever(Path path) throws Exception {
        System.out.println("READY");
        while (true) {
            try (MappedQueue q = MappedQueue.open(path, 1 << 20)) {
                q.offer(new byte[] {1});
            }
            Files.deleteIfExists(path); // another creator may have deleted it first
        }
    }

    private static void produce(Path path, long id, long count, int ends) throws Exception {
        try (MappedQueue q = MappedQueue.open(path)) {
            System.out.println("READY");
            for (long seq = 0; seq < count; seq++) {
                q.put(record(id, seq, MAX_PAYLOAD));
            }
            for (int i = 0; i < ends; i++) {
                q.put(record(id, END, 0));
            }
        }
        System.out.println("DONE");
    }

    private static void consume(Path path, Path out) throws Exception {
        Map<Long, Long> last = new HashMap<>();
        long got = 0;
        try (MappedQueue q = MappedQueue.open(path);
             DataOutputStream log = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(out), 1 << 16))) {
            System.out.println("READY");
            while (true) {
                byte[] r = q.take();
                long id = id(r);
                long seq = seq(r);
                if (seq == END) {
                    break;
                }
                check(r, MAX_PAYLOAD);
                Long previous = last.put(id, seq);
                if (previous != null && previous >= seq) {
                    throw new AssertionError("producer " + id + ": sequence " + seq + " after " + previous);
                }
                log.writeLong(id);
                log.writeLong(seq);
                got++;
            }
        }
        System.out.println("GOT " + got);
    }

    private static void produceForever(Path path, int id, Path progress, boolean single) throws Exception {
        try (MappedQueue q = single ? MappedQueue.open(path, QueueOption.SINGLE_PRODUCER) : MappedQueue.open(path);
             MMap acks = MMap.open(progress, 4096, CREATE, READ, WRITE)) {
            System.out.println("READY " + ProcessHandle.current().pid());
            for (long seq = 0; ; ) {
                if (q.offer(record(id, seq, 2000))) {
                    seq++;
                    acks.putLongRelease(id * 8L, seq);
                } else {
                    Thread.onSpinWait();
                }
            }
        }
    }

    private static void consumeForever(Path path, Path logFile, boolean single) throws Exception {
        try (MappedQueue q = single ? MappedQueue.open(path, QueueOption.SINGLE_CONSUMER) : MappedQueue.open(path);
             MMap log = MMap.open(logFile, 8 + 16L * 1_000_000, CREATE, READ, WRITE)) {
            System.out.println("READY");
            for (long n = log.getLongAcquire(0); ; ) {
                byte[] r = q.poll(10, TimeUnit.MILLISECONDS);
                if (r != null) {
                    log.putLong(8 + 16 * n, id(r));
                    log.putLong(16 + 16 * n, seq(r));
                    log.putLongRelease(0, ++n);
                }
            }
        }
    }

    private static void churn(Path path, int id, long seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long offered = 0;
        long polled = 0;
        try (MappedQueue q = MappedQueue.open(path)) {
            System.out.println("READY");
            for (long seq = 0; System.nanoTime() < end; ) {
                if (q.offer(record(id, seq, 300))) {
                    seq++;
                    offered++;
                }
                byte[] r = q.poll();
                if (r != null) {
                    check(r, 300);
                    polled++;
                }
                if (seq % 64 == 0) {
                    // some conditional polls and peeks too, so that verify races every kind of step
                    q.pollWith(v -> polledView(v));
                    q.peek();
                }
                if (seq % 2048 == 0) {
                    q.force(); // its marks race the other processes' offers and polls
                }
            }
        }
        System.out.println("CHURNED " + offered + " " + polled + " " + List.of(id));
    }

    private static void pollWithOnCue(Path path) throws Exception {
        try (MappedQueue q = MappedQueue.open(path);
             java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in))) {
            System.out.println("READY");
            in.readLine();
            long[] size = {-1};
            try {
                q.pollWith(v -> size[0] = v.byteSize());
                System.out.println("RESULT POLLED " + size[0]);
            } catch (RuntimeException | Error e) {
                System.out.println("RESULT THREW " + e.getClass().getName() + ": " + e.getMessage());
            }
        }
    }

    private static void polledView(java.lang.foreign.MemorySegment v) {
        if (v.byteSize() < 16) {
            throw new AssertionError("record of " + v.byteSize() + " bytes");
        }
    }
}
