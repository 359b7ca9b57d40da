package io.mmap4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.MMap;
import io.mmap4j.testkit.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the small-pread rows pay for. mmap4j's pread goes through the FFM's liveness and bounds
 * checks, which the benchmarks show cost about a nanosecond at 64 B against Agrona's
 * {@code getBytes}, which checks bounds only. This is what those checks buy: a read after unmap
 * throws in mmap4j, and kills the JVM in Agrona (docs/BENCHMARKS.md says so; this keeps it true).
 */
class ReadAfterUnmapTest {
    @TempDir
    Path dir;

    @Test
    void agronaGetBytesAfterUnmapCrashesTheJvm() throws Exception {
        Path file = TrialFile.create("agrona-unmap");
        try (ChildJvm child = ChildJvm.start(List.of(PeerFlags.AGRONA, "-XX:-CreateCoredumpOnCrash",
                "-XX:ErrorFile=" + dir.resolve("hs_err_pid%p.log")), ReadAfterUnmap.class, file.toString())) {
            child.awaitExit(Duration.ofSeconds(60), 1); // HotSpot's exit code after a fatal error report
            List<String> output = child.output();
            assertTrue(output.contains(ReadAfterUnmap.UNMAPPED), () -> String.join("\n", output));
            assertFalse(output.contains(ReadAfterUnmap.RETURNED), () -> String.join("\n", output));
            assertTrue(output.stream().anyMatch(l -> l.contains("SIGSEGV")), () -> String.join("\n", output));
        } finally {
            TrialFile.delete(file);
        }
    }

    @Test
    void mmap4jPreadAfterCloseThrows() throws Exception {
        Path file = TrialFile.create("mmap4j-unmap");
        try {
            MMap map = MMap.open(file);
            byte[] bytes = new byte[64];
            map.pread(TrialFile.IO_POS, bytes);
            map.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> map.pread(TrialFile.IO_POS, bytes));
            assertTrue(e.getMessage().contains("closed"), e::getMessage);
            assertEquals(TrialFile.content(TrialFile.IO_POS, 64)[0], bytes[0]);
        } finally {
            TrialFile.delete(file);
        }
    }
}
