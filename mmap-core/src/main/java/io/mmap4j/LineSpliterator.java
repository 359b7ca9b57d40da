package io.mmap4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;
import java.util.Spliterator;
import java.util.function.Consumer;

/**
 * The lines of a mapped range, for {@link MappedFiles#lines}: found by scanning the mapped bytes,
 * decoded one at a time, so nothing but the current line is ever on the heap. Splits at line
 * boundaries for parallel streams, as the JDK's {@code Files.lines} does.
 */
final class LineSpliterator implements Spliterator<String> {
    /** Below this many bytes a split costs more than it saves. */
    private static final long MIN_SPLIT = 1 << 16;

    private final MMap map;
    private final MemorySegment segment;
    private final LineDecoder decoder;
    private long position;
    private final long end;

    LineSpliterator(MMap map, MemorySegment segment, LineDecoder decoder, long position, long end) {
        this.map = map;
        this.segment = segment;
        this.decoder = decoder;
        this.position = position;
        this.end = end;
    }

    @Override
    public boolean tryAdvance(Consumer<? super String> action) {
        if (position >= end) {
            checkOpen(); // past the last line of a closed stream, an iterator must not report a clean end
            return false;
        }
        action.accept(nextLine());
        return true;
    }

    @Override
    public void forEachRemaining(Consumer<? super String> action) {
        checkOpen();
        while (position < end) {
            action.accept(nextLine());
        }
    }

    private String nextLine() {
        try {
            long lineEnd = ByteSearch.lineEnd(segment, position, end);
            String line = decoder.decode(segment, position, lineEnd);
            position = ByteSearch.nextLine(segment, lineEnd, end);
            return line;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (IllegalStateException e) {
            throw closed(e);
        }
    }

    private void checkOpen() {
        try {
            MappedChannel.checkMapOpen(map);
        } catch (ClosedChannelException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stream was closed, which closed the map: what a closed JDK lines stream throws. Any other state error is not ours. */
    private UncheckedIOException closed(IllegalStateException e) {
        return new UncheckedIOException(MappedChannel.closedMap(map, e));
    }

    /**
     * Splits off the first half, ending right after the first line terminator at or past the
     * middle, so that a {@code "\r\n"} pair is never cut in two.
     */
    @Override
    public Spliterator<String> trySplit() {
        if (end - position < MIN_SPLIT) {
            return null;
        }
        long middle = position + (end - position) / 2;
        long lineEnd;
        long split;
        try {
            lineEnd = ByteSearch.lineEnd(segment, middle, end);
            split = ByteSearch.nextLine(segment, lineEnd, end);
        } catch (IllegalStateException e) {
            throw closed(e);
        }
        if (split >= end) { // also when no terminator follows the middle: then split == lineEnd == end
            return null;
        }
        LineSpliterator prefix = new LineSpliterator(map, segment, new LineDecoder(decoder.charset()), position, split);
        position = split;
        return prefix;
    }

    @Override
    public long estimateSize() {
        return end - position; // an upper bound on the lines, which counting would cost a scan
    }

    @Override
    public int characteristics() {
        return ORDERED | NONNULL;
    }
}
