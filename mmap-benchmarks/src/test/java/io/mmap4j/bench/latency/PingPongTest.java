package io.mmap4j.bench.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.MMap;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ping-pong protocol between two threads of this JVM; {@link LatencyHarnessTest} runs it between processes. */
class PingPongTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void everyPingIsEchoedAndTimedOnce() throws Exception {
        try (MMap map = MMap.open(dir.resolve("region"), PingPong.REGION_SIZE, StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            SequenceMemory memory = SequenceMemory.of(map);
            CompletableFuture<Long> ponger = CompletableFuture.supplyAsync(() -> PingPong.pong(memory, PATIENCE));

            long[] samples = PingPong.ping(memory, 1_000, 5_000, Duration.ofMinutes(1), PATIENCE);

            assertEquals(6_000, ponger.get(30, TimeUnit.SECONDS), "pings echoed: warm-up and timed");
            assertEquals(5_000, samples.length);
            assertTrue(Arrays.stream(samples).allMatch(s -> s > 0), "every round trip takes time");
            assertEquals(PingPong.STOP, map.getLongAcquire(PingPong.PING));
            assertEquals(6_000, map.getLongAcquire(PingPong.PONG));
        }
    }

    @Test
    void aPingerWithoutPongerGivesUpAfterItsPatience() throws Exception {
        try (MMap map = MMap.open(dir.resolve("region"), PingPong.REGION_SIZE, StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> PingPong.ping(
                    SequenceMemory.of(map), 0, 10, Duration.ofSeconds(1), Duration.ofMillis(100)));
            assertTrue(e.getMessage().startsWith("waited ") && e.getMessage().endsWith(
                    " ms for the ponger to start at offset 256, still 0"), e.getMessage());
        }
    }

    @Test
    void aPongerWithoutPingerGivesUpAfterItsPatience() throws Exception {
        try (MMap map = MMap.open(dir.resolve("region"), PingPong.REGION_SIZE, StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> PingPong.pong(SequenceMemory.of(map), Duration.ofMillis(100)));
            assertTrue(e.getMessage().endsWith(" ms for the next ping at offset 0, still 0"), e.getMessage());
            assertEquals(1, map.getLongAcquire(PingPong.READY), "it said it was ready");
        }
    }

    @Test
    void roundsMustBePositiveAndWarmupNotNegative() {
        SequenceMemory unused = SequenceMemory.of(MMap.wrap(java.lang.foreign.Arena.ofAuto().allocate(PingPong.REGION_SIZE, 8)));
        assertEquals("warmup 0 must be >= 0 and rounds 0 > 0", assertThrows(IllegalArgumentException.class,
                () -> PingPong.ping(unused, 0, 0, PATIENCE, PATIENCE)).getMessage());
        assertEquals("warmup -1 must be >= 0 and rounds 5 > 0", assertThrows(IllegalArgumentException.class,
                () -> PingPong.ping(unused, -1, 5, PATIENCE, PATIENCE)).getMessage());
    }
}
