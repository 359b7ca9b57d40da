package io.mmap4j.queue;

import java.util.concurrent.locks.LockSupport;

/**
 * How a blocking call waits for the other side: spin, then yield, then park with a doubling,
 * bounded sleep. Busy traffic is met while spinning (a few microseconds), so hand-offs stay fast;
 * an idle wait settles into {@value #MAX_PARK_NANOS} ns sleeps, about a thousand wake-ups a second,
 * which costs no measurable CPU. Processes share no wake-up signal (the JDK has no futex), so the
 * sleep bounds how late an idle waiter sees new work.
 */
final class Backoff {
    static final int SPINS = 200;
    static final int YIELDS = 50;
    static final long MIN_PARK_NANOS = 1_000;
    static final long MAX_PARK_NANOS = 1_000_000;

    private int steps;
    private long park = MIN_PARK_NANOS;

    /** Waits one step, never longer than {@code maxNanos}. */
    void idle(long maxNanos) {
        if (steps < SPINS) {
            Thread.onSpinWait();
        } else if (steps < SPINS + YIELDS) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(Math.min(park, maxNanos));
            park = Math.min(park * 2, MAX_PARK_NANOS);
        }
        steps++;
    }
}
