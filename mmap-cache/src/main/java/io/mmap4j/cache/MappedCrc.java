package io.mmap4j.cache;

import io.mmap4j.internal.GuardedCrc32c;
import java.lang.foreign.MemorySegment;

/**
 * How a CRC32C of long runs of mapped bytes (record bodies, directory entries) is computed. The
 * JDK's intrinsic reads the mapping directly and fast, but unguarded: a page cut from under it by
 * another process truncating the file is a {@code SIGBUS} that kills the JVM. An open volume holds
 * its file's lock and uses {@link #DIRECT}; the checks that read files other processes may cut
 * ({@code verify}, {@code stats}) use {@link #guarded()}, where such a cut is an
 * {@link InternalError} they report.
 */
interface MappedCrc {
    /** The JDK's intrinsic straight over the mapping: for the volume's own file. */
    MappedCrc DIRECT = CacheFormat::crc;

    /** The CRC32C of {@code length} bytes of {@code s} from {@code offset}. */
    int of(MemorySegment s, long offset, long length);

    /**
     * Through a 64 KiB heap copy ({@link GuardedCrc32c}), one copy of each byte more: for one
     * thread's check of a file another process may cut.
     */
    static MappedCrc guarded() {
        GuardedCrc32c crc = new GuardedCrc32c();
        return (s, offset, length) -> {
            crc.reset();
            crc.update(s, offset, length);
            return (int) crc.getValue();
        };
    }
}
