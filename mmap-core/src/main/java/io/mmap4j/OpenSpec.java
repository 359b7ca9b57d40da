package io.mmap4j;

import java.nio.channels.FileChannel.MapMode;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/** The options of an {@link MMap#open} call, sorted into what the channel gets and what the map does. */
record OpenSpec(Set<OpenOption> channelOptions, MapMode mode, boolean readOnly, boolean mayGrowFile,
                boolean autoUnmap, boolean populate, boolean exclusiveLock, boolean deleteOnClose) {

    static OpenSpec of(Collection<? extends OpenOption> options) {
        Objects.requireNonNull(options, "options");
        Set<OpenOption> channel = new HashSet<>();
        boolean write = false, privateMap = false, autoUnmap = false, populate = false, lock = false;
        boolean deleteOnClose = false;
        for (OpenOption option : options) {
            Objects.requireNonNull(option, "options must not contain null");
            if (option instanceof MapOption mapOption) {
                switch (mapOption) {
                    case PRIVATE -> privateMap = true;
                    case AUTO_UNMAP -> autoUnmap = true;
                    case POPULATE -> populate = true;
                    case EXCLUSIVE_LOCK -> lock = true;
                }
            } else if (option == StandardOpenOption.APPEND) {
                throw new IllegalArgumentException("APPEND does not apply to a mapping: write at a position instead");
            } else if (option == StandardOpenOption.SYNC || option == StandardOpenOption.DSYNC) {
                throw new IllegalArgumentException(option + " has no effect on mapped memory: call force() instead");
            } else if (option == StandardOpenOption.WRITE) {
                write = true;
            } else if (option == StandardOpenOption.DELETE_ON_CLOSE) {
                // Not passed on: the JDK unlinks such a file right after opening it on Unix, and
                // then no other process could open shared memory by its name while it is in use.
                deleteOnClose = true;
            } else if (option instanceof StandardOpenOption || option == LinkOption.NOFOLLOW_LINKS) {
                channel.add(option);
            } else {
                throw new UnsupportedOperationException("unsupported open option: " + option);
            }
        }
        if (!write) {
            // As FileChannel.open does for a read-only channel; a PRIVATE map opens its channel for
            // writing only because the JDK demands it, and must not create or truncate on its behalf.
            channel.remove(StandardOpenOption.CREATE);
            channel.remove(StandardOpenOption.CREATE_NEW);
            channel.remove(StandardOpenOption.TRUNCATE_EXISTING);
        }
        boolean readOnly = !write && !privateMap;
        if (lock && readOnly) {
            throw new IllegalArgumentException("EXCLUSIVE_LOCK needs WRITE or PRIVATE: an exclusive lock needs a writable file");
        }
        channel.add(StandardOpenOption.READ);
        if (!readOnly) {
            channel.add(StandardOpenOption.WRITE);
        }
        MapMode mode = privateMap ? MapMode.PRIVATE : readOnly ? MapMode.READ_ONLY : MapMode.READ_WRITE;
        return new OpenSpec(Set.copyOf(channel), mode, readOnly, write, autoUnmap, populate, lock, deleteOnClose);
    }
}
