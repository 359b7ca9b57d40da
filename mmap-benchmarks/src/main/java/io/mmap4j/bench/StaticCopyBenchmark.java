package io.mmap4j.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** PROTOTYPE: ways to copy a view's value into a new array. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class StaticCopyBenchmark {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    @Benchmark
    public byte[] copyApi(StaticStoreLookupBenchmark.Mmap4jStore s, StaticStoreLookupBenchmark.Probe p) {
        MemorySegment v = s.store.view(p.hit(s.count));
        byte[] a = new byte[(int) v.byteSize()];
        MemorySegment.copy(v, ValueLayout.JAVA_BYTE, 0, a, 0, a.length);
        return a;
    }

    @Benchmark
    public byte[] toArray(StaticStoreLookupBenchmark.Mmap4jStore s, StaticStoreLookupBenchmark.Probe p) {
        return s.store.view(p.hit(s.count)).toArray(ValueLayout.JAVA_BYTE);
    }

    @Benchmark
    public byte[] segmentCopy(StaticStoreLookupBenchmark.Mmap4jStore s, StaticStoreLookupBenchmark.Probe p) {
        MemorySegment v = s.store.view(p.hit(s.count));
        byte[] a = new byte[(int) v.byteSize()];
        MemorySegment.copy(v, 0, MemorySegment.ofArray(a), 0, a.length);
        return a;
    }

    @Benchmark
    public byte[] longLoop(StaticStoreLookupBenchmark.Mmap4jStore s, StaticStoreLookupBenchmark.Probe p) {
        MemorySegment v = s.store.view(p.hit(s.count));
        int n = (int) v.byteSize();
        byte[] a = new byte[n];
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            LONGS.set(a, i, v.get(ValueLayout.JAVA_LONG_UNALIGNED, i));
        }
        for (; i < n; i++) {
            a[i] = v.get(ValueLayout.JAVA_BYTE, i);
        }
        return a;
    }

    /** The view, reading its first and last 8 bytes: the memory a copy must touch, without the copy. */
    @Benchmark
    public long viewEnds(StaticStoreLookupBenchmark.Mmap4jStore s, StaticStoreLookupBenchmark.Probe p) {
        MemorySegment v = s.store.view(p.hit(s.count));
        return v.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) + v.get(ValueLayout.JAVA_LONG_UNALIGNED, v.byteSize() - 8);
    }

    /** The view, reading every 8 bytes of the value, as a copy does, summing them. */
    @Benchmark
    public long viewSum(StaticStoreLookupBenchmark.Mmap4jStore s, StaticStoreLookupBenchmark.Probe p) {
        MemorySegment v = s.store.view(p.hit(s.count));
        long sum = 0;
        for (long i = 0; i + 8 <= v.byteSize(); i += 8) {
            sum += v.get(ValueLayout.JAVA_LONG_UNALIGNED, i);
        }
        return sum;
    }
}
