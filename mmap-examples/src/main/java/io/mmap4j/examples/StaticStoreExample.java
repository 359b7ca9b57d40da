package io.mmap4j.examples;

import io.mmap4j.store.StaticStore;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A static store shared by JVMs: this JVM writes a store of a few hundred MiB (a "model" of
 * 1 MiB shards) and publishes it; two fresh JVMs map it, report how long opening and the first
 * read took, and read every byte of it through zero-copy views, with almost nothing on their
 * heaps. Both must see exactly the bytes written.
 *
 * <pre>mvn -B -q -DskipTests -Pdemo verify -Dexample=StaticStoreExample</pre>
 */
public final class StaticStoreExample {
    private static final int SHARD_BYTES = 1 << 20;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("reader")) {
            read(Path.of(args[1]), Integer.parseInt(args[2]));
        } else {
            System.exit(run(false) ? 0 : 1);
        }
    }

    /** Builds the store, has two JVMs read it all; true if both read exactly what was written, without copying it. */
    public static boolean run(boolean quick) throws Exception {
        int shards = quick ? 32 : 300;
        Path dir = Files.createTempDirectory("mmap4j-static-example");
        Path file = dir.resolve("model.static");
        dir.toFile().deleteOnExit(); // at exit, Ctrl-C too, in reverse order: the file, then the directory
        file.toFile().deleteOnExit();
        try {
            long start = System.nanoTime();
            long expected = 0;
            byte[] shard = new byte[SHARD_BYTES];
            try (StaticStore.Writer w = StaticStore.writer(file)) { // published, forced to disk, at close
                for (int i = 0; i < shards; i++) {
                    new SplittableRandom(i).nextBytes(shard);
                    expected += checksum(MemorySegment.ofArray(shard));
                    w.put(name(i), shard);
                }
            }
            long buildMillis = (System.nanoTime() - start) / 1_000_000;
            StaticStore.Stat stat = StaticStore.stat(file);
            System.out.printf("    built %s: %,d shards, %,d MiB, in %,d ms (published by rename, forced to disk)%n",
                    file.getFileName(), stat.keys(), stat.fileBytes() >> 20, buildMillis);

            List<Jvm> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                readers.add(Jvm.start(StaticStoreExample.class, "reader", file.toString(), String.valueOf(shards)));
            }
            boolean ok = true;
            for (Jvm reader : readers) {
                // open µs, first read µs, checksum, heap MiB, first open µs
                String[] seen = reader.finish().getFirst().split(" ");
                long checksum = Long.parseLong(seen[2]);
                long heapMib = Long.parseLong(seen[3]);
                boolean same = checksum == expected;
                boolean noCopy = heapMib < (stat.fileBytes() >> 20) / 4;
                System.out.printf("    pid %d: open %s µs (%s µs the first time: loading classes), first read %s µs,"
                        + " read all %,d MiB with %,d MiB of heap: %s%n", reader.handle().pid(), seen[0], seen[4], seen[1],
                        stat.fileBytes() >> 20, heapMib,
                        same && noCopy ? "same bytes, no copy" : (same ? "" : "WRONG BYTES ") + (noCopy ? "" : "COPIED"));
                ok &= same && noCopy;
            }
            return ok;
        } finally {
            Files.deleteIfExists(file);
            Files.delete(dir);
        }
    }

    /**
     * A reader JVM: times the first open and lookup (which load the library's and the FFM's
     * classes), then a second open and its first read, then sums every value through views.
     */
    private static void read(Path file, int shards) throws Exception {
        long coldStart = System.nanoTime();
        try (StaticStore first = StaticStore.open(file)) {
            first.view(name(shards - 1)); // loads the lookup's classes too
        }
        long cold = System.nanoTime() - coldStart;
        long start = System.nanoTime();
        try (StaticStore store = StaticStore.open(file)) {
            long opened = System.nanoTime();
            MemorySegment shard0 = store.view(name(0));
            long checksum = shard0.get(LONG, 0); // the first read: a page of the shard, from the page cache
            long firstRead = System.nanoTime();
            checksum += checksum(shard0.asSlice(8));
            for (int i = 1; i < shards; i++) {
                checksum += checksum(store.view(name(i))); // zero-copy: the mapped pages themselves
            }
            Runtime rt = Runtime.getRuntime();
            System.out.println((opened - start) / 1000 + " " + (firstRead - opened) / 1000 + " " + checksum + " "
                    + ((rt.totalMemory() - rt.freeMemory()) >> 20) + " " + cold / 1000);
        }
    }

    private static String name(int shard) {
        return String.format("shard-%04d", shard);
    }

    /** The sum of the value's 8-byte words: reads every byte. */
    private static long checksum(MemorySegment value) {
        long sum = 0;
        for (long at = 0; at + 8 <= value.byteSize(); at += 8) {
            sum += value.get(LONG, at);
        }
        return sum;
    }

    private StaticStoreExample() {}
}
