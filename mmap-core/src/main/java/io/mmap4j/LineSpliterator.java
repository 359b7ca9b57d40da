package io.mmap4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.Charset;
import java.util.Spliterator;
import java.util.function.Consumer;

/**
 * The lines of a mapped range, for {@link MappedFiles#lines}: found by scanning the mapped bytes,
 * decoded one at a time, so nothing but the current line is ever on the heap. Splits at line
 * boundaries for parallel streams, as the JDK's {@code Files.lines} does. Once the map is closed
 * (by closing the stream), it throws what a closed JDK lines stream throws: an
 * {@link UncheckedIOException} around a {@link ClosedChannelException}.
 */
final class LineSpliterator implements Spliterator<String> {
    /** Below this many bytes a split costs more than it saves. */
    private static final long MIN_SPLIT = 1 << 16;

    private final MMap map;
    private final MemorySegment segment;
    private final LineCursor lines;
    private final long end;

    LineSpliterator(MMap map, MemorySegment segment, Charset charset, long position, long end) {
        this.map = map;
        this.segment = segment;
        this.lines = new LineCursor(charset, position);
        this.end = end;
    }

    @Override
    public boolean tryAdvance(Consumer<? super String> action) {
        if (lines.position() >= end) {
            checkOpen(); // past the last line of a closed stream, an iterator must not report a clean end
            return false;
        }
        action.accept(nextLine());
        return true;
    }

    @Override
    public void forEachRemaining(Consumer<? super String> action) {
        checkOpen();
        while (lines.position() < end) {
            action.accept(nextLine());
        }
    }

    private String nextLine() {
        try {
            return lines.next(segment, end);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (IllegalStateException | InternalError e) {
            throw failed(e, lines.position());
        }
    }

    /**
     * What a failed access throws instead of {@code e}: the closed stream's exception, or an
     * {@link UncheckedIOException} around an {@code IOException} for a fault (the file cut short
     * under the map, {@link MapErrors#faultAt}); {@code e} itself otherwise.
     */
    private RuntimeException failed(Throwable e, long position) {
        checkOpen();
        IOException fault = MapErrors.faultAt(map, e, position);
        if (fault != null) {
            return new UncheckedIOException(fault);
        }
        if (e instanceof RuntimeException unexpected) {
            return unexpected;
        }
        throw (Error) e;
    }

    private void checkOpen() {
        try {
            MapErrors.throwIfClosed(map);
        } catch (ClosedChannelException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Splits off the first half, ending right after the first line terminator at or past the
     * middle, so that a {@code "\r\n"} pair is never cut in two.
     */
    @Override
    public Spliterator<String> trySplit() {
        long position = lines.position();
        if (end - position < MIN_SPLIT) {
            return null;
        }
        long split;
        try {
            long middle = position + (end - position) / 2;
            split = ByteSearch.nextLine(segment, ByteSearch.lineEnd(segment, middle, end), end);
        } catch (IllegalStateException | InternalError e) {
            throw failed(e, position);
        }
        if (split >= end) { // also when no terminator follows the middle: then split == lineEnd == end
            return null;
        }
        LineSpliterator prefix = new LineSpliterator(map, segment, lines.charset(), position, split);
        lines.position(split);
        return prefix;
    }

    @Override
    public long estimateSize() {
        return end - lines.position(); // an upper bound on the lines, which counting would cost a scan
    }

    @Override
    public int characteristics() {
        return ORDERED | NONNULL;
    }
}
