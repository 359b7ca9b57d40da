package io.mmap4j;

/**
 * What a {@link MappedChannel} may do, as its open options asked: read, write, write at the end
 * only ({@code APPEND}), force each write to the device ({@code SYNC}, {@code DSYNC}).
 */
record ChannelMode(boolean read, boolean write, boolean append, boolean sync) {
    /** A stream's or channel's mode over a map opened without {@code WRITE}. */
    static final ChannelMode READ = new ChannelMode(true, false, false, false);
    /** An output stream's mode. */
    static final ChannelMode WRITE = new ChannelMode(false, true, false, false);
    /** {@link MMap#channel()}'s mode over a writable map. */
    static final ChannelMode READ_WRITE = new ChannelMode(true, true, false, false);
}
