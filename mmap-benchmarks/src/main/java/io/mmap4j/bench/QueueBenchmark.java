package io.mmap4j.bench;

import com.squareup.tape2.QueueFile;
import io.mmap4j.queue.MappedQueue;
import io.mmap4j.queue.QueueOption;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.IoUtil;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Control;

/**
 * Handing 64-byte records from producer threads to a consumer thread through a queue, and making
 * each record durable, against the peers issue 14 names. Every queue is bounded near 64 KiB of
 * records (about a thousand) and lives in {@code /dev/shm} (see {@link TrialFile}), except for
 * the {@code forced} operation, which goes to a disk.
 *
 * <ul>
 * <li>{@code oneToOne}: one producer and one consumer thread (a JMH group). Each operation moves
 *     one record: the producer retries a full queue, the consumer an empty one, both spinning, until
 *     they succeed or the iteration ends. The group's score is the mean of the two threads' times
 *     per record. mmap4j: {@code offer(byte[])} and {@code poll(MemorySegment)} into a reused
 *     buffer; Agrona: {@code OneToOneRingBuffer} over a mapped file, {@code write} and
 *     {@code read} copying into a reused buffer; Chronicle Queue: an appender's
 *     {@code writingDocument} and a tailer's {@code readingDocument} (a log, never full; the
 *     producer stays at most a thousand records ahead, as with the others);
 *     Tape: {@code QueueFile.add} and {@code peek} + {@code remove} (one process, so the
 *     threads share it under a lock); {@code ArrayBlockingQueue}: {@code offer}/{@code poll} in one
 *     JVM, the reference. {@code mmap4jSingleProducer}: mmap4j's queue with its producer's handle
 *     opened with {@code QueueOption.SINGLE_PRODUCER}, which claims with an ordered store, as
 *     Agrona's one-to-one ring does, instead of a compare-and-set. {@code mmap4jOneToOne}: its handle
 *     opened with {@code SINGLE_PRODUCER} and {@code QueueOption.SINGLE_CONSUMER}, the consumer also
 *     taking with an ordered store: a one-to-one ring, Agrona's {@code OneToOneRingBuffer}'s
 *     like-for-like peer. {@code agronaManyToOne}:
 *     Agrona's {@code ManyToOneRingBuffer} with its one producer, which claims with a
 *     compare-and-set as mmap4j's default handle does: that handle's like-for-like peer.</li>
 * <li>{@code oneThread}: one thread offers a record and takes it back, the {@code oneToOne} calls of
 *     each peer: the processor's work per record with no cache line moving between cores, which
 *     {@code oneToOne} adds (and overlaps) and which changes with where the two threads run.</li>
 * <li>{@code manyToOne}: the same with two producer threads; Agrona's {@code ManyToOneRingBuffer}.</li>
 * <li>{@code forced}: one thread offers a record, takes it back and makes the queue durable: mmap4j
 *     {@code offer} + {@code poll} + {@code force()}; {@code fsync}, the floor: a 64-byte
 *     positional write to a file and {@code FileChannel.force(false)}; Tape, whose {@code add} and
 *     {@code remove} each write synchronously.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Baseline({"agrona", "chronicleQueue", "arrayBlockingQueue", "tape", "fsync"})
public class QueueBenchmark {
    static final int RECORD = 64;
    /** Bytes of ring: 1024 records of 64 bytes in mmap4j's cells, 910 in Agrona's 72-byte slots. */
    static final int RING = 64 * 1024;
    /** Records the unbounded or record-counted peers may hold: the same order as the rings. */
    static final int BOUND = 1024;
    /** What every producer offers: the same 64 bytes. */
    static final byte[] PAYLOAD = new byte[RECORD];

    // --- the peers ----------------------------------------------------------------------------------

    /** mmap4j's queue in a trial file. */
    @State(Scope.Group)
    public static class Mmap4jQueue {
        Path dir;
        MappedQueue queue;

        @Setup(Level.Trial)
        public void open() throws IOException {
            PeerFlags.requireNone("MappedQueue");
            dir = TrialFile.createDirectory("queue-mmap4j");
            queue = MappedQueue.open(dir.resolve("bench.queue"), RING, options());
        }

        /** How the trial's handle is opened: as any producer's. */
        OpenOption[] options() {
            return new OpenOption[0];
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            queue.close();
            TrialFile.deleteDirectory(dir);
        }
    }

    /** The same queue, its handle opened with {@link QueueOption#SINGLE_PRODUCER}: the producer claims with a store. */
    @State(Scope.Group)
    public static class Mmap4jSingleProducerQueue extends Mmap4jQueue {
        @Override
        OpenOption[] options() {
            return new OpenOption[] {QueueOption.SINGLE_PRODUCER};
        }
    }

    /**
     * The same queue, its handle opened with {@link QueueOption#SINGLE_PRODUCER} and
     * {@link QueueOption#SINGLE_CONSUMER}: a one-to-one ring, the producer claiming and the consumer
     * taking with a store.
     */
    @State(Scope.Group)
    public static class Mmap4jOneToOneQueue extends Mmap4jQueue {
        @Override
        OpenOption[] options() {
            return new OpenOption[] {QueueOption.SINGLE_PRODUCER, QueueOption.SINGLE_CONSUMER};
        }
    }

    /** A consumer's reused buffer. */
    @State(Scope.Thread)
    public static class Sink {
        final Arena arena = Arena.ofConfined();
        final MemorySegment segment = arena.allocate(RING);
        final byte[] bytes = new byte[RING];

        @TearDown(Level.Trial)
        public void free() {
            arena.close();
        }
    }

    /** An Agrona consumer's reused buffer and the handler that copies into it (Agrona's classes need its flag). */
    @State(Scope.Thread)
    public static class AgronaSink {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[RING]);
        final MessageHandler copy = (type, source, index, length) -> source.getBytes(index, buffer, 0, length);
    }

    /** Agrona's ring buffers over a mapped file of the same ring size. */
    @State(Scope.Group)
    public static class AgronaRing {
        Path dir;
        MappedByteBuffer mapped;
        RingBuffer oneToOne;
        RingBuffer manyToOne;
        final UnsafeBuffer source = new UnsafeBuffer(PAYLOAD);

        @Setup(Level.Trial)
        public void open() throws IOException {
            dir = TrialFile.createDirectory("queue-agrona");
            mapped = IoUtil.mapNewFile(dir.resolve("ring").toFile(), 2L * (RING + RingBufferDescriptor.TRAILER_LENGTH));
            UnsafeBuffer whole = new UnsafeBuffer(mapped);
            int size = RING + RingBufferDescriptor.TRAILER_LENGTH;
            oneToOne = new OneToOneRingBuffer(new UnsafeBuffer(whole, 0, size));
            manyToOne = new ManyToOneRingBuffer(new UnsafeBuffer(whole, size, size));
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            IoUtil.unmap(mapped);
            TrialFile.deleteDirectory(dir);
        }
    }

    /** Chronicle Queue in a trial directory, one appender per producer thread, one tailer. */
    @State(Scope.Group)
    public static class ChronicleLog {
        Path dir;
        ChronicleQueue queue;
        ExcerptTailer tailer;
        /** Appended minus read: the producers keep it under {@link #BOUND}, as a bounded queue would. */
        final java.util.concurrent.atomic.AtomicLong backlog = new java.util.concurrent.atomic.AtomicLong();

        @Setup(Level.Trial)
        public void open() throws IOException {
            dir = TrialFile.createDirectory("queue-chronicle");
            queue = ChronicleQueue.singleBuilder(dir.toFile()).build();
            tailer = queue.createTailer();
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            queue.close();
            TrialFile.deleteDirectory(dir);
        }
    }

    /** A producer thread's Chronicle appender (appenders belong to one thread). */
    @State(Scope.Thread)
    public static class ChronicleAppender {
        ExcerptAppender appender;

        @Setup(Level.Trial)
        public void open(ChronicleLog log) {
            appender = log.queue.createAppender();
        }

        @TearDown(Level.Trial)
        public void close() {
            appender.close();
        }
    }

    /** Tape's QueueFile in a trial file, shared under its lock. */
    @State(Scope.Group)
    public static class TapeFile {
        Path dir;
        QueueFile file;

        @Setup(Level.Trial)
        public void open() throws IOException {
            dir = TrialFile.createDirectory("queue-tape");
            file = new QueueFile.Builder(dir.resolve("tape").toFile()).build();
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            file.close();
            TrialFile.deleteDirectory(dir);
        }
    }

    /** The in-heap reference. */
    @State(Scope.Group)
    public static class HeapQueue {
        final ArrayBlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(BOUND);
    }

    // --- one producer, one consumer ------------------------------------------------------------------

    @Benchmark
    @Group("oneToOne_mmap4j")
    @GroupThreads(1)
    public boolean oneToOne_mmap4j_offer(Mmap4jQueue q, Control control) {
        return offer(q, control);
    }

    @Benchmark
    @Group("oneToOne_mmap4j")
    @GroupThreads(1)
    public int oneToOne_mmap4j_poll(Mmap4jQueue q, Sink sink, Control control) {
        return poll(q, sink, control);
    }

    @Benchmark
    @Group("oneToOne_mmap4jSingleProducer")
    @GroupThreads(1)
    public boolean oneToOne_mmap4jSingleProducer_offer(Mmap4jSingleProducerQueue q, Control control) {
        return offer(q, control);
    }

    @Benchmark
    @Group("oneToOne_mmap4jSingleProducer")
    @GroupThreads(1)
    public int oneToOne_mmap4jSingleProducer_poll(Mmap4jSingleProducerQueue q, Sink sink, Control control) {
        return poll(q, sink, control);
    }

    @Benchmark
    @Group("oneToOne_mmap4jOneToOne")
    @GroupThreads(1)
    public boolean oneToOne_mmap4jOneToOne_offer(Mmap4jOneToOneQueue q, Control control) {
        return offer(q, control);
    }

    @Benchmark
    @Group("oneToOne_mmap4jOneToOne")
    @GroupThreads(1)
    public int oneToOne_mmap4jOneToOne_poll(Mmap4jOneToOneQueue q, Sink sink, Control control) {
        return poll(q, sink, control);
    }

    @Benchmark
    @Group("oneToOne_agrona")
    @GroupThreads(1)
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public boolean oneToOne_agrona_offer(AgronaRing r, Control control) {
        return write(r.oneToOne, r, control);
    }

    @Benchmark
    @Group("oneToOne_agrona")
    @GroupThreads(1)
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public int oneToOne_agrona_poll(AgronaRing r, AgronaSink sink, Control control) {
        return read(r.oneToOne, sink, control);
    }

    @Benchmark
    @Group("oneToOne_agronaManyToOne")
    @GroupThreads(1)
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public boolean oneToOne_agronaManyToOne_offer(AgronaRing r, Control control) {
        return write(r.manyToOne, r, control);
    }

    @Benchmark
    @Group("oneToOne_agronaManyToOne")
    @GroupThreads(1)
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public int oneToOne_agronaManyToOne_poll(AgronaRing r, AgronaSink sink, Control control) {
        return read(r.manyToOne, sink, control);
    }

    @Benchmark
    @Group("oneToOne_chronicleQueue")
    @GroupThreads(1)
    @Fork(jvmArgsAppend = {PeerFlags.CHRONICLE_REFLECT, PeerFlags.CHRONICLE_NIO})
    public boolean oneToOne_chronicleQueue_offer(ChronicleLog log, ChronicleAppender a, Control control) {
        return append(log, a, control);
    }

    @Benchmark
    @Group("oneToOne_chronicleQueue")
    @GroupThreads(1)
    @Fork(jvmArgsAppend = {PeerFlags.CHRONICLE_REFLECT, PeerFlags.CHRONICLE_NIO})
    public long oneToOne_chronicleQueue_poll(ChronicleLog log, Sink sink, Control control) {
        return tail(log, sink, control);
    }

    @Benchmark
    @Group("oneToOne_tape")
    @GroupThreads(1)
    public boolean oneToOne_tape_offer(TapeFile t, Control control) throws IOException {
        return add(t, control);
    }

    @Benchmark
    @Group("oneToOne_tape")
    @GroupThreads(1)
    public byte[] oneToOne_tape_poll(TapeFile t, Control control) throws IOException {
        return remove(t, control);
    }

    @Benchmark
    @Group("oneToOne_arrayBlockingQueue")
    @GroupThreads(1)
    public boolean oneToOne_arrayBlockingQueue_offer(HeapQueue q, Control control) {
        return offer(q, control);
    }

    @Benchmark
    @Group("oneToOne_arrayBlockingQueue")
    @GroupThreads(1)
    public byte[] oneToOne_arrayBlockingQueue_poll(HeapQueue q, Control control) {
        return poll(q, control);
    }

    // --- one thread: the work per record, with no cache line moving between cores ----------------------

    @Benchmark
    @Group("oneThread_mmap4j")
    @GroupThreads(1)
    public int oneThread_mmap4j_offerPoll(Mmap4jQueue q, Sink sink) {
        return handBack(q, sink);
    }

    @Benchmark
    @Group("oneThread_mmap4jSingleProducer")
    @GroupThreads(1)
    public int oneThread_mmap4jSingleProducer_offerPoll(Mmap4jSingleProducerQueue q, Sink sink) {
        return handBack(q, sink);
    }

    @Benchmark
    @Group("oneThread_mmap4jOneToOne")
    @GroupThreads(1)
    public int oneThread_mmap4jOneToOne_offerPoll(Mmap4jOneToOneQueue q, Sink sink) {
        return handBack(q, sink);
    }

    @Benchmark
    @Group("oneThread_agrona")
    @GroupThreads(1)
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public int oneThread_agrona_offerPoll(AgronaRing r, AgronaSink sink) {
        return handBack(r.oneToOne, r, sink);
    }

    @Benchmark
    @Group("oneThread_agronaManyToOne")
    @GroupThreads(1)
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public int oneThread_agronaManyToOne_offerPoll(AgronaRing r, AgronaSink sink) {
        return handBack(r.manyToOne, r, sink);
    }

    // --- two producers, one consumer -----------------------------------------------------------------

    @Benchmark
    @Group("manyToOne_mmap4j")
    @GroupThreads(2)
    public boolean manyToOne_mmap4j_offer(Mmap4jQueue q, Control control) {
        return offer(q, control);
    }

    @Benchmark
    @Group("manyToOne_mmap4j")
    @GroupThreads(1)
    public int manyToOne_mmap4j_poll(Mmap4jQueue q, Sink sink, Control control) {
        return poll(q, sink, control);
    }

    @Benchmark
    @Group("manyToOne_agrona")
    @GroupThreads(2)
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public boolean manyToOne_agrona_offer(AgronaRing r, Control control) {
        return write(r.manyToOne, r, control);
    }

    @Benchmark
    @Group("manyToOne_agrona")
    @GroupThreads(1)
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public int manyToOne_agrona_poll(AgronaRing r, AgronaSink sink, Control control) {
        return read(r.manyToOne, sink, control);
    }

    @Benchmark
    @Group("manyToOne_chronicleQueue")
    @GroupThreads(2)
    @Fork(jvmArgsAppend = {PeerFlags.CHRONICLE_REFLECT, PeerFlags.CHRONICLE_NIO})
    public boolean manyToOne_chronicleQueue_offer(ChronicleLog log, ChronicleAppender a, Control control) {
        return append(log, a, control);
    }

    @Benchmark
    @Group("manyToOne_chronicleQueue")
    @GroupThreads(1)
    @Fork(jvmArgsAppend = {PeerFlags.CHRONICLE_REFLECT, PeerFlags.CHRONICLE_NIO})
    public long manyToOne_chronicleQueue_poll(ChronicleLog log, Sink sink, Control control) {
        return tail(log, sink, control);
    }

    @Benchmark
    @Group("manyToOne_tape")
    @GroupThreads(2)
    public boolean manyToOne_tape_offer(TapeFile t, Control control) throws IOException {
        return add(t, control);
    }

    @Benchmark
    @Group("manyToOne_tape")
    @GroupThreads(1)
    public byte[] manyToOne_tape_poll(TapeFile t, Control control) throws IOException {
        return remove(t, control);
    }

    @Benchmark
    @Group("manyToOne_arrayBlockingQueue")
    @GroupThreads(2)
    public boolean manyToOne_arrayBlockingQueue_offer(HeapQueue q, Control control) {
        return offer(q, control);
    }

    @Benchmark
    @Group("manyToOne_arrayBlockingQueue")
    @GroupThreads(1)
    public byte[] manyToOne_arrayBlockingQueue_poll(HeapQueue q, Control control) {
        return poll(q, control);
    }

    // --- durable: each record forced to the disk ---------------------------------------------------

    /** mmap4j's queue on a disk. */
    @State(Scope.Thread)
    public static class DiskQueue {
        Path dir;
        MappedQueue queue;
        final Arena arena = Arena.ofConfined();
        final MemorySegment sink = arena.allocate(RECORD);

        @Setup(Level.Trial)
        public void open() throws IOException {
            PeerFlags.requireNone("MappedQueue");
            dir = TrialFile.createDiskDirectory("queue-forced-mmap4j");
            queue = MappedQueue.open(dir.resolve("bench.queue"), RING);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            queue.close();
            arena.close();
            TrialFile.deleteDirectory(dir);
        }
    }

    /** A file on a disk, written 64 bytes at a time round a ring of the same size, then forced. */
    @State(Scope.Thread)
    public static class DiskFile {
        Path dir;
        FileChannel channel;
        final ByteBuffer record = ByteBuffer.allocateDirect(RECORD);
        long position;

        @Setup(Level.Trial)
        public void open() throws IOException {
            dir = TrialFile.createDiskDirectory("queue-forced-fsync");
            channel = FileChannel.open(dir.resolve("file"), StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            channel.write(ByteBuffer.allocate(RING), 0);
            channel.force(true);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            channel.close();
            TrialFile.deleteDirectory(dir);
        }
    }

    /** Tape on a disk. */
    @State(Scope.Thread)
    public static class DiskTape {
        Path dir;
        QueueFile file;

        @Setup(Level.Trial)
        public void open() throws IOException {
            dir = TrialFile.createDiskDirectory("queue-forced-tape");
            file = new QueueFile.Builder(dir.resolve("tape").toFile()).build();
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            file.close();
            TrialFile.deleteDirectory(dir);
        }
    }

    @Benchmark
    public int forced_mmap4j(DiskQueue q) throws IOException {
        q.queue.offer(PAYLOAD);
        int length = q.queue.poll(q.sink);
        q.queue.force();
        return length;
    }

    @Benchmark
    public long forced_fsync(DiskFile f) throws IOException {
        f.record.clear();
        f.channel.write(f.record, f.position);
        f.position = (f.position + RECORD) % RING;
        f.channel.force(false);
        return f.position;
    }

    @Benchmark
    public int forced_tape(DiskTape t) throws IOException {
        t.file.add(PAYLOAD);
        t.file.remove();
        return t.file.size();
    }

    // --- the loops, one per kind of peer ---------------------------------------------------------

    private static boolean offer(Mmap4jQueue q, Control control) {
        while (!q.queue.offer(PAYLOAD)) {
            if (control.stopMeasurement) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    private static int handBack(Mmap4jQueue q, Sink sink) {
        q.queue.offer(PAYLOAD);
        return q.queue.poll(sink.segment);
    }

    private static int handBack(RingBuffer ring, AgronaRing r, AgronaSink sink) {
        ring.write(1, r.source, 0, RECORD);
        return ring.read(sink.copy, 1);
    }

    private static int poll(Mmap4jQueue q, Sink sink, Control control) {
        int length;
        while ((length = q.queue.poll(sink.segment)) < 0) {
            if (control.stopMeasurement) {
                return -1;
            }
            Thread.onSpinWait();
        }
        return length;
    }

    private static boolean write(RingBuffer ring, AgronaRing r, Control control) {
        while (!ring.write(1, r.source, 0, RECORD)) {
            if (control.stopMeasurement) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    private static int read(RingBuffer ring, AgronaSink sink, Control control) {
        int read;
        while ((read = ring.read(sink.copy, 1)) == 0) {
            if (control.stopMeasurement) {
                return 0;
            }
            Thread.onSpinWait();
        }
        return read;
    }

    private static boolean append(ChronicleLog log, ChronicleAppender a, Control control) {
        while (log.backlog.get() >= BOUND) {
            if (control.stopMeasurement) {
                return false;
            }
            Thread.onSpinWait();
        }
        try (DocumentContext dc = a.appender.writingDocument()) {
            dc.wire().bytes().write(PAYLOAD);
        }
        log.backlog.incrementAndGet();
        return true;
    }

    private static long tail(ChronicleLog log, Sink sink, Control control) {
        while (true) {
            try (DocumentContext dc = log.tailer.readingDocument()) {
                if (dc.isPresent()) {
                    dc.wire().bytes().read(sink.bytes, 0, RECORD);
                    return log.backlog.decrementAndGet();
                }
            }
            if (control.stopMeasurement) {
                return -1;
            }
            Thread.onSpinWait();
        }
    }

    private static boolean add(TapeFile t, Control control) throws IOException {
        while (true) {
            synchronized (t.file) {
                if (t.file.size() < BOUND) {
                    t.file.add(PAYLOAD);
                    return true;
                }
            }
            if (control.stopMeasurement) {
                return false;
            }
            Thread.onSpinWait();
        }
    }

    private static byte[] remove(TapeFile t, Control control) throws IOException {
        while (true) {
            synchronized (t.file) {
                byte[] record = t.file.peek();
                if (record != null) {
                    t.file.remove();
                    return record;
                }
            }
            if (control.stopMeasurement) {
                return null;
            }
            Thread.onSpinWait();
        }
    }

    private static boolean offer(HeapQueue q, Control control) {
        while (!q.queue.offer(PAYLOAD)) {
            if (control.stopMeasurement) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    private static byte[] poll(HeapQueue q, Control control) {
        byte[] record;
        while ((record = q.queue.poll()) == null) {
            if (control.stopMeasurement) {
                return null;
            }
            Thread.onSpinWait();
        }
        return record;
    }
}
