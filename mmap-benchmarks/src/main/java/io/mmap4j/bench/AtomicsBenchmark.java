package io.mmap4j.bench;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * One thread on one 8-byte slot of a mapped file: get-and-add, compare-and-set, volatile get and
 * volatile set, per peer. The floor is a {@code static final} VarHandle on the very segment the
 * {@code MMap} accesses, so the difference between the two is exactly what mmap4j adds (bounds,
 * alignment and read-only checks, and the load of its current mapping).
 *
 * <p>Every method returns what the operation returned, or writes shared memory, so nothing can be
 * eliminated. The compare-and-set benchmarks track the slot's value and always succeed; a failure
 * would mean a broken peer and stops the run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Baseline("varHandle")
public class AtomicsBenchmark {
    /** The same layout mmap4j uses for its long atomics. */
    static final VarHandle LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    static final long SLOT = TrialFile.SLOT;

    /** The slot's value before this thread's next compare-and-set (each trial starts on a zero slot). */
    private long expected;
    /** The next value a volatile set writes: changing, as a real publication would be. */
    private long next;

    private boolean swapped(boolean swapped) {
        if (!swapped) {
            throw new IllegalStateException("compare-and-set of " + expected + " failed on an uncontended slot");
        }
        expected++;
        return true;
    }

    // --- get-and-add --------------------------------------------------------------------------

    @Benchmark
    public long getAndAdd_varHandle(MMapPeer peer) {
        return (long) LONG.getAndAdd(peer.segment, SLOT, 1L);
    }

    @Benchmark
    public long getAndAdd_mmap4j(MMapPeer peer) {
        return peer.map.getAndAddLong(SLOT, 1);
    }

    @Benchmark
    public long getAndAdd_atomicLong(AtomicLongPeer peer) {
        return peer.value.getAndAdd(1);
    }

    @Benchmark
    public long getAndAdd_byteBuffer(MappedBufferPeer peer) {
        return (long) MappedBufferPeer.LONGS.getAndAdd(peer.buffer, TrialFile.SLOT, 1L);
    }

    @Benchmark
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public long getAndAdd_agrona(AgronaPeer peer) {
        return peer.buffer.getAndAddLong(TrialFile.SLOT, 1);
    }

    /** Chronicle has no get-and-add; add-and-get is the same work, returning the new value. */
    @Benchmark
    @Fork(jvmArgsAppend = {PeerFlags.CHRONICLE_REFLECT, PeerFlags.CHRONICLE_NIO})
    public long getAndAdd_chronicle(ChroniclePeer peer) {
        return peer.bytes.addAndGetLong(SLOT, 1);
    }

    // --- compare-and-set ----------------------------------------------------------------------

    @Benchmark
    public boolean compareAndSet_varHandle(MMapPeer peer) {
        return swapped(LONG.compareAndSet(peer.segment, SLOT, expected, expected + 1));
    }

    @Benchmark
    public boolean compareAndSet_mmap4j(MMapPeer peer) {
        return swapped(peer.map.compareAndSetLong(SLOT, expected, expected + 1));
    }

    @Benchmark
    public boolean compareAndSet_atomicLong(AtomicLongPeer peer) {
        return swapped(peer.value.compareAndSet(expected, expected + 1));
    }

    @Benchmark
    public boolean compareAndSet_byteBuffer(MappedBufferPeer peer) {
        return swapped(MappedBufferPeer.LONGS.compareAndSet(peer.buffer, TrialFile.SLOT, expected, expected + 1));
    }

    @Benchmark
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public boolean compareAndSet_agrona(AgronaPeer peer) {
        return swapped(peer.buffer.compareAndSetLong(TrialFile.SLOT, expected, expected + 1));
    }

    @Benchmark
    @Fork(jvmArgsAppend = {PeerFlags.CHRONICLE_REFLECT, PeerFlags.CHRONICLE_NIO})
    public boolean compareAndSet_chronicle(ChroniclePeer peer) {
        return swapped(peer.bytes.compareAndSwapLong(SLOT, expected, expected + 1));
    }

    // --- volatile get -------------------------------------------------------------------------

    @Benchmark
    public long getVolatile_varHandle(MMapPeer peer) {
        return (long) LONG.getVolatile(peer.segment, SLOT);
    }

    @Benchmark
    public long getVolatile_mmap4j(MMapPeer peer) {
        return peer.map.getLongVolatile(SLOT);
    }

    @Benchmark
    public long getVolatile_atomicLong(AtomicLongPeer peer) {
        return peer.value.get();
    }

    @Benchmark
    public long getVolatile_byteBuffer(MappedBufferPeer peer) {
        return (long) MappedBufferPeer.LONGS.getVolatile(peer.buffer, TrialFile.SLOT);
    }

    @Benchmark
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public long getVolatile_agrona(AgronaPeer peer) {
        return peer.buffer.getLongVolatile(TrialFile.SLOT);
    }

    @Benchmark
    @Fork(jvmArgsAppend = {PeerFlags.CHRONICLE_REFLECT, PeerFlags.CHRONICLE_NIO})
    public long getVolatile_chronicle(ChroniclePeer peer) {
        return peer.bytes.readVolatileLong(SLOT);
    }

    // --- volatile set -------------------------------------------------------------------------

    @Benchmark
    public void setVolatile_varHandle(MMapPeer peer) {
        LONG.setVolatile(peer.segment, SLOT, ++next);
    }

    @Benchmark
    public void setVolatile_mmap4j(MMapPeer peer) {
        peer.map.putLongVolatile(SLOT, ++next);
    }

    @Benchmark
    public void setVolatile_atomicLong(AtomicLongPeer peer) {
        peer.value.set(++next);
    }

    @Benchmark
    public void setVolatile_byteBuffer(MappedBufferPeer peer) {
        MappedBufferPeer.LONGS.setVolatile(peer.buffer, TrialFile.SLOT, ++next);
    }

    @Benchmark
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public void setVolatile_agrona(AgronaPeer peer) {
        peer.buffer.putLongVolatile(TrialFile.SLOT, ++next);
    }

    @Benchmark
    @Fork(jvmArgsAppend = {PeerFlags.CHRONICLE_REFLECT, PeerFlags.CHRONICLE_NIO})
    public void setVolatile_chronicle(ChroniclePeer peer) {
        peer.bytes.writeVolatileLong(SLOT, ++next);
    }
}
