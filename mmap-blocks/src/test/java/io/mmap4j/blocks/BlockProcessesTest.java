package io.mmap4j.blocks;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two JVMs storing, reading and freeing in one file at once. */
class BlockProcessesTest {
    private static final int OPS = 300_000;

    @TempDir
    Path dir;

    @Test
    void twoProcessesChurningAtOnceNeverShareABlockAndLoseNone() throws Exception {
        Path file = dir.resolve("blocks");
        Path ownedA = dir.resolve("owned-a");
        Path ownedB = dir.resolve("owned-b");
        try (ChildJvm a = ChildJvm.start(BlockChild.class, "churn", file.toString(), "64", Integer.toString(OPS), "1",
                ownedA.toString());
             ChildJvm b = ChildJvm.start(BlockChild.class, "churn", file.toString(), "64", Integer.toString(OPS), "2",
                     ownedB.toString())) {
            a.awaitLine("READY", Duration.ofSeconds(30));
            b.awaitLine("READY", Duration.ofSeconds(30));
            a.send("GO");
            b.send("GO");
            // each child checks every block it reads against what it stored: a block handed to
            // both would show the other's bytes, and the child would fail. Meanwhile verify, which
            // must not mistake their operations under way for damage, and stats, whose figures
            // must always add up to the capacity (each group is counted as it was when read, so the
            // total may count a block freed in one group and one stored in the next).
            int verified = 0;
            while (a.isAlive() || b.isAlive()) {
                assertEquals(List.of(), BlockStorage.verify(file), "verify while two processes churn");
                verified++;
                BlockStorage.Stats stats = BlockStorage.stats(file); // read-only, as mmap4j stat
                assertEquals(stats.capacity(), stats.allocated() + stats.reserved() + stats.free());
            }
            assertTrue(verified > 0);
            System.out.println("verified " + verified + " times while two processes churned");
            a.awaitExit(Duration.ofSeconds(60), 0);
            b.awaitExit(Duration.ofSeconds(60), 0);
        }
        Map<Long, Long> owners = new HashMap<>();
        for (Path owned : List.of(ownedA, ownedB)) {
            for (String line : Files.readAllLines(owned, UTF_8)) {
                String[] parts = line.split(" ");
                assertNull(owners.put(Long.parseLong(parts[0]), Long.parseLong(parts[1])),
                        () -> "address " + parts[0] + " owned by both processes");
            }
        }
        try (BlockStorage s = BlockStorage.open(file, 64)) {
            List<BlockStorage.Block> blocks = s.readBlocks();
            assertEquals(owners.size(), blocks.size(), "allocated blocks besides those the processes own");
            for (BlockStorage.Block block : blocks) {
                assertArrayEquals(BlockStorageTest.block(64, owners.get(block.address())), block.data());
            }
            BlockStorage.Stats stats = s.stats();
            assertEquals(owners.size(), stats.allocated());
            assertEquals(0, stats.reserved());
            assertEquals(stats.capacity() - owners.size(), stats.free());
            assertEquals(new BlockStorage.Repair(0, 0), s.repair());
        }
        assertEquals(List.of(), BlockStorage.verify(file));
    }
}
