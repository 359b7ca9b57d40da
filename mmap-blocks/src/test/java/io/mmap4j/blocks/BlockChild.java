package io.mmap4j.blocks;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** The other processes of {@link BlockProcessesTest} and {@link BlockCrashTest}: each mode is one process's part. */
public final class BlockChild {
    private BlockChild() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "churn" -> churn(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Long.parseLong(args[4]), Path.of(args[5]));
            case "crash" -> crash(Path.of(args[1]), Integer.parseInt(args[2]), Long.parseLong(args[3]), Path.of(args[4]));
            case "hold" -> hold(Path.of(args[1]), Integer.parseInt(args[2]));
            case "release" -> release(Path.of(args[1]), Integer.parseInt(args[2]));
            case "burst" -> burst(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /**
     * After a GO line on stdin, {@code ops} random stores, reads and frees of this process's own blocks (at most 2000 live),
     * each read checked against what was stored; then writes "address n" for every block it still
     * owns to {@code owned} and prints DONE.
     */
    private static void churn(Path file, int blockSize, int ops, long seed, Path owned) throws IOException {
        Random random = new Random(seed);
        Map<Long, Long> mine = new HashMap<>();
        List<Long> addresses = new ArrayList<>();
        try (BlockStorage s = BlockStorage.open(file, blockSize);
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, UTF_8))) {
            System.out.println("READY");
            if (!"GO".equals(in.readLine())) { // both processes start churning together
                throw new IllegalStateException("no GO from the test");
            }
            for (int op = 0; op < ops; op++) {
                int dice = random.nextInt(100);
                if (mine.isEmpty() || (dice < 40 && mine.size() < 2000)) {
                    long n = seed << 32 | op;
                    long address = s.store(BlockStorageTest.block(blockSize, n));
                    if (mine.put(address, n) != null) {
                        throw new AssertionError("block " + address + " stored twice by this process");
                    }
                    addresses.add(address);
                    check(s, address, blockSize, n);
                } else if (dice < 70) {
                    long address = addresses.get(random.nextInt(addresses.size()));
                    check(s, address, blockSize, mine.get(address));
                } else {
                    int i = random.nextInt(addresses.size());
                    long address = addresses.get(i);
                    check(s, address, blockSize, mine.remove(address));
                    addresses.set(i, addresses.getLast());
                    addresses.removeLast();
                    if (!s.free(address)) {
                        throw new AssertionError("block " + address + " was not allocated when its owner freed it");
                    }
                }
            }
        }
        StringBuilder out = new StringBuilder();
        mine.forEach((address, n) -> out.append(address).append(' ').append(n).append('\n'));
        Files.writeString(owned, out, UTF_8);
        System.out.println("DONE " + mine.size());
    }

    private static void check(BlockStorage s, long address, int blockSize, long n) {
        byte[] found = s.read(address);
        if (!Arrays.equals(BlockStorageTest.block(blockSize, n), found)) {
            throw new AssertionError("block " + address + " holds something other than block " + n
                    + " of this process: another owner wrote it");
        }
    }

    /**
     * Takes over the blocks listed in {@code owned} ("address n" lines), then stores and frees
     * until killed, printing "store? n" before each store, "S address n" after it returned,
     * "free? address" before each free and "F address" after it returned.
     */
    private static void crash(Path file, int blockSize, long seed, Path owned) throws IOException {
        Random random = new Random(seed);
        List<long[]> mine = new ArrayList<>();
        for (String line : Files.readAllLines(owned, UTF_8)) {
            String[] parts = line.split(" ");
            mine.add(new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])});
        }
        try (BlockStorage s = BlockStorage.open(file, blockSize)) {
            System.out.println("READY");
            for (long op = 0; ; op++) {
                if (mine.isEmpty() || random.nextInt(100) < 55) {
                    long n = seed << 32 | op;
                    System.out.println("store? " + n);
                    long address = s.store(BlockStorageTest.block(blockSize, n));
                    System.out.println("S " + address + " " + n);
                    mine.add(new long[] {address, n});
                } else {
                    int i = random.nextInt(mine.size());
                    long address = mine.get(i)[0];
                    mine.set(i, mine.getLast());
                    mine.removeLast();
                    System.out.println("free? " + address);
                    if (!s.free(address)) {
                        throw new AssertionError("block " + address + " was not allocated when its owner freed it");
                    }
                    System.out.println("F " + address);
                }
            }
        }
    }

    /**
     * Stores {@code count} blocks without a word, then prints the "S address n" record of each in
     * one write, so that they all sit in the pipe at once, then stores one more block (its n is
     * {@code count}) to tell the test that the write has returned, and waits to be killed.
     */
    private static void burst(Path file, int blockSize, int count) throws Exception {
        try (BlockStorage s = BlockStorage.open(file, blockSize)) {
            StringBuilder records = new StringBuilder();
            for (int n = 0; n < count; n++) {
                records.append("S ").append(s.store(BlockStorageTest.block(blockSize, n))).append(' ').append(n)
                        .append('\n');
            }
            System.out.print(records);
            System.out.flush();
            s.store(BlockStorageTest.block(blockSize, count));
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    /** Opens the storage and prints READY; closes it on a CLOSE line and prints CLOSED; exits on EOF. */
    private static void hold(Path file, int blockSize) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, UTF_8));
        try (BlockStorage s = BlockStorage.open(file, blockSize)) {
            System.out.println("READY");
            if (!"CLOSE".equals(in.readLine())) {
                return;
            }
        }
        System.out.println("CLOSED");
        in.readLine();
    }

    /** Opens the storage and releases its reserved blocks: prints "RELEASED n" or "REFUSED message". */
    private static void release(Path file, int blockSize) throws IOException {
        try (BlockStorage s = BlockStorage.open(file, blockSize)) {
            System.out.println("RELEASED " + s.releaseReserved());
        } catch (IllegalStateException e) {
            System.out.println("REFUSED " + e.getMessage());
        }
    }
}
