package io.mmap4j.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32C;

/**
 * A CRC32C of mapped bytes that another process may cut short while they are read, for the
 * verifiers, which promise to report such a cut and not die of it. The JDK's {@code CRC32C} reads
 * a direct buffer in an intrinsic the JVM does not guard, so a page cut from under it is a
 * {@code SIGBUS} that kills the JVM. Here the bytes go through a heap buffer first: the read is
 * then the JDK's guarded copy, where the fault becomes the {@link InternalError} the verifiers
 * report as the file shrinking. Costs a copy of each byte, at memory bandwidth, so it serves the
 * paths that check files (verifiers, stats), not the hot paths of a store.
 *
 * <p>Not API: the package is exported only to mmap4j's own store modules. One instance is not
 * safe for use by several threads at once.
 */
public final class GuardedCrc32c {
    private static final int CHUNK = 64 << 10;

    private final CRC32C crc = new CRC32C();
    private final byte[] buffer = new byte[CHUNK];

    /** A CRC of no bytes yet, with a 64 KiB buffer of its own. */
    public GuardedCrc32c() {
        // the fields are all there is
    }

    /** Starts over, as if no byte had been added. */
    public void reset() {
        crc.reset();
    }

    /**
     * Adds {@code length} bytes of {@code segment} from {@code from}.
     *
     * @throws IndexOutOfBoundsException if the range is outside the segment
     * @throws InternalError             if the segment is a mapping whose file was cut short under it
     */
    public void update(MemorySegment segment, long from, long length) {
        for (long at = from, end = from + length; at < end; at += CHUNK) {
            int n = (int) Math.min(CHUNK, end - at);
            MemorySegment.copy(segment, JAVA_BYTE, at, buffer, 0, n);
            crc.update(buffer, 0, n);
        }
    }

    /** The CRC32C of the bytes added since the last {@link #reset}, in the low 32 bits. */
    public long getValue() {
        return crc.getValue();
    }
}
