package io.mmap4j.bench.report;

import java.util.Arrays;
import java.util.Objects;

/**
 * What a benchmark's name says under this module's convention: the class is the area
 * ({@code AtomicsBenchmark} is "Atomics"), the method is {@code operation_peer}, and inside a JMH
 * group each method is {@code operation_peer_role}.
 *
 * @param className the benchmark class's binary name
 * @param area      the class's simple name without the {@code Benchmark} suffix
 * @param operation what is measured, e.g. {@code getAndAdd}
 * @param peer      who does it, e.g. {@code mmap4j}
 * @param role      the thread's role inside a group ({@code reader}), or empty
 */
public record BenchmarkName(String className, String area, String operation, String peer, String role) {
    public BenchmarkName {
        Objects.requireNonNull(className, "className");
        Objects.requireNonNull(area, "area");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(role, "role");
    }

    /**
     * Parses {@code package.ClassBenchmark.operation_peer} or, for a group member,
     * {@code package.ClassBenchmark.operation_peer_role}.
     *
     * @throws IllegalArgumentException if the name does not follow the convention
     */
    public static BenchmarkName parse(String fullName) {
        int dot = fullName.lastIndexOf('.');
        if (dot <= 0) {
            throw new IllegalArgumentException("benchmark name \"" + fullName + "\" is not Class.method");
        }
        return of(fullName.substring(0, dot), fullName.substring(dot + 1));
    }

    /**
     * Parses a method (or group) name of the benchmark class {@code className}.
     *
     * @throws IllegalArgumentException if the method name is not {@code operation_peer[_role]}
     */
    public static BenchmarkName of(String className, String method) {
        String[] parts = method.split("_", -1);
        if (parts.length < 2 || parts.length > 3 || Arrays.asList(parts).contains("")) {
            throw new IllegalArgumentException("benchmark method \"" + method + "\" of " + className
                    + " is not operation_peer or operation_peer_role");
        }
        String simple = className.substring(className.lastIndexOf('.') + 1);
        String area = simple.endsWith("Benchmark") ? simple.substring(0, simple.length() - "Benchmark".length()) : simple;
        return new BenchmarkName(className, area, parts[0], parts[1], parts.length == 3 ? parts[2] : "");
    }
}
