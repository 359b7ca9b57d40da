package io.mmap4j.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The machine this JVM runs on, as the report describes it.
 *
 * @param cpu    the CPU model ({@code /proc/cpuinfo}), or the architecture where that is unknown
 * @param cores  the processors this JVM may use (as {@code nproc})
 * @param memory total memory ({@code /proc/meminfo}), or "?"
 * @param os     kernel name, version and architecture
 */
public record Machine(String cpu, int cores, String memory, String os) {

    /** This machine: reads {@code /proc/cpuinfo} and {@code /proc/meminfo} where they exist, and system properties. */
    public static Machine current() {
        String arch = System.getProperty("os.arch");
        String cpu = field(Path.of("/proc/cpuinfo"), "model name").orElse(arch);
        String memory = field(Path.of("/proc/meminfo"), "MemTotal")
                .map(kb -> String.format(Locale.ROOT, "%.1f GiB", Long.parseLong(kb.replaceAll("\\D", "")) / (1024.0 * 1024)))
                .orElse("?");
        return new Machine(cpu, Runtime.getRuntime().availableProcessors(), memory,
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + arch);
    }

    /** The value of the first {@code key : value} line of a /proc file. */
    private static Optional<String> field(Path file, String key) {
        try {
            List<String> lines = Files.readAllLines(file);
            return lines.stream().filter(l -> l.startsWith(key)).map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
