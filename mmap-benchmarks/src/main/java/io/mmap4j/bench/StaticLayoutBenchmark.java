package io.mmap4j.bench;

import static io.mmap4j.bench.StaticStoreLookupBenchmark.KEY_BYTES;
import static io.mmap4j.bench.StaticStoreLookupBenchmark.VALUE_BYTES;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** PROTOTYPE: a bucketed one-miss layout (directory in cache, bucket = tags then records). */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class StaticLayoutBenchmark {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final long SEED = 0x0123456789abcdefL;

    static long xxh3(byte[] key, long seed) {
        long low = (0x6782737bea4239b9L + seed) ^ (long) LONGS.get(key, 0);
        long high = (0xaf56bc3b0996523aL - seed) ^ (long) LONGS.get(key, 8);
        long acc = KEY_BYTES + Long.reverseBytes(low) + high + (low * high ^ Math.unsignedMultiplyHigh(low, high));
        acc ^= acc >>> 37;
        acc *= 0x165667919E3779F9L;
        return acc ^ (acc >>> 32);
    }

    @State(Scope.Benchmark)
    public static class Bucketed extends StaticStoreLookupBenchmark.Entries {
        @Param({"16", "18", "20"})
        public int bucketBits;

        /** tags: u32 (fp16, off16) per record; split: u16 fps then u16 offsets, bucket 64-aligned. */
        @Param({"tags", "split"})
        public String layout;

        Arena arena;
        MemorySegment file;
        long dataEnd;
        int shift;
        int fpShift;

        @Setup(Level.Trial)
        public void open() throws IOException {
            build("layout");
            int buckets = 1 << bucketBits;
            shift = 64 - bucketBits;
            fpShift = 48 - bucketBits;
            long[] hashes = new long[count];
            int[] counts = new int[buckets + 1];
            byte[] key = new byte[KEY_BYTES];
            for (int i = 0; i < count; i++) {
                StaticStoreLookupBenchmark.key(i, key);
                hashes[i] = xxh3(key, SEED);
                counts[(int) (hashes[i] >>> shift) + 1]++;
            }
            int[] start = new int[buckets + 1];
            for (int b = 0; b < buckets; b++) {
                start[b + 1] = start[b] + counts[b + 1];
            }
            int[] order = new int[count];
            int[] fill = start.clone();
            for (int i = 0; i < count; i++) {
                order[fill[(int) (hashes[i] >>> shift)]++] = i;
            }
            int recordBytes = (16 + KEY_BYTES + VALUE_BYTES + 7) & ~7;
            long dirAt = 4096;
            long dataAt = dirAt + (((long) buckets * 8 + 4095) & ~4095L);
            long size = dataAt;
            boolean split = layout.equals("split");
            for (int b = 0; b < buckets; b++) {
                int n = start[b + 1] - start[b];
                if (split) {
                    size = (size + 63) & ~63L;
                }
                size += ((4L * n + 7) & ~7L) + (long) n * recordBytes;
            }
            size += 64;
            dataEnd = size;
            Path path = dir.resolve("layout.dat");
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE); Arena w = Arena.ofConfined()) {
                MemorySegment m = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, w);
                long at = dataAt;
                for (int b = 0; b < buckets; b++) {
                    int n = start[b + 1] - start[b];
                    if (split) {
                        at = (at + 63) & ~63L;
                    }
                    m.set(LONG, dirAt + 8L * b, at << 16 | n);
                    long rec = at + ((4L * n + 7) & ~7L);
                    for (int j = 0; j < n; j++) {
                        int i = order[start[b] + j];
                        int fp = (int) (hashes[i] >>> fpShift) & 0xFFFF;
                        if (split) {
                            m.set(SHORT, at + 2L * j, (short) fp);
                            m.set(SHORT, at + 2L * n + 2L * j, (short) ((rec - at) >>> 3));
                        } else {
                            m.set(INT, at + 4L * j, fp << 16 | (int) ((rec - at) >>> 3));
                        }
                        StaticStoreLookupBenchmark.key(i, key);
                        m.set(INT, rec, KEY_BYTES);
                        m.set(LONG, rec + 8, VALUE_BYTES);
                        MemorySegment.copy(key, 0, m, ValueLayout.JAVA_BYTE, rec + 16, KEY_BYTES);
                        MemorySegment.copy(StaticStoreLookupBenchmark.value(i), 0, m, ValueLayout.JAVA_BYTE,
                                rec + 16 + KEY_BYTES, VALUE_BYTES);
                        rec += recordBytes;
                    }
                    at = rec;
                }
                arena = Arena.ofShared();
                file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            }
        }

        /** Branch-free scan of the tags: the last match's record, or -1. */
        long findBranchless(byte[] key) {
            long h = xxh3(key, SEED);
            long e = file.get(LONG, 4096 + (h >>> shift) * 8);
            long at = e >>> 16;
            int n = (int) (e & 0xFFFF);
            int fp = (int) (h >>> fpShift) & 0xFFFF;
            int found = -1;
            for (int i = 0; i < n; i++) {
                int t = file.get(INT, at + 4L * i);
                found = (t >>> 16) == fp ? t & 0xFFFF : found;
            }
            if (found < 0) {
                return -1;
            }
            long rec = at + ((long) found << 3);
            return matches(rec, key) ? rec : findEarly(key); // two tags alike: walk them all
        }

        /** Split layout: SWAR compare of four fingerprints a word, lowest match's record, or -1. */
        long findSwar(byte[] key) {
            long h = xxh3(key, SEED);
            long e = file.get(LONG, 4096 + (h >>> shift) * 8);
            long at = e >>> 16;
            int n = (int) (e & 0xFFFF);
            long pattern = ((h >>> fpShift) & 0xFFFF) * 0x0001000100010001L;
            long mask = 0;
            for (int g = 0; g < n; g += 4) {
                long x = file.get(LONG, at + 2L * g) ^ pattern;
                long z = (x - 0x0001000100010001L) & ~x & 0x8000800080008000L;
                mask |= (((z >>> 15) * 0x0000200040008001L) >>> 45 & 0xF) << g;
            }
            mask &= (1L << n) - 1;
            if (mask == 0) {
                return -1;
            }
            int j = Long.numberOfTrailingZeros(mask);
            long rec = at + ((long) (file.get(SHORT, at + 2L * n + 2L * j) & 0xFFFF) << 3);
            return matches(rec, key) ? rec : findSplitSlow(key, at, n, (int) (h >>> fpShift) & 0xFFFF);
        }

        /** As findSwar, but always compares 32 fingerprints (8 words), so no branch depends on the bucket's size. */
        long findFixed(byte[] key) {
            long h = xxh3(key, SEED);
            long e = file.get(LONG, 4096 + (h >>> shift) * 8);
            long at = e >>> 16;
            int n = (int) (e & 0xFFFF);
            long pattern = ((h >>> fpShift) & 0xFFFF) * 0x0001000100010001L;
            long mask = 0;
            for (int g = 0; g < 32; g += 4) {
                long x = file.get(LONG, at + 2L * g) ^ pattern;
                long z = (x - 0x0001000100010001L) & ~x & 0x8000800080008000L;
                mask |= (((z >>> 15) * 0x0000200040008001L) >>> 45 & 0xF) << g;
            }
            mask &= (1L << n) - 1;
            if (mask == 0) {
                return n > 32 ? findSplitSlow(key, at, n, (int) (h >>> fpShift) & 0xFFFF) : -1;
            }
            int j = Long.numberOfTrailingZeros(mask);
            long rec = at + ((long) (file.get(SHORT, at + 2L * n + 2L * j) & 0xFFFF) << 3);
            return matches(rec, key) ? rec : findSplitSlow(key, at, n, (int) (h >>> fpShift) & 0xFFFF);
        }

        long findSplitSlow(byte[] key, long at, int n, int fp) {
            for (int j = 0; j < n; j++) {
                if ((file.get(SHORT, at + 2L * j) & 0xFFFF) == fp) {
                    long rec = at + ((long) (file.get(SHORT, at + 2L * n + 2L * j) & 0xFFFF) << 3);
                    if (matches(rec, key)) {
                        return rec;
                    }
                }
            }
            return -1;
        }

        long findEarly(byte[] key) {
            long h = xxh3(key, SEED);
            long e = file.get(LONG, 4096 + (h >>> shift) * 8);
            long at = e >>> 16;
            int n = (int) (e & 0xFFFF);
            int fp = (int) (h >>> fpShift) & 0xFFFF;
            for (int i = 0; i < n; i++) {
                int t = file.get(INT, at + 4L * i);
                if ((t >>> 16) == fp) {
                    long rec = at + ((long) (t & 0xFFFF) << 3);
                    if (matches(rec, key)) {
                        return rec;
                    }
                }
            }
            return -1;
        }

        boolean matches(long rec, byte[] key) {
            if (rec < 4096 || rec > dataEnd - 16) {
                throw new IllegalStateException("corrupt " + rec);
            }
            int keyLength = file.get(INT, rec);
            return keyLength == KEY_BYTES
                    && file.get(LONG, rec + 16) == (long) LONGS.get(key, 0)
                    && file.get(LONG, rec + 24) == (long) LONGS.get(key, 8);
        }

        MemorySegment view(long rec) {
            if (rec < 0) {
                return null;
            }
            long valueLength = file.get(LONG, rec + 8);
            long start = rec + 16 + KEY_BYTES;
            if (valueLength < 0 || valueLength > dataEnd - start) {
                throw new IllegalStateException("corrupt " + rec);
            }
            return file.asSlice(start, valueLength);
        }

        @Override
        void close() {
            arena.close();
        }
    }

    @Benchmark
    public long viewBranchless(Bucketed s, StaticStoreLookupBenchmark.Probe p) {
        MemorySegment value = s.view(s.findBranchless(p.hit(s.count)));
        return value.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) + value.byteSize();
    }

    @Benchmark
    public long viewSwar(Bucketed s, StaticStoreLookupBenchmark.Probe p) {
        MemorySegment value = s.view(s.findSwar(p.hit(s.count)));
        return value.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) + value.byteSize();
    }

    @Benchmark
    public long viewFixed(Bucketed s, StaticStoreLookupBenchmark.Probe p) {
        MemorySegment value = s.view(s.findFixed(p.hit(s.count)));
        return value.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) + value.byteSize();
    }

    /** The record read only: where the bucket lookup would go, without reading its header (cost of the lookup's work). */
    @Benchmark
    public long viewRecordOnly(Bucketed s, StaticStoreLookupBenchmark.Probe p) {
        long h = xxh3(p.hit(s.count), SEED);
        long e = s.file.get(LONG, 4096 + (h >>> s.shift) * 8);
        return s.file.get(ValueLayout.JAVA_LONG_UNALIGNED, (e >>> 16) + 512 + (h & 1023)) + VALUE_BYTES;
    }

    @Benchmark
    public long missSwar(Bucketed s, StaticStoreLookupBenchmark.Probe p) {
        return s.findSwar(p.miss(s.count));
    }

    /** One read at random in the floor's records, chosen by the key's hash: the least a one-miss lookup costs. */
    @Benchmark
    public long oneReadHashedFloor(StaticStoreLookupBenchmark.Floor s, StaticStoreLookupBenchmark.Probe p) {
        long record = Math.unsignedMultiplyHigh(StaticStoreLookupBenchmark.Floor.xxh3(p.hit(s.count)), s.count);
        return s.file.get(ValueLayout.JAVA_LONG_UNALIGNED, s.dataAt + record * 128) + VALUE_BYTES;
    }

    @Benchmark
    public long oneReadFloor(StaticStoreLookupBenchmark.Floor s, StaticStoreLookupBenchmark.Probe p) {
        p.hit(s.count);
        return s.file.get(ValueLayout.JAVA_LONG_UNALIGNED, s.dataAt + p.last * 128) + VALUE_BYTES;
    }

    @Benchmark
    public long viewEarly(Bucketed s, StaticStoreLookupBenchmark.Probe p) {
        MemorySegment value = s.view(s.findEarly(p.hit(s.count)));
        return value.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) + value.byteSize();
    }

    @Benchmark
    public long missBranchless(Bucketed s, StaticStoreLookupBenchmark.Probe p) {
        return s.findBranchless(p.miss(s.count));
    }
}
