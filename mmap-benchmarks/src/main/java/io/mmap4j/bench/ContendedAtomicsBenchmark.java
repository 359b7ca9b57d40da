package io.mmap4j.bench;

import static io.mmap4j.bench.AtomicsBenchmark.LONG;
import static io.mmap4j.bench.AtomicsBenchmark.SLOT;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Two threads on the same slot (the peers' states are shared by the benchmark's threads):
 * get-and-add from both, a compare-and-set increment loop from both, and a volatile writer paired
 * with a volatile reader. The cache line moves between the cores on every operation, so this is
 * mostly the machine's coherence cost; what matters is that no peer adds to it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Baseline("varHandle")
public class ContendedAtomicsBenchmark {
    /** The writer's next value: changing, so the reader sees real updates. */
    private long next;

    // --- get-and-add, two threads -------------------------------------------------------------

    @Benchmark
    @Threads(2)
    public long getAndAdd_varHandle(MMapPeer peer) {
        return (long) LONG.getAndAdd(peer.segment, SLOT, 1L);
    }

    @Benchmark
    @Threads(2)
    public long getAndAdd_mmap4j(MMapPeer peer) {
        return peer.map.getAndAddLong(SLOT, 1);
    }

    @Benchmark
    @Threads(2)
    public long getAndAdd_atomicLong(AtomicLongPeer peer) {
        return peer.value.getAndAdd(1);
    }

    @Benchmark
    @Threads(2)
    public long getAndAdd_byteBuffer(MappedBufferPeer peer) {
        return (long) MappedBufferPeer.LONGS.getAndAdd(peer.buffer, TrialFile.SLOT, 1L);
    }

    @Benchmark
    @Threads(2)
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public long getAndAdd_agrona(AgronaPeer peer) {
        return peer.buffer.getAndAddLong(TrialFile.SLOT, 1);
    }

    @Benchmark
    @Threads(2)
    @Fork(jvmArgsAppend = {PeerFlags.CHRONICLE_REFLECT, PeerFlags.CHRONICLE_NIO})
    public long getAndAdd_chronicle(ChroniclePeer peer) {
        return peer.bytes.addAndGetLong(SLOT, 1);
    }

    // --- compare-and-set increment loop, two threads: read, CAS, retry on interference --------

    @Benchmark
    @Threads(2)
    public long casLoop_varHandle(MMapPeer peer) {
        long seen;
        do {
            seen = (long) LONG.getVolatile(peer.segment, SLOT);
        } while (!LONG.compareAndSet(peer.segment, SLOT, seen, seen + 1));
        return seen;
    }

    @Benchmark
    @Threads(2)
    public long casLoop_mmap4j(MMapPeer peer) {
        long seen;
        do {
            seen = peer.map.getLongVolatile(SLOT);
        } while (!peer.map.compareAndSetLong(SLOT, seen, seen + 1));
        return seen;
    }

    @Benchmark
    @Threads(2)
    public long casLoop_atomicLong(AtomicLongPeer peer) {
        long seen;
        do {
            seen = peer.value.get();
        } while (!peer.value.compareAndSet(seen, seen + 1));
        return seen;
    }

    @Benchmark
    @Threads(2)
    public long casLoop_byteBuffer(MappedBufferPeer peer) {
        long seen;
        do {
            seen = (long) MappedBufferPeer.LONGS.getVolatile(peer.buffer, TrialFile.SLOT);
        } while (!MappedBufferPeer.LONGS.compareAndSet(peer.buffer, TrialFile.SLOT, seen, seen + 1));
        return seen;
    }

    @Benchmark
    @Threads(2)
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public long casLoop_agrona(AgronaPeer peer) {
        long seen;
        do {
            seen = peer.buffer.getLongVolatile(TrialFile.SLOT);
        } while (!peer.buffer.compareAndSetLong(TrialFile.SLOT, seen, seen + 1));
        return seen;
    }

    @Benchmark
    @Threads(2)
    @Fork(jvmArgsAppend = {PeerFlags.CHRONICLE_REFLECT, PeerFlags.CHRONICLE_NIO})
    public long casLoop_chronicle(ChroniclePeer peer) {
        long seen;
        do {
            seen = peer.bytes.readVolatileLong(SLOT);
        } while (!peer.bytes.compareAndSwapLong(SLOT, seen, seen + 1));
        return seen;
    }

    // --- one volatile writer and one volatile reader (JMH groups: the group's score is their mean) --

    @Benchmark
    @Group("volatilePair_varHandle")
    @GroupThreads(1)
    public void volatilePair_varHandle_writer(MMapPeer peer) {
        LONG.setVolatile(peer.segment, SLOT, ++next);
    }

    @Benchmark
    @Group("volatilePair_varHandle")
    @GroupThreads(1)
    public long volatilePair_varHandle_reader(MMapPeer peer) {
        return (long) LONG.getVolatile(peer.segment, SLOT);
    }

    @Benchmark
    @Group("volatilePair_mmap4j")
    @GroupThreads(1)
    public void volatilePair_mmap4j_writer(MMapPeer peer) {
        peer.map.putLongVolatile(SLOT, ++next);
    }

    @Benchmark
    @Group("volatilePair_mmap4j")
    @GroupThreads(1)
    public long volatilePair_mmap4j_reader(MMapPeer peer) {
        return peer.map.getLongVolatile(SLOT);
    }

    @Benchmark
    @Group("volatilePair_atomicLong")
    @GroupThreads(1)
    public void volatilePair_atomicLong_writer(AtomicLongPeer peer) {
        peer.value.set(++next);
    }

    @Benchmark
    @Group("volatilePair_atomicLong")
    @GroupThreads(1)
    public long volatilePair_atomicLong_reader(AtomicLongPeer peer) {
        return peer.value.get();
    }

    @Benchmark
    @Group("volatilePair_byteBuffer")
    @GroupThreads(1)
    public void volatilePair_byteBuffer_writer(MappedBufferPeer peer) {
        MappedBufferPeer.LONGS.setVolatile(peer.buffer, TrialFile.SLOT, ++next);
    }

    @Benchmark
    @Group("volatilePair_byteBuffer")
    @GroupThreads(1)
    public long volatilePair_byteBuffer_reader(MappedBufferPeer peer) {
        return (long) MappedBufferPeer.LONGS.getVolatile(peer.buffer, TrialFile.SLOT);
    }

    @Benchmark
    @Group("volatilePair_agrona")
    @GroupThreads(1)
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public void volatilePair_agrona_writer(AgronaPeer peer) {
        peer.buffer.putLongVolatile(TrialFile.SLOT, ++next);
    }

    @Benchmark
    @Group("volatilePair_agrona")
    @GroupThreads(1)
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public long volatilePair_agrona_reader(AgronaPeer peer) {
        return peer.buffer.getLongVolatile(TrialFile.SLOT);
    }

    @Benchmark
    @Group("volatilePair_chronicle")
    @GroupThreads(1)
    @Fork(jvmArgsAppend = {PeerFlags.CHRONICLE_REFLECT, PeerFlags.CHRONICLE_NIO})
    public void volatilePair_chronicle_writer(ChroniclePeer peer) {
        peer.bytes.writeVolatileLong(SLOT, ++next);
    }

    @Benchmark
    @Group("volatilePair_chronicle")
    @GroupThreads(1)
    @Fork(jvmArgsAppend = {PeerFlags.CHRONICLE_REFLECT, PeerFlags.CHRONICLE_NIO})
    public long volatilePair_chronicle_reader(ChroniclePeer peer) {
        return peer.bytes.readVolatileLong(SLOT);
    }
}
