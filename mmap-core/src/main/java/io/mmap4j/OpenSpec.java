package io.mmap4j;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.DELETE_ON_CLOSE;
import static java.nio.file.StandardOpenOption.DSYNC;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.SYNC;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import java.nio.channels.FileChannel.MapMode;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * The options of an open call, sorted once into what the file channel gets, how the file is
 * mapped, and what a {@link MappedChannel} over the map may do: the one parser of
 * {@link MMap#open}, {@link MappedFiles} and the channel. Two sets of rules read the same options:
 * {@link #forMap} (a map: {@code READ} implied, {@code APPEND} and {@code SYNC} refused) and
 * {@link #forFiles} ({@link java.nio.file.Files}' rules for streams and channels). Each sets the
 * permissions a new file gets when the caller gives none.
 *
 * <p>{@code channel} is what a channel over the map may do: for {@link #forFiles}, what the
 * options ask; for {@link #forMap}, reading, and writing unless the map is read-only, as
 * {@link MMap#channel()} gives.
 */
record OpenSpec(Set<OpenOption> channelOptions, MapMode mode, boolean mayGrowFile, boolean autoUnmap,
                boolean populate, boolean exclusiveLock, boolean deleteOnClose, ChannelMode channel,
                FileAttribute<?> defaultPermissions) {

    /** MMap's default for a new file: shared memory is often private to its owner. */
    private static final FileAttribute<?> OWNER_ONLY = permissions("rw-------");
    /** What {@code Files} gives a new file: 0666 less the umask. */
    private static final FileAttribute<?> AS_FILES_CREATES = permissions("rw-rw-rw-");

    /** The rules of {@link MMap#open}: {@code READ} is implied, {@code WRITE} makes the map writable. */
    static OpenSpec forMap(Collection<? extends OpenOption> options) {
        Parsed parsed = Parsed.of(options);
        if (parsed.standard.contains(APPEND)) {
            throw new IllegalArgumentException("APPEND does not apply to a mapping: write at a position instead");
        }
        for (StandardOpenOption sync : new StandardOpenOption[] {SYNC, DSYNC}) {
            if (parsed.standard.contains(sync)) {
                throw new IllegalArgumentException(sync + " has no effect on mapped memory: call force() instead");
            }
        }
        boolean write = parsed.standard.contains(WRITE);
        boolean writable = write || parsed.map.contains(MapOption.PRIVATE);
        return parsed.spec(write, writable ? ChannelMode.READ_WRITE : ChannelMode.READ, OWNER_ONLY);
    }

    /**
     * The rules of {@link java.nio.file.Files#newByteChannel}: for reading unless {@code WRITE} or
     * {@code APPEND} is given; {@code APPEND} and {@code SYNC} are the channel's to do.
     */
    static OpenSpec forFiles(Collection<? extends OpenOption> options) {
        Parsed parsed = Parsed.of(options);
        Set<StandardOpenOption> standard = parsed.standard;
        boolean append = standard.contains(APPEND);
        boolean read = standard.contains(READ);
        boolean write = standard.contains(WRITE);
        if (!read && !write) {
            write = append;
            read = !append;
        }
        if (read && append) {
            throw new IllegalArgumentException("READ + APPEND not allowed");
        }
        if (append && standard.contains(TRUNCATE_EXISTING)) {
            throw new IllegalArgumentException("APPEND + TRUNCATE_EXISTING not allowed");
        }
        ChannelMode channel = new ChannelMode(read, write, append, standard.contains(SYNC) || standard.contains(DSYNC));
        return parsed.spec(write, channel, AS_FILES_CREATES);
    }

    /** Whether writes are refused: opened without {@code WRITE} and not {@code PRIVATE}. */
    boolean readOnly() {
        return mode == MapMode.READ_ONLY;
    }

    /**
     * The attributes to create the file with: {@code given}, or, when there are none, this spec's
     * default permissions where the file system has POSIX permissions.
     */
    FileAttribute<?>[] attributes(Path path, FileAttribute<?>[] given) {
        if (given.length == 0 && path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[] {defaultPermissions};
        }
        return given;
    }

    private static FileAttribute<?> permissions(String text) {
        return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(text));
    }

    /** The options sorted by kind, before either set of rules applies. */
    private record Parsed(Set<StandardOpenOption> standard, Set<MapOption> map, boolean noFollowLinks) {
        static Parsed of(Collection<? extends OpenOption> options) {
            Objects.requireNonNull(options, "options");
            Set<StandardOpenOption> standard = EnumSet.noneOf(StandardOpenOption.class);
            Set<MapOption> map = EnumSet.noneOf(MapOption.class);
            boolean noFollowLinks = false;
            for (OpenOption option : options) {
                Objects.requireNonNull(option, "options must not contain null");
                if (option instanceof StandardOpenOption s) {
                    standard.add(s);
                } else if (option instanceof MapOption m) {
                    map.add(m);
                } else if (option == LinkOption.NOFOLLOW_LINKS) {
                    noFollowLinks = true;
                } else {
                    throw new UnsupportedOperationException("unsupported open option: " + option);
                }
            }
            return new Parsed(standard, map, noFollowLinks);
        }

        /** The spec of a map that is writable if {@code write} (or PRIVATE), whose channels get {@code channel}. */
        OpenSpec spec(boolean write, ChannelMode channel, FileAttribute<?> defaultPermissions) {
            boolean privateMap = map.contains(MapOption.PRIVATE);
            boolean readOnly = !write && !privateMap;
            if (map.contains(MapOption.EXCLUSIVE_LOCK) && readOnly) {
                throw new IllegalArgumentException("EXCLUSIVE_LOCK needs WRITE or PRIVATE: an exclusive lock needs a"
                        + " writable file");
            }
            Set<OpenOption> channelOptions = new HashSet<>(standard);
            // Done by the channel or the map, not by FileChannel.open. DELETE_ON_CLOSE in particular:
            // the JDK unlinks such a file right after opening it on Unix, and then no other process
            // could open shared memory by its name while it is in use.
            channelOptions.removeAll(Set.of(APPEND, SYNC, DSYNC, DELETE_ON_CLOSE));
            if (!write) {
                // As FileChannel.open does for a read-only channel; a PRIVATE map opens its channel for
                // writing only because the JDK demands it, and must not create or truncate on its behalf.
                channelOptions.removeAll(Set.of(CREATE, CREATE_NEW, TRUNCATE_EXISTING));
            }
            channelOptions.add(READ);
            if (readOnly) {
                channelOptions.remove(WRITE);
            } else {
                channelOptions.add(WRITE);
            }
            if (noFollowLinks) {
                channelOptions.add(LinkOption.NOFOLLOW_LINKS);
            }
            MapMode mode = privateMap ? MapMode.PRIVATE : readOnly ? MapMode.READ_ONLY : MapMode.READ_WRITE;
            return new OpenSpec(Set.copyOf(channelOptions), mode, write, map.contains(MapOption.AUTO_UNMAP),
                    map.contains(MapOption.POPULATE), map.contains(MapOption.EXCLUSIVE_LOCK),
                    standard.contains(DELETE_ON_CLOSE), channel, defaultPermissions);
        }
    }
}
