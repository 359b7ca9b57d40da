package io.mmap4j.counters;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One named counter of a {@link Counters} file: a 64-bit value in shared memory with the methods
 * and memory semantics of {@link java.util.concurrent.atomic.AtomicLong}. Every process that has
 * the file open sees every update at once; updates from all of them are atomic. Values wrap around
 * on overflow, as {@code AtomicLong}'s do.
 *
 * <h2>Memory ordering</h2>
 * Every method is sequentially consistent, as {@code AtomicLong}'s are: {@link #get()} is a
 * volatile load, {@link #set(long)} a volatile store, and the others one atomic read-modify-write
 * ({@code lock xadd}, {@code xchg} or {@code lock cmpxchg} on x86-64). {@link #compareAndSet} is
 * strong: it fails only when the value differed, never spuriously. The order holds between
 * processes as between threads: the instructions act on the shared physical page.
 *
 * <h2>Errors and lifetime</h2>
 * A counter is valid as long as its {@code Counters} is open. After {@link Counters#close()}
 * every method throws {@link IllegalStateException}, from any thread, naming the counter and its
 * file, and never crashes the JVM. A counter of a file opened
 * {@linkplain Counters#openReadOnly read-only} throws {@link io.mmap4j.ReadOnlyMapException} (a
 * {@link java.nio.ReadOnlyBufferException}) from every method that writes.
 *
 * <h2>Cost</h2>
 * Each method is one access to the mapped value behind the FFM's bounds, alignment, read-only and
 * liveness checks on the value's segment, as {@link io.mmap4j.MMap}'s accesses are; nothing
 * allocates, nothing looks up the name. Keep the {@code Counter} rather than calling
 * {@link Counters#counter(String)} on every update. Measured figures, against
 * {@code AtomicLong.incrementAndGet}, are in {@code docs/BENCHMARKS.md}.
 */
public final class Counter {
    /** Atomic, little-endian, on the 8-byte view of this counter's slot (always 8-aligned). */
    private static final VarHandle VALUE = ValueLayout.JAVA_LONG.withOrder(LITTLE_ENDIAN).varHandle();

    private final Counters owner;
    private final int id;
    private final String name;
    /** The 8 bytes of the value: a view of the owner's map, dead once the map is closed. */
    private final MemorySegment value;

    Counter(Counters owner, int id, String name, MemorySegment value) {
        this.owner = owner;
        this.id = id;
        this.name = name;
        this.value = value;
    }

    /**
     * The counter's name.
     *
     * @return the name it was created with
     */
    public String name() {
        return name;
    }

    /**
     * The counter's id: its index in the file, from 0 up in order of creation. Stable for the life
     * of the file and the same in every process; {@link Counters#counter(int)} finds it again.
     *
     * @return the id, from 0 to the file's capacity - 1
     */
    public int id() {
        return id;
    }

    /**
     * The current value.
     *
     * @return the value
     */
    public long get() {
        try {
            return (long) VALUE.getVolatile(value, 0L);
        } catch (IllegalStateException e) {
            throw owner.accessFailed(this, e);
        }
    }

    /**
     * Sets the value.
     *
     * @param newValue the new value
     */
    public void set(long newValue) {
        try {
            VALUE.setVolatile(value, 0L, newValue);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw owner.accessFailed(this, e);
        }
    }

    /**
     * Sets the value and returns the old one (emmap's {@code set_counter}).
     *
     * @param newValue the new value
     * @return the value before
     */
    public long getAndSet(long newValue) {
        try {
            return (long) VALUE.getAndSet(value, 0L, newValue);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw owner.accessFailed(this, e);
        }
    }

    /**
     * Sets the value to {@code newValue} if it is {@code expectedValue}.
     *
     * @param expectedValue the value the counter must have
     * @param newValue      the value to set if it has
     * @return whether the value was set
     */
    public boolean compareAndSet(long expectedValue, long newValue) {
        try {
            // Loads the value first: a page cut off by a truncation of the file then faults in a
            // load, which the JVM turns into an InternalError, rather than in an uncompiled
            // compare-and-set, where the fault kills the JVM (MMap's CAS_GUARD says more).
            long faultsFirst = (long) VALUE.get(value, 0L);
            return VALUE.compareAndSet(value, 0L, expectedValue, newValue);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw owner.accessFailed(this, e);
        }
    }

    /**
     * Adds {@code delta} and returns the old value (emmap's {@code inc_counter}).
     *
     * @param delta the amount to add; negative subtracts
     * @return the value before
     */
    public long getAndAdd(long delta) {
        try {
            return (long) VALUE.getAndAdd(value, 0L, delta);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw owner.accessFailed(this, e);
        }
    }

    /**
     * Adds {@code delta} and returns the new value.
     *
     * @param delta the amount to add; negative subtracts
     * @return the value after
     */
    public long addAndGet(long delta) {
        return getAndAdd(delta) + delta;
    }

    /**
     * Adds one and returns the new value.
     *
     * @return the value after
     */
    public long incrementAndGet() {
        return getAndAdd(1) + 1;
    }

    /**
     * Adds one and returns the old value.
     *
     * @return the value before
     */
    public long getAndIncrement() {
        return getAndAdd(1);
    }

    /**
     * Subtracts one and returns the new value.
     *
     * @return the value after
     */
    public long decrementAndGet() {
        return getAndAdd(-1) - 1;
    }

    /**
     * Subtracts one and returns the old value.
     *
     * @return the value before
     */
    public long getAndDecrement() {
        return getAndAdd(-1);
    }

    /** {@code name=value} (or {@code name=closed}), for logs. */
    @Override
    public String toString() {
        try {
            return name + "=" + get();
        } catch (IllegalStateException e) {
            return name + "=closed";
        }
    }
}
