package io.mmap4j.cache;

import static io.mmap4j.cache.CacheFormat.BUCKET_DEPTH;
import static io.mmap4j.cache.CacheFormat.COPY_HEADER_BYTES;
import static io.mmap4j.cache.CacheFormat.ENTRY_BYTES;
import static io.mmap4j.cache.CacheFormat.KIND_OBJECT;
import static io.mmap4j.cache.CacheFormat.R_BODY_CRC;

import io.mmap4j.MMap;
import io.mmap4j.cache.CacheVolume.Problem;
import io.mmap4j.cache.CacheVolume.Recovery;
import io.mmap4j.cache.CacheVolume.Stats;
import io.mmap4j.cache.DirectoryCopy.Checked;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link CacheVolume#verify} and {@link CacheVolume#stats(Path)}: read-only, lock-free looks at a
 * volume that may be open in another process. A writer rewrites only the older directory copy and
 * the data at its cursor, so while one is live the newer copy is read again if a read of it was
 * torn, and records are not judged (they change under the check).
 */
final class VolumeVerifier {
    static final int MAX_PROBLEMS = 1000;
    private static final int LIVE_ATTEMPTS = 5;

    private VolumeVerifier() {
    }

    static Stats stats(Path path) throws IOException {
        // On a thread of its own, as open: an interrupt would close the map's and the lock's channels.
        return ChannelWriter.onOwnThread("mmap4j-cache-stats " + path.getFileName(), () -> {
            long length = Files.size(path);
            try {
                return statsHere(path);
            } catch (InternalError fault) {
                throw cutShort(path, length, fault).exception(path);
            }
        });
    }

    private static Stats statsHere(Path path) throws IOException {
        try (MMap map = MMap.open(path, StandardOpenOption.READ)) {
            MemorySegment file = map.segment();
            List<Problem> problems = VolumeHeader.check(file);
            if (!problems.isEmpty()) {
                throw problems.getFirst().exception(path);
            }
            VolumeGeometry g = VolumeHeader.read(file).geometry();
            Checked[] copies = copies(file, g, true);
            Checked newest = DirectoryCopy.newer(copies[0], copies[1]);
            if (newest == null) {
                throw copies[0].problem().exception(path);
            }
            DirectoryCopy.State s = newest.state();
            DirectoryCopy.Counts n = s.counts();
            return new Stats(path, g.volumeBytes(), g.dataBytes(), g.entries(), s.objects(),
                    Math.min(s.cursor(), g.dataBytes()) / (double) g.dataBytes(), s.cursor(), s.serial(), n.hits(),
                    n.misses(), n.evictions(), n.bytesWritten(), n.corruptDropped(), s.recoveries());
        }
    }

    static List<Problem> verify(Path path) throws IOException {
        return ChannelWriter.onOwnThread("mmap4j-cache-verify " + path.getFileName(), () -> {
            long length = Files.size(path);
            List<Problem> problems = new ArrayList<>();
            try {
                return verifyHere(path, problems);
            } catch (InternalError fault) {
                problems.add(0, cutShort(path, length, fault));
                return problems.size() > MAX_PROBLEMS ? problems.subList(0, MAX_PROBLEMS) : problems;
            }
        });
    }

    /**
     * The problem of a check that met a fault reading the mapping ({@code SIGBUS}, which the
     * JVM's guarded accesses turn into an {@link InternalError}): the file was cut short under the
     * check, which then reports where it ends now; or, not shorter, a page the disk could not give.
     */
    private static Problem cutShort(Path path, long lengthBefore, InternalError fault) throws IOException {
        long now = Files.size(path);
        if (now < lengthBefore) {
            return new Problem(now, "file length", Long.toString(now), lengthBefore
                    + ", its length when the check began: another process cut the file short while it was checked");
        }
        return new Problem(now, "mapped file", "a fault reading a page (" + fault.getMessage() + ")",
                "pages the file system can read");
    }

    private static List<Problem> verifyHere(Path path, List<Problem> problems) throws IOException {
        try (MMap map = MMap.open(path, StandardOpenOption.READ)) {
            MemorySegment file = map.segment();
            problems.addAll(VolumeHeader.check(file));
            if (!problems.isEmpty()) {
                return problems;
            }
            VolumeHeader header = VolumeHeader.read(file);
            VolumeGeometry g = header.geometry();
            boolean here = VolumeFiles.isOpenHere(path);
            // A channel of our own may only be closed when no volume of this JVM holds the file's lock.
            try (FileChannel channel = here ? null : FileChannel.open(path, StandardOpenOption.READ);
                 FileLock lock = here ? null : channel.tryLock(0, Long.MAX_VALUE, true)) {
                boolean live = here || lock == null;
                Checked[] copies = copies(file, g, live);
                Checked newest = DirectoryCopy.newer(copies[0], copies[1]);
                for (Checked c : copies) {
                    if (!c.valid() && (!live || newest == null)) {
                        problems.add(c.problem());
                    }
                }
                if (live && newest == null) {
                    return problems;
                }
                long copyAt = newest == null ? -1 : g.copyOffset(newest.copy()) + COPY_HEADER_BYTES;
                Volume volume = new Volume(header, file, null, CacheVolume.Options.DEFAULT.aggregationBytes());
                try {
                    Recovery r = volume.recover((entry, why) -> {
                        if (problems.size() < MAX_PROBLEMS) {
                            problems.add(new Problem(copyAt + entry * ENTRY_BYTES, "directory entry " + entry, why,
                                    "an entry in one chain, with fields the format allows"));
                        }
                    });
                    if (!live) {
                        checkRecords(volume, copyAt, problems);
                    }
                    if (r.copy().equals("none") && problems.isEmpty()) {
                        problems.add(new Problem(g.copyOffset(0), "directory copies", "neither valid", "a valid copy"));
                    }
                } finally {
                    volume.close();
                }
            }
        }
        return problems.size() > MAX_PROBLEMS ? problems.subList(0, MAX_PROBLEMS) : problems;
    }

    /** Every entry the recovered directory holds as live: its record, and that its key hashes to its place. */
    static void checkRecords(Volume v, long copyAt, List<Problem> problems) {
        Directory dir = v.dir;
        long cursor = v.cursor();
        for (int s = 0; s < dir.segments; s++) {
            for (int b = 0; b < dir.bucketsPerSegment; b++) {
                int e = b * BUCKET_DEPTH;
                for (int steps = 0; steps <= dir.perSegment && problems.size() < MAX_PROBLEMS; steps++) {
                    long lo = dir.lo(s, e);
                    short hi = dir.hi(s, e);
                    if (Directory.isEmpty(lo, hi)) {
                        break;
                    }
                    long p = v.position(lo, hi, cursor);
                    if (p >= 0) {
                        checkRecord(v, s, b, lo, p, copyAt + ((long) s * dir.perSegment + e) * ENTRY_BYTES, problems);
                    }
                    e = DirEntry.next(lo);
                    if (e == 0) {
                        break;
                    }
                }
            }
        }
    }

    private static void checkRecord(Volume v, int s, int b, long lo, long p, long entryAt, List<Problem> problems) {
        MemorySegment file = v.file;
        long at = v.g.fileOffset(p);
        long room = Math.min(DirEntry.approxBytes(lo), v.dataBytes - p % v.dataBytes);
        if (!Records.headerAt(file, at, p, v.header.volumeId(), room) || Records.kind(file, at) != KIND_OBJECT) {
            problems.add(new Problem(at, "record header", "not a sound object record written at ring position " + p,
                    "the record the directory entry at byte " + entryAt + " names"));
            return;
        }
        if (!Records.bodySound(file, at, v.mappedCrc)) {
            problems.add(new Problem(at + R_BODY_CRC, "record body crc32c",
                    Integer.toUnsignedString(Records.bodyCrc(file, at)), "the CRC32C of the record's key and value"));
            return;
        }
        byte[] key = file.asSlice(Records.keyAt(at), Records.keyLength(file, at)).toArray(ValueLayout.JAVA_BYTE);
        long hash = v.hash(key);
        if (v.segment(hash) != s || v.bucket(hash) != b || Volume.tag(hash) != DirEntry.tag(lo)) {
            problems.add(new Problem(entryAt, "directory entry", "in segment " + s + ", bucket " + b + ", tag "
                    + DirEntry.tag(lo), "segment " + v.segment(hash) + ", bucket " + v.bucket(hash) + ", tag "
                    + Volume.tag(hash) + ", from the hash of its record's key"));
        }
    }

    /**
     * Checks copies A and B. While neither is valid and a writer may be live, reads them again a few
     * times: a writer rewrites only the older copy, so a torn read of the newer one does not last.
     */
    private static Checked[] copies(MemorySegment file, VolumeGeometry g, boolean live) {
        MappedCrc crc = MappedCrc.guarded();
        Checked[] copies = {DirectoryCopy.check(file, g, 0, crc), DirectoryCopy.check(file, g, 1, crc)};
        for (int attempt = 1; live && attempt < LIVE_ATTEMPTS && DirectoryCopy.newer(copies[0], copies[1]) == null;
             attempt++) {
            try {
                Thread.sleep(20); // a live writer is rewriting a copy: read again once it is done
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            copies = new Checked[] {DirectoryCopy.check(file, g, 0, crc), DirectoryCopy.check(file, g, 1, crc)};
        }
        return copies;
    }
}
