package io.mmap4j;

/**
 * How the kernel should expect a mapped range to be used, for {@link MMap#advise(Advice)}
 * ({@code madvise(2)}). Advice changes performance, never contents: {@link #DONTNEED}, which would
 * drop a {@link MapOption#PRIVATE} map's writes, is refused on such a map. Giving advice costs one
 * system call (see {@link MMap#advise(long, long, Advice)} for when it throws); what follows is the
 * kernel's work, as each constant says.
 */
public enum Advice {
    /** No special treatment ({@code MADV_NORMAL}). */
    NORMAL(0),
    /** Expect random access: read ahead less ({@code MADV_RANDOM}). */
    RANDOM(1),
    /** Expect sequential access: read ahead more, drop pages soon after use ({@code MADV_SEQUENTIAL}). */
    SEQUENTIAL(2),
    /** Expect access soon: start reading the range in, without waiting for it ({@code MADV_WILLNEED}). */
    WILLNEED(3),
    /**
     * Not needed soon: the kernel may drop the pages ({@code MADV_DONTNEED}). A shared map loses
     * nothing (pages come back from the file, at the cost of a page fault and possibly a read each).
     * A private map would lose its private changes in the range, so {@link MMap#advise} refuses it
     * there, as {@link MMap#unload()} does.
     */
    DONTNEED(4);

    /** The {@code MADV_} constant, the same on Linux and macOS. */
    final int code;

    Advice(int code) {
        this.code = code;
    }
}
