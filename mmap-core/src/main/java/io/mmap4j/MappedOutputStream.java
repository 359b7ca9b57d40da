package io.mmap4j;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * The {@link OutputStream} of {@link MMap#outputStream(long)} and {@link MappedFiles#newOutputStream}:
 * a thin adapter over a {@link MappedChannel} that behaves as the stream of
 * {@code Files.newOutputStream} does. Writes go straight to the mapped memory, so there is nothing
 * to flush; the file is cut back to the last byte written at close.
 */
final class MappedOutputStream extends OutputStream {
    private final MappedChannel channel;

    MappedOutputStream(MappedChannel channel) {
        this.channel = channel;
    }

    @Override
    public void write(int b) throws IOException {
        channel.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len > 0) {
            channel.write(b, off, len);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
