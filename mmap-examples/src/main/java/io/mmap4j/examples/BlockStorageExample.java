package io.mmap4j.examples;

import io.mmap4j.blocks.BlockStorage;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fixed-size blocks shared by JVMs: three JVMs store blocks into one {@link BlockStorage} file at
 * the same time (each block names its owner's pid and a number) and free every other one; the file
 * grows under them as they go. Then this JVM reads every block in the file: each JVM's kept
 * blocks must be exactly there, each holding its owner's bytes, and nothing else: no block was
 * handed to two owners, none was lost, and {@code verify} finds the file sound.
 *
 * <pre>mvn -B -q -DskipTests -Pdemo verify -Dexample=BlockStorageExample</pre>
 */
public final class BlockStorageExample {
    private static final int BLOCK = 64;
    private static final int JVMS = 3;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("storer")) {
            store(Path.of(args[1]), Integer.parseInt(args[2]));
        } else {
            System.exit(run(false) ? 0 : 1);
        }
    }

    /** Three JVMs store and free at once; true if every kept block is its owner's and only those are allocated. */
    public static boolean run(boolean quick) throws Exception {
        int blocks = quick ? 20_000 : 200_000;
        Path dir = Files.createTempDirectory("mmap4j-blocks-example");
        Path file = dir.resolve("slots.blocks");
        dir.toFile().deleteOnExit();
        file.toFile().deleteOnExit();
        try {
            List<Jvm> storers = new ArrayList<>();
            for (int i = 0; i < JVMS; i++) {
                storers.add(Jvm.start(BlockStorageExample.class, "storer", file.toString(), String.valueOf(blocks)));
            }
            Map<Long, long[]> reported = new HashMap<>(); // pid -> blocks kept, sum of their numbers
            for (Jvm storer : storers) {
                String[] seen = storer.finish().getFirst().split(" "); // kept, sum, millis
                long pid = storer.handle().pid();
                reported.put(pid, new long[] {Long.parseLong(seen[0]), Long.parseLong(seen[1])});
                System.out.printf("    pid %d: stored %,d blocks and freed every other one in %s ms, kept %,d%n",
                        pid, blocks, seen[2], Long.parseLong(seen[0]));
            }
            Map<Long, long[]> found = new HashMap<>();
            long capacity;
            try (BlockStorage storage = BlockStorage.open(file, BLOCK)) {
                for (BlockStorage.Block b : storage.readBlocks()) {
                    MemorySegment data = MemorySegment.ofArray(b.data());
                    long[] counts = found.computeIfAbsent(data.get(LONG, 0), pid -> new long[2]);
                    counts[0]++;
                    counts[1] += data.get(LONG, 8);
                }
                capacity = storage.capacity();
            }
            boolean same = found.keySet().equals(reported.keySet())
                    && reported.entrySet().stream().allMatch(e -> java.util.Arrays.equals(e.getValue(), found.get(e.getKey())));
            boolean sound = BlockStorage.verify(file).isEmpty();
            long kept = reported.values().stream().mapToLong(c -> c[0]).sum();
            System.out.printf("    the file (%,d blocks, grown from 64 as they stored) holds %,d blocks, each its owner's:"
                    + " %s; verify: %s%n", capacity, kept, same ? "no block had two owners" : "WRONG OWNERS",
                    sound ? "sound" : "PROBLEMS");
            return same && sound;
        } finally {
            Files.deleteIfExists(file);
            Files.delete(dir);
        }
    }

    /**
     * A storing JVM: stores {@code blocks} blocks of (pid, number), freeing every other one as it
     * goes, then checks that each kept block still holds its bytes and prints the count, the sum of
     * the kept numbers and the time.
     */
    private static void store(Path file, int blocks) throws Exception {
        long pid = ProcessHandle.current().pid();
        long start = System.nanoTime();
        List<Long> kept = new ArrayList<>();
        long sum = 0;
        try (BlockStorage storage = BlockStorage.open(file, BLOCK)) { // the first of the three creates it
            MemorySegment block = MemorySegment.ofArray(new byte[BLOCK]);
            block.set(LONG, 0, pid);
            for (long n = 0; n < blocks; n++) {
                block.set(LONG, 8, n);
                long address = storage.store(block);
                if (n % 2 == 0) {
                    storage.free(address);
                } else {
                    kept.add(address);
                    sum += n;
                }
            }
            for (int i = 0; i < kept.size(); i++) {
                MemorySegment mine = storage.view(kept.get(i)); // zero-copy
                if (mine == null || mine.get(LONG, 0) != pid || mine.get(LONG, 8) != 2L * i + 1) {
                    throw new IllegalStateException("block " + kept.get(i) + " no longer holds this JVM's block " + (2 * i + 1));
                }
            }
        }
        System.out.println(kept.size() + " " + sum + " " + (System.nanoTime() - start) / 1_000_000);
    }

    private BlockStorageExample() {}
}
