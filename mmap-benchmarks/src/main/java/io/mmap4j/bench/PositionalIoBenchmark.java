package io.mmap4j.bench;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Positional reads and writes between a {@code byte[]} and a file at a fixed page-aligned position,
 * per peer and size. The {@code byte[]} is every peer's source or destination, as it is for the
 * caller of {@code pread(pos, byte[])}; the channel peers wrap it once ({@code ByteBuffer.wrap}), as
 * their users would. Reads return the array, writes go to shared memory or the kernel, so nothing
 * is eliminated. The floor is {@code MemorySegment.copy} on the segment the {@code MMap} accesses.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Baseline({"segmentCopy", "fileChannel", "agrona"})
public class PositionalIoBenchmark {
    static final long POS = TrialFile.IO_POS;

    /** The caller's array, and the same array wrapped for the channel peers. */
    @State(Scope.Thread)
    public static class Buffer {
        @Param({"8", "64", "4096", "1048576"})
        public int size;

        byte[] bytes;
        ByteBuffer wrapped;

        @Setup(Level.Trial)
        public void allocate() {
            bytes = new byte[size];
            new Random(size).nextBytes(bytes);
            wrapped = ByteBuffer.wrap(bytes);
        }
    }

    // --- pread -------------------------------------------------------------------------------

    @Benchmark
    public byte[] pread_segmentCopy(Buffer buffer, MMapPeer peer) {
        MemorySegment.copy(peer.segment, JAVA_BYTE, POS, buffer.bytes, 0, buffer.size);
        return buffer.bytes;
    }

    @Benchmark
    public byte[] pread_mmap4j(Buffer buffer, MMapPeer peer) {
        peer.map.pread(POS, buffer.bytes);
        return buffer.bytes;
    }

    @Benchmark
    public byte[] pread_byteBuffer(Buffer buffer, MappedBufferPeer peer) {
        peer.buffer.get(TrialFile.IO_POS, buffer.bytes);
        return buffer.bytes;
    }

    @Benchmark
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public byte[] pread_agrona(Buffer buffer, AgronaPeer peer) {
        peer.buffer.getBytes(TrialFile.IO_POS, buffer.bytes);
        return buffer.bytes;
    }

    @Benchmark
    @Fork(jvmArgsAppend = {PeerFlags.CHRONICLE_REFLECT, PeerFlags.CHRONICLE_NIO})
    public byte[] pread_chronicle(Buffer buffer, ChroniclePeer peer) {
        peer.bytes.read(POS, buffer.bytes, 0, buffer.size);
        return buffer.bytes;
    }

    /** One {@code pread} system call per read; the loop only matters if the kernel returns less. */
    @Benchmark
    public byte[] pread_fileChannel(Buffer buffer, FileChannelPeer peer) throws IOException {
        ByteBuffer dst = buffer.wrapped.clear();
        while (dst.hasRemaining()) {
            if (peer.channel.read(dst, POS + dst.position()) < 0) {
                throw new EOFException("file ended at " + (POS + dst.position()));
            }
        }
        return buffer.bytes;
    }

    @Benchmark
    public byte[] pread_raf(Buffer buffer, RandomAccessFilePeer peer) throws IOException {
        peer.file.seek(POS);
        peer.file.readFully(buffer.bytes);
        return buffer.bytes;
    }

    // --- pwrite ------------------------------------------------------------------------------

    @Benchmark
    public void pwrite_segmentCopy(Buffer buffer, MMapPeer peer) {
        MemorySegment.copy(buffer.bytes, 0, peer.segment, JAVA_BYTE, POS, buffer.size);
    }

    @Benchmark
    public void pwrite_mmap4j(Buffer buffer, MMapPeer peer) {
        peer.map.pwrite(POS, buffer.bytes);
    }

    @Benchmark
    public void pwrite_byteBuffer(Buffer buffer, MappedBufferPeer peer) {
        peer.buffer.put(TrialFile.IO_POS, buffer.bytes);
    }

    @Benchmark
    @Fork(jvmArgsAppend = PeerFlags.AGRONA)
    public void pwrite_agrona(Buffer buffer, AgronaPeer peer) {
        peer.buffer.putBytes(TrialFile.IO_POS, buffer.bytes);
    }

    @Benchmark
    @Fork(jvmArgsAppend = {PeerFlags.CHRONICLE_REFLECT, PeerFlags.CHRONICLE_NIO})
    public void pwrite_chronicle(Buffer buffer, ChroniclePeer peer) {
        peer.bytes.write(POS, buffer.bytes, 0, buffer.size);
    }

    @Benchmark
    public void pwrite_fileChannel(Buffer buffer, FileChannelPeer peer) throws IOException {
        ByteBuffer src = buffer.wrapped.clear();
        while (src.hasRemaining()) {
            peer.channel.write(src, POS + src.position());
        }
    }

    @Benchmark
    public void pwrite_raf(Buffer buffer, RandomAccessFilePeer peer) throws IOException {
        peer.file.seek(POS);
        peer.file.write(buffer.bytes);
    }
}
