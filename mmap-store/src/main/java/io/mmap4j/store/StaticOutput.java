package io.mmap4j.store;

import static io.mmap4j.store.StaticFormat.PAGE;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * The data region going out: bytes appended through one direct buffer and written with large
 * positional writes, as a raw sequential {@code FileChannel} write would (one copy, then one
 * {@code pwrite} per {@value #BUFFER_BYTES} bytes). Whole pages of zeros inside page-aligned
 * values are skipped, leaving holes that read as zeros, so a sparse value stays sparse. A CRC32C
 * runs over the bytes that a caller asks to be summed.
 *
 * <p>Why a channel and not a map: writing fresh pages through a map costs a page fault and a
 * zero-fill per page before the copy; {@code pwrite} from one buffer costs the copy only, and is
 * exactly what the raw write the store is measured against does.
 */
final class StaticOutput {
    static final int BUFFER_BYTES = 1 << 20;
    /** Never written: a page of zeros to compare with and to sum. */
    private static final byte[] ZERO_BYTES = new byte[PAGE];
    private static final MemorySegment ZERO_PAGE = MemorySegment.ofArray(ZERO_BYTES);
    /** Read only with absolute gets, which change no state: safe to share. */
    private static final ByteBuffer ZEROS = ZERO_PAGE.asByteBuffer();

    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final MemorySegment bufferSegment = MemorySegment.ofBuffer(buffer);
    /** The file offset of the buffer's first byte. */
    private long bufferStart;
    private final CRC32C crc = new CRC32C();

    StaticOutput(FileChannel channel, long start) {
        this.channel = channel;
        this.bufferStart = start;
    }

    /** The file offset of the next byte appended. */
    long position() {
        return bufferStart + buffer.position();
    }

    /** Starts a new sum for {@link #summed}. */
    void resetSum() {
        crc.reset();
    }

    /** The CRC32C of the bytes appended with {@code sum} since {@link #resetSum()}. */
    int sum() {
        return (int) crc.getValue();
    }

    void appendInt(int value) throws IOException {
        room(Integer.BYTES);
        buffer.putInt(value);
    }

    void appendLong(long value) throws IOException {
        room(Long.BYTES);
        buffer.putLong(value);
    }

    /** Appends zeros up to the next multiple of {@code multiple} (at most a page). */
    void padTo(int multiple) throws IOException {
        int pad = (int) (StaticFormat.roundUp(position(), multiple) - position());
        room(pad);
        buffer.put(buffer.position(), ZEROS, 0, pad);
        buffer.position(buffer.position() + pad);
    }

    /**
     * Appends {@code length} bytes of {@code src} from {@code offset}, adding them to the sum if
     * {@code sum}. Where the output is page-aligned, whole pages of zeros become holes.
     */
    void append(MemorySegment src, long offset, long length, boolean sum) throws IOException {
        long end = offset + length;
        while (offset < end) {
            if (position() % PAGE == 0 && end - offset >= PAGE && zeroPage(src, offset)) {
                flush();
                if (sum) {
                    crc.update(ZERO_BYTES, 0, PAGE);
                }
                bufferStart += PAGE; // a hole: never written, reads as zeros
                offset += PAGE;
                continue;
            }
            if (!buffer.hasRemaining()) {
                flush();
            }
            int run = run(src, offset, (int) Math.min(end - offset, buffer.remaining()));
            MemorySegment.copy(src, offset, bufferSegment, buffer.position(), run);
            if (sum) {
                crc.update(buffer.slice(buffer.position(), run)); // just copied: summed from the cache
            }
            buffer.position(buffer.position() + run);
            offset += run;
        }
    }

    /**
     * How many of the next {@code max} bytes of {@code src} to copy in one go: up to the first
     * whole zero page that would start on a page boundary of the output, which becomes a hole.
     * Checking a page of random bytes stops at its first byte.
     */
    private int run(MemorySegment src, long offset, int max) {
        long firstBoundary = StaticFormat.roundUp(position(), PAGE) - position();
        for (long at = firstBoundary == 0 ? PAGE : firstBoundary; at + PAGE <= max; at += PAGE) {
            if (zeroPage(src, offset + at)) {
                return (int) at;
            }
        }
        return max;
    }

    private static boolean zeroPage(MemorySegment src, long offset) {
        return MemorySegment.mismatch(src, offset, offset + PAGE, ZERO_PAGE, 0, PAGE) < 0;
    }

    /** Appends {@code bytes} from {@code offset}, as {@link #append(MemorySegment, long, long, boolean)}. */
    void append(byte[] bytes, int offset, int length, boolean sum) throws IOException {
        append(MemorySegment.ofArray(bytes), offset, length, sum);
    }

    /**
     * Overwrites the long at file offset {@code at}, already appended: in the buffer if it is still
     * there, else in the file.
     */
    void patchLong(long at, long value) throws IOException {
        if (at >= bufferStart) {
            buffer.putLong((int) (at - bufferStart), value);
        } else {
            writeFully(ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value), at);
        }
    }

    /** Overwrites the int at file offset {@code at}, already appended, as {@link #patchLong}. */
    void patchInt(long at, int value) throws IOException {
        if (at >= bufferStart) {
            buffer.putInt((int) (at - bufferStart), value);
        } else {
            writeFully(ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value), at);
        }
    }

    /** Writes what the buffer holds. */
    void flush() throws IOException {
        buffer.flip();
        writeFully(buffer, bufferStart);
        bufferStart += buffer.limit();
        buffer.clear();
    }

    /** Reads {@code length} bytes at file offset {@code at}, which must have been flushed. */
    byte[] read(long at, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            if (channel.read(b, at + b.position()) < 0) {
                throw new IOException("the temporary file ended at " + (at + b.position()) + ", reading " + length
                        + " bytes at " + at);
            }
        }
        return b.array();
    }

    long readLong(long at) throws IOException {
        return MemorySegment.ofArray(read(at, Long.BYTES)).get(StaticFormat.LONG, 0);
    }

    int readInt(long at) throws IOException {
        return MemorySegment.ofArray(read(at, Integer.BYTES)).get(StaticFormat.INT, 0);
    }

    private void room(int bytes) throws IOException {
        if (buffer.remaining() < bytes) {
            flush();
        }
    }

    private void writeFully(ByteBuffer src, long at) throws IOException {
        while (src.hasRemaining()) {
            channel.write(src, at + src.position());
        }
    }

}
