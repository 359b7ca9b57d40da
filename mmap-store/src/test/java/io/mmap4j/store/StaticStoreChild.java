package io.mmap4j.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/** The other processes of {@link StaticStoreProcessesTest}: each mode is one process's part. */
public final class StaticStoreChild {
    private StaticStoreChild() {
    }

    /** Entry {@code i} of the shared stores. */
    static String key(int i) {
        return "key-" + i;
    }

    static byte[] value(int i, String version) {
        return (version + " value " + i + " " + "v".repeat(i % 50)).getBytes(UTF_8);
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "read" -> read(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]));
            case "hold" -> hold(Path.of(args[1]));
            case "write" -> write(Path.of(args[1]), Integer.parseInt(args[2]), args[3]);
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /**
     * Opens a small store (loading the classes), then the big one, counting the page faults of
     * the second open; prints them and a digest of every value looked up.
     */
    private static void read(Path small, Path big, int entries) throws Exception {
        try (StaticStore warmUp = StaticStore.open(small)) {
            warmUp.get("anything");
        }
        long before = minorFaults();
        StaticStore store = StaticStore.open(big);
        long faults = minorFaults() - before;
        try (store) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < entries; i++) {
                MemorySegment value = store.view(key(i)); // zero-copy: the shared page cache
                digest.update(value.asByteBuffer());
            }
            System.out.println("OPEN-FAULTS " + faults);
            System.out.println("DIGEST " + HexFormat.of().formatHex(digest.digest()));
            System.out.println("PAGES " + Files.size(big) / 4096);
        }
    }

    /** Opens the store, prints its version, waits for a line, prints the version it still reads, then a fresh open's. */
    private static void hold(Path path) throws Exception {
        try (StaticStore store = StaticStore.open(path)) {
            System.out.println("VERSION " + store.get("version", Codec.utf8()));
            new BufferedReader(new InputStreamReader(System.in, UTF_8)).readLine();
            System.out.println("STILL " + store.get("version", Codec.utf8()) + " " + store.get(key(7), Codec.utf8()));
            try (StaticStore fresh = StaticStore.open(path)) {
                System.out.println("FRESH " + fresh.get("version", Codec.utf8()));
            }
        }
    }

    /** Writes a new version of {@code entries} entries, telling when it starts; to be killed at some point. */
    private static void write(Path path, int entries, String version) throws Exception {
        try (StaticStore.Writer w = StaticStore.writer(path)) {
            w.put("version", version.getBytes(UTF_8));
            System.out.println("WRITING " + ProcessHandle.current().pid());
            for (int i = 0; i < entries; i++) {
                w.put(key(i), value(i, version));
            }
        }
        System.out.println("PUBLISHED");
    }

    /** This process's minor page faults so far: field 10 of /proc/self/stat. */
    static long minorFaults() throws Exception {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[7]);
    }
}
