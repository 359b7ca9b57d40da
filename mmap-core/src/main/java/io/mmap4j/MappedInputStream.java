package io.mmap4j;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/**
 * The {@link InputStream} of {@link MMap#inputStream(long)} and {@link MappedFiles#newInputStream}:
 * a thin adapter over a {@link MappedChannel} that behaves as the stream of
 * {@code Files.newInputStream} does (the same results, and {@code ClosedChannelException} after
 * close), with bulk reads straight from the mapped memory.
 */
final class MappedInputStream extends InputStream {
    private final MappedChannel channel;

    MappedInputStream(MappedChannel channel) {
        this.channel = channel;
    }

    @Override
    public int read() throws IOException {
        return channel.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        return channel.read(b, off, len);
    }

    @Override
    public byte[] readAllBytes() throws IOException {
        return channel.readNBytes(Integer.MAX_VALUE);
    }

    @Override
    public byte[] readNBytes(int len) throws IOException {
        if (len < 0) {
            throw new IllegalArgumentException("len < 0");
        }
        return len == 0 ? new byte[0] : channel.readNBytes(len);
    }

    /**
     * Skips {@code n} bytes, or to the end if fewer remain. As the JDK's file streams do, a
     * negative {@code n} skips backwards, not before position 0 of the map.
     *
     * @return the number of bytes skipped, negative when skipping backwards
     */
    @Override
    public long skip(long n) throws IOException {
        return channel.skip(n);
    }

    @Override
    public int available() throws IOException {
        return channel.available();
    }

    @Override
    public long transferTo(OutputStream out) throws IOException {
        Objects.requireNonNull(out, "out");
        return channel.transferTo(out);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
