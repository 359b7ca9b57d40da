package io.mmap4j.bench.latency;

import java.time.Duration;
import java.util.Arrays;

/**
 * Two processes bounce a sequence number through shared memory, busy-spinning: the pinger writes
 * {@code n} to its slot and spins until the ponger's slot shows {@code n}; the ponger spins until
 * the pinger's slot changes and writes the value back. One round trip is two cache-line transfers
 * between cores. Nothing here allocates after the sample array, takes a lock or calls the kernel.
 *
 * <p>Layout of the shared region ({@link #REGION_SIZE} bytes, zero at the start, each slot in its
 * own pair of cache lines so the two writers never share one):
 * <pre>
 * offset   0  long  ping: the last sequence number sent, or {@link #STOP}
 * offset 128  long  pong: the last sequence number echoed
 * offset 256  long  ready: 1 once the ponger is spinning
 * </pre>
 */
public final class PingPong {
    public static final long PING = 0;
    public static final long PONG = 128;
    public static final long READY = 256;
    /** Bytes the shared region needs. */
    public static final long REGION_SIZE = 4096;
    /** Written to the ping slot when the pinger is done; the ponger returns. */
    public static final long STOP = -1;

    /** Waits are checked against the clock only every this many spins, so a quick answer never reads it. */
    private static final int SPINS_PER_CLOCK_CHECK = 1 << 12;

    private PingPong() {
    }

    /**
     * Plays the pinger: waits for the ponger to be ready, runs {@code warmup} untimed round trips,
     * then up to {@code rounds} timed ones, and finally tells the ponger to stop. Each sample is one
     * round trip in nanoseconds, including one {@code System.nanoTime()}.
     *
     * @param budget the most time to spend after the ponger is ready; when it runs out, the samples
     *               taken so far are returned (fewer than {@code rounds})
     * @param patience how long to wait for the ponger to become ready, or to answer one ping
     * @return the round-trip times, one per timed round trip
     * @throws IllegalStateException if the ponger does not answer within {@code patience}
     */
    public static long[] ping(SequenceMemory memory, int warmup, int rounds, Duration budget, Duration patience) {
        if (warmup < 0 || rounds <= 0) {
            throw new IllegalArgumentException("warmup " + warmup + " must be >= 0 and rounds " + rounds + " > 0");
        }
        long patienceNanos = patience.toNanos();
        awaitChange(memory, READY, 0, patienceNanos, "the ponger to start");
        long end = System.nanoTime() + budget.toNanos();
        long sequence = 0;
        for (int i = 0; i < warmup; i++) {
            roundTrip(memory, ++sequence, patienceNanos);
            if ((i & (SPINS_PER_CLOCK_CHECK - 1)) == 0 && System.nanoTime() > end) {
                break;
            }
        }
        long[] samples = new long[rounds];
        int taken = 0;
        while (taken < rounds) {
            long start = System.nanoTime();
            roundTrip(memory, ++sequence, patienceNanos);
            long stop = System.nanoTime();
            samples[taken++] = stop - start;
            if (stop > end) {
                break;
            }
        }
        memory.putRelease(PING, STOP);
        return taken == rounds ? samples : Arrays.copyOf(samples, taken);
    }

    /**
     * Plays the ponger: announces it is ready, then echoes every ping until it reads {@link #STOP}.
     *
     * @param patience the longest gap between two pings before giving up
     * @return the number of pings echoed
     * @throws IllegalStateException if no ping comes within {@code patience}
     */
    public static long pong(SequenceMemory memory, Duration patience) {
        long patienceNanos = patience.toNanos();
        memory.putRelease(READY, 1);
        long echoed = 0;
        long last = 0;
        while (true) {
            last = awaitChange(memory, PING, last, patienceNanos, "the next ping");
            if (last == STOP) {
                return echoed;
            }
            memory.putRelease(PONG, last);
            echoed++;
        }
    }

    private static void roundTrip(SequenceMemory memory, long sequence, long patienceNanos) {
        memory.putRelease(PING, sequence);
        long answer = awaitChange(memory, PONG, sequence - 1, patienceNanos, "the pong of " + sequence);
        if (answer != sequence) {
            throw new IllegalStateException("sent ping " + sequence + " but the pong slot shows " + answer
                    + ": is another pinger using the same region?");
        }
    }

    /**
     * Spins until the long at {@code offset} differs from {@code from}, and returns it. The clock is
     * read only every {@link #SPINS_PER_CLOCK_CHECK} spins, the first time to start the timeout.
     */
    private static long awaitChange(SequenceMemory memory, long offset, long from, long timeoutNanos, String what) {
        long value;
        long started = 0;
        int spins = 0;
        while ((value = memory.getAcquire(offset)) == from) {
            Thread.onSpinWait();
            if (++spins == SPINS_PER_CLOCK_CHECK) {
                spins = 0;
                long now = System.nanoTime();
                if (started == 0) {
                    started = now;
                } else if (now - started > timeoutNanos) {
                    throw new IllegalStateException("waited " + Duration.ofNanos(now - started).toMillis()
                            + " ms for " + what + " at offset " + offset + ", still " + from);
                }
            }
        }
        return value;
    }
}
