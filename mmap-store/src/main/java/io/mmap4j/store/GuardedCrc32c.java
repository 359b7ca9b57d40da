package io.mmap4j.store;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32C;

/**
 * A CRC32C of mapped bytes that another process may cut short while they are read, for the
 * verifiers, which promise to report such a cut and not die of it. The JDK's {@code CRC32C} reads
 * a direct buffer in an intrinsic the JVM does not guard, so a page cut from under it is a
 * {@code SIGBUS} that kills the JVM. Here the bytes go through a heap buffer first: the read is
 * then the JDK's guarded copy, where the fault becomes the {@link InternalError} the verifiers
 * report as the file shrinking. Costs a copy of each byte, at memory bandwidth.
 */
final class GuardedCrc32c {
    private static final int CHUNK = 64 << 10;

    private final CRC32C crc = new CRC32C();
    private final byte[] buffer = new byte[CHUNK];

    void reset() {
        crc.reset();
    }

    /** Adds {@code length} bytes of {@code segment} from {@code from}. */
    void update(MemorySegment segment, long from, long length) {
        for (long at = from, end = from + length; at < end; at += CHUNK) {
            int n = (int) Math.min(CHUNK, end - at);
            MemorySegment.copy(segment, JAVA_BYTE, at, buffer, 0, n);
            crc.update(buffer, 0, n);
        }
    }

    long getValue() {
        return crc.getValue();
    }
}
