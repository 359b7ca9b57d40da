package io.mmap4j.cache;

import static io.mmap4j.cache.CacheFormat.HEADER_BYTES;

import io.mmap4j.MMap;
import io.mmap4j.MapOption;
import io.mmap4j.cache.CacheVolume.Options;
import io.mmap4j.cache.CacheVolume.Problem;
import io.mmap4j.cache.CacheVolume.Recovery;
import io.mmap4j.internal.TempFiles;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Creating, formatting and opening volume files: a new volume is written in full beside its path
 * and linked into place in one step that fails if a file appeared there meanwhile, so that no
 * process ever opens half a volume and no existing file is overwritten.
 */
final class VolumeFiles {
    /** File keys of the volumes open in this JVM: a second open here is refused before it touches the file. */
    private static final Set<Object> OPEN = new HashSet<>();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** A temporary file older than this, whose creator is not running, is left over from a crash. */
    private static final Duration STALE_AFTER = Duration.ofMinutes(1);
    /** The kind in the temporary names of cache volumes ({@link TempFiles}). */
    private static final String TEMP_KIND = "cache";

    private VolumeFiles() {
    }

    static CacheVolume open(Path path, VolumeGeometry geometry, Options options) throws IOException {
        // Every channel opening uses (to format, map and lock the file) closes if the thread using it
        // is interrupted: a caller's interrupt must not fail the open.
        return ChannelWriter.onOwnThread("mmap4j-cache-open " + path.getFileName(), () -> openHere(path, geometry, options));
    }

    private static CacheVolume openHere(Path path, VolumeGeometry geometry, Options options) throws IOException {
        boolean created = false;
        if (geometry != null && Files.notExists(path)) {
            created = createNew(path, geometry, options);
        }
        Object key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        synchronized (OPEN) {
            if (key != null && !OPEN.add(key)) {
                throw new FileSystemException(path.toString(), null, "the cache volume is already open in this JVM");
            }
        }
        MMap map = null;
        FileChannel channel = null;
        Volume volume = null;
        try {
            try {
                map = MMap.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, MapOption.EXCLUSIVE_LOCK);
            } catch (FileSystemException e) {
                if (e.getReason() != null && e.getReason().contains("another process")) {
                    throw new FileSystemException(path.toString(), null,
                            "the cache volume is open in another process (it holds the volume's lock)");
                }
                throw e;
            }
            channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            if (map.size() == 0) {
                if (geometry == null) {
                    throw new CorruptVolumeException(path, 0, "file length", "0", "a cache volume");
                }
                format(channel, geometry, options);
                map.resize(geometry.volumeBytes());
                created = true;
            }
            MemorySegment file = map.segment();
            List<Problem> problems = VolumeHeader.check(file);
            if (!problems.isEmpty()) {
                throw problems.getFirst().exception(path);
            }
            VolumeHeader header = VolumeHeader.read(file);
            if (geometry != null && header.geometry().volumeBytes() != geometry.volumeBytes()) {
                throw new IllegalArgumentException("the cache volume " + path + " is " + header.geometry().volumeBytes()
                        + " bytes, not the " + geometry.volumeBytes() + " asked for (open(Path) opens it at its size)");
            }
            volume = new Volume(header, file, new ChannelWriter(channel, path), options.aggregationBytes());
            Recovery r = volume.recover((entry, why) -> { });
            if (created) {
                r = new Recovery(true, true, r.copy(), r.syncSerial(), 0, 0, 0, "a new volume");
            }
            volume.sync(false); // the recovered state, under a new serial, before any new record
            return CacheVolume.opened(path, map, channel, volume, r, options, key);
        } catch (IOException | RuntimeException | Error e) {
            release(key);
            if (volume != null) {
                volume.close();
            }
            if (channel != null) {
                channel.close();
            }
            if (map != null) {
                map.close();
            }
            throw e;
        }
    }

    static void release(Object key) {
        synchronized (OPEN) {
            OPEN.remove(key);
        }
    }

    static boolean isOpenHere(Path path) throws IOException {
        Object key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        synchronized (OPEN) {
            return key != null && OPEN.contains(key);
        }
    }

    /**
     * Writes a new volume beside {@code path} ({@link TempFiles}: a creator killed meanwhile leaves
     * a temporary file that a later creator deletes) and links it there, then forces the directory
     * so the name survives a power cut as the forced contents do; false if a file appeared there
     * first.
     */
    private static boolean createNew(Path path, VolumeGeometry geometry, Options options) throws IOException {
        TempFiles.deleteAbandoned(path, TEMP_KIND, STALE_AFTER);
        Path tmp = TempFiles.newPath(path, TEMP_KIND);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                format(ch, geometry, options);
                ch.force(true);
            }
            try {
                Files.createLink(path, tmp);
            } catch (FileAlreadyExistsException e) {
                return false;
            } catch (UnsupportedOperationException e) {
                Files.move(tmp, path); // no hard links here: not atomic against a racing creator, still no overwrite
            }
            TempFiles.syncDirectory(tmp.getParent());
            return true;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes the volume header, two empty directory copies (A the newer), and sets the file's length. */
    private static void format(FileChannel ch, VolumeGeometry g, Options options) throws IOException {
        VolumeHeader header = new VolumeHeader(g, RANDOM.nextLong(), RANDOM.nextLong(), RANDOM.nextLong(),
                System.currentTimeMillis());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(HEADER_BYTES);
            header.write(page);
            CacheFormat.write(ch, page, 0);
            MemorySegment copy = arena.allocate(g.copyBytes());
            for (int c = 1; c >= 0; c--) {
                DirectoryCopy.encode(copy, g, new DirectoryCopy.State(1 - c, 0, 0, 0, options.aggregationBytes(), true,
                        DirectoryCopy.Counts.NONE));
                CacheFormat.write(ch, copy, g.copyOffset(c));
            }
            if (ch.size() < g.volumeBytes()) {
                CacheFormat.write(ch, arena.allocate(1), g.volumeBytes() - 1); // sparse: the data region is not written
            }
        }
    }
}
