package io.mmap4j.blocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmap4j.testkit.ChildJvm;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * releaseReserved() frees blocks that look like a store under way, so it runs only while its
 * storage is the only one open on the file, in any process: otherwise it throws, frees nothing,
 * and a store in the other storage carries on; once the others are closed or killed, it runs.
 */
class BlockReleaseTest {
    private static final int BLOCK = 32;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** A file with blocks 0 to 9 stored and block 5 reserved (claimed, unpublished), as a killed store leaves it. */
    private Path withAReservedBlock() throws IOException {
        Path file = dir.resolve("blocks");
        try (BlockStorage s = BlockStorage.open(file, BLOCK)) {
            for (int i = 0; i < 10; i++) {
                s.store(BlockStorageTest.block(BLOCK, i));
            }
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0}), BlockFormat.DATA_OFFSET + BlockFormat.AT_PUBLISHED + 5);
        }
        return file;
    }

    @Test
    void refusedWhileAnotherProcessHasTheFileOpenThenRunsOnceItHasClosedIt() throws Exception {
        Path file = withAReservedBlock();
        try (ChildJvm other = ChildJvm.start(BlockChild.class, "hold", file.toString(), Integer.toString(BLOCK));
             BlockStorage s = BlockStorage.open(file, BLOCK)) {
            other.awaitLine("READY", WAIT);
            IllegalStateException e = assertThrows(IllegalStateException.class, s::releaseReserved);
            assertEquals(file + " is open in another process; only a storage alone in its file may release"
                    + " reserved blocks, which a store under way there could hold (the other processes must close"
                    + " it, or have died, first)", e.getMessage());
            assertEquals(1, s.stats().reserved(), "the refused call freed nothing");
            long stored = s.store(BlockStorageTest.block(BLOCK, 100)); // the storage works on
            assertEquals(10, stored);
            other.send("CLOSE");
            other.awaitLine("CLOSED", WAIT);
            assertEquals(1, s.releaseReserved());
            assertEquals(new BlockStorage.Stats(file, BLOCK, 64, 10, 0, 54, BlockFormat.fileSize(BLOCK, 1)), s.stats());
        }
        assertEquals(List.of(), BlockStorage.verify(file));
    }

    @Test
    void runsRightAfterTheOtherProcessIsKilled() throws Exception {
        Path file = withAReservedBlock();
        try (BlockStorage s = BlockStorage.open(file, BLOCK)) {
            try (ChildJvm other = ChildJvm.start(BlockChild.class, "hold", file.toString(), Integer.toString(BLOCK))) {
                other.awaitLine("READY", WAIT);
                assertThrows(IllegalStateException.class, s::releaseReserved);
                other.kill(); // the kernel drops the dead process's lock
            }
            assertEquals(1, s.releaseReserved());
        }
    }

    /**
     * The other way round, after this JVM opened and closed the file beside its open storage
     * (verify, stats, a second storage): closing a descriptor of a file drops every fcntl lock the
     * process holds on it, so the library shares descriptors and never closes one while its
     * storage is open. The other process is still refused.
     */
    @Test
    void anotherProcessIsRefusedWhileThisOneHasItOpenEvenAfterVerifyStatsAndASecondStorage() throws Exception {
        Path file = withAReservedBlock();
        try (BlockStorage s = BlockStorage.open(file, BLOCK)) {
            assertEquals(List.of(), BlockStorage.verify(file));
            assertEquals(1, BlockStorage.stats(file).reserved());
            BlockStorage.open(file, BLOCK).close();
            List<String> out = ChildJvm.run(WAIT, BlockChild.class, "release", file.toString(), Integer.toString(BLOCK));
            assertEquals(List.of("REFUSED " + file + " is open in another process; only a storage alone in its file"
                    + " may release reserved blocks, which a store under way there could hold (the other processes"
                    + " must close it, or have died, first)"), out);
            assertEquals(1, s.stats().reserved());
        }
        assertEquals(List.of("RELEASED 1"),
                ChildJvm.run(WAIT, BlockChild.class, "release", file.toString(), Integer.toString(BLOCK)));
    }

    @Test
    void refusedWhileAnotherStorageOfTheFileIsOpenInThisProcess() throws Exception {
        Path file = withAReservedBlock();
        try (BlockStorage s = BlockStorage.open(file, BLOCK)) {
            BlockStorage other = BlockStorage.open(dir.resolve(".").resolve("blocks"), BLOCK); // another name, one file
            IllegalStateException e = assertThrows(IllegalStateException.class, s::releaseReserved);
            assertEquals(file + " is open 1 more time(s) in this process; only a storage alone in its file may release"
                    + " reserved blocks, which a store under way elsewhere could hold", e.getMessage());
            assertEquals(1, other.stats().reserved());
            other.close();
            assertEquals(1, s.releaseReserved());
            assertEquals(0, s.releaseReserved());
        }
        BlockStorage closed = BlockStorage.open(file, BLOCK);
        closed.close();
        assertThrows(IllegalStateException.class, closed::releaseReserved);
    }
}
