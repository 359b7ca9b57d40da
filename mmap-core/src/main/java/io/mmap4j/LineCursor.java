package io.mmap4j;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.Charset;

/**
 * Steps over the lines of mapped bytes, for {@link MappedChannel#readLine} and
 * {@link MappedFiles#lines}: finds where the line at a position ends (eight bytes at a time),
 * decodes it, and moves to the start of the next line. A line ends at {@code "\n"},
 * {@code "\r\n"}, a lone {@code '\r'}, or the end of the range. One per reader: its decoder keeps
 * a buffer that grows to the longest line, so reading lines allocates only the strings.
 */
final class LineCursor {
    private final LineDecoder decoder;
    private long position;

    /** A cursor at {@code position}, for a charset {@link LineDecoder#splitsOnBytes splitting on bytes}. */
    LineCursor(Charset charset, long position) {
        this.decoder = new LineDecoder(charset);
        this.position = position;
    }

    Charset charset() {
        return decoder.charset();
    }

    long position() {
        return position;
    }

    void position(long position) {
        this.position = position;
    }

    /**
     * The line at the position, which is before {@code end}, without its terminator; moves the
     * position past the terminator. Segment accesses throw as the segment does (closed, bounds).
     */
    String next(MemorySegment s, long end) throws IOException {
        long lineEnd = ByteSearch.lineEnd(s, position, end);
        String line = decoder.decode(s, position, lineEnd);
        position = ByteSearch.nextLine(s, lineEnd, end);
        return line;
    }
}
