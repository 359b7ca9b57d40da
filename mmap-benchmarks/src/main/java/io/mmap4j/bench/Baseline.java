package io.mmap4j.bench;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the peers an area's benchmarks are compared with. Benchmark methods are named
 * {@code operation_peer} (or {@code operation_peer_role} inside a JMH group); the report divides
 * every score by the score of the same operation and parameters for each peer named here, measured
 * in the same run.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Baseline {
    /** Peer names, as they appear after the first {@code _} of the method names; the first is the floor. */
    String[] value();
}
