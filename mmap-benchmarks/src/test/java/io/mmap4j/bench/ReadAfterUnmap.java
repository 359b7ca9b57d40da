package io.mmap4j.bench;

import java.nio.MappedByteBuffer;
import java.nio.file.Path;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reads 64 bytes through Agrona's {@code UnsafeBuffer.getBytes} (the 64 B pread peer) from a file
 * mapped with {@link IoUtil#mapExistingFile}, unmaps it with {@link IoUtil#unmap}, and reads again.
 * Needs {@link PeerFlags#AGRONA}. Prints a line before each step, so the test sees how far it got.
 */
final class ReadAfterUnmap {
    static final String UNMAPPED = "unmapped, reading again";
    static final String RETURNED = "the read after unmap returned";

    private ReadAfterUnmap() {
    }

    public static void main(String[] args) throws Exception {
        MappedByteBuffer mapped = IoUtil.mapExistingFile(Path.of(args[0]).toFile(), "read after unmap");
        UnsafeBuffer buffer = new UnsafeBuffer(mapped);
        byte[] bytes = new byte[64];
        buffer.getBytes(TrialFile.IO_POS, bytes);
        IoUtil.unmap(mapped);
        System.out.println(UNMAPPED);
        buffer.getBytes(TrialFile.IO_POS, bytes);
        System.out.println(RETURNED);
    }
}
