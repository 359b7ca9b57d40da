package io.mmap4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;

/**
 * What a map asks of the kernel about its pages: write them back ({@code msync}), read them in,
 * drop them, advise, lock ({@link NativeMemory}), and whether they are resident. The rule of its
 * own: nothing drops the pages of a {@linkplain MapOption#PRIVATE private} map, which are the only
 * copy of its writes; and the calls that act on whole pages (advice, locks) act only on a map's own
 * pages, never on those around a wrapped segment. Callers pass the current mapping, or the range of it, already checked.
 */
final class Paging {
    private Paging() {}

    /** {@code msync(MS_SYNC)} of the segment's pages, then the file's metadata when there is a file. */
    static void force(MemorySegment s, MappedFile file) throws IOException {
        try {
            s.force();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (file != null) {
            file.force();
        }
    }

    static void unload(MemorySegment s, MMap map) {
        refuseToDiscard(map, "unload()");
        s.unload();
    }

    static boolean advise(MemorySegment s, long pos, long length, Advice advice, MMap map) throws IOException {
        requireOwnPages(map, "advise(" + advice + ")");
        if (advice == Advice.DONTNEED) {
            refuseToDiscard(map, "advise(DONTNEED)");
        }
        return NativeMemory.advise(s, pos, length, advice);
    }

    /** {@code mlock} ({@code lock}) or {@code munlock} of the whole segment. */
    static boolean lock(MemorySegment s, boolean lock, MMap map) throws IOException {
        requireOwnPages(map, lock ? "lockPages()" : "unlockPages()");
        return NativeMemory.lock(s, 0, s.byteSize(), lock);
    }

    /**
     * Refuses the page calls on memory the map does not own: they act on whole pages, and the pages
     * around a wrapped segment belong to others (a neighbouring allocation, the C heap).
     */
    private static void requireOwnPages(MMap map, String call) {
        if (map.path().isEmpty()) {
            throw new UnsupportedOperationException(call + " acts on whole pages, and the pages of a " + map.source()
                    + " are not this map's: they may hold other allocations");
        }
    }

    /** {@code MADV_DONTNEED} replaces a private map's copies of its pages with the file's content. */
    private static void refuseToDiscard(MMap map, String call) {
        if (map.isPrivate()) {
            throw new UnsupportedOperationException(call + " would discard this PRIVATE map's writes (MADV_DONTNEED"
                    + " drops its private copies of the pages): " + map.source());
        }
    }
}
