package io.mmap4j.bench;

import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** The on-heap reference point: what the same operation costs on an {@link AtomicLong}. */
@State(Scope.Benchmark)
public class AtomicLongPeer {
    final AtomicLong value = new AtomicLong();
}
