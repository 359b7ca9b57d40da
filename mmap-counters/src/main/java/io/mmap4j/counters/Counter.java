package io.mmap4j.counters;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One named counter of a {@link Counters} file: a 64-bit value in shared memory with the methods
 * and memory semantics of {@link java.util.concurrent.atomic.AtomicLong}. Every process that has
 * the file open sees every update at once; updates from all of them are atomic.
 *
 * <p>Cost: each method is one access to the mapped value (a {@code lock}-prefixed instruction for
 * the read-modify-write ones) behind <em>the checks</em> that each method's description refers
 * to: the FFM's bounds, alignment, read-only and liveness checks on the value's segment. Nothing
 * allocates, nothing looks up the name. Keep the {@code Counter} rather than calling
 * {@link Counters#counter(String)} on every update. Values wrap around on overflow, as
 * {@code AtomicLong}'s do.
 *
 * <p>A counter is valid as long as its {@code Counters} is open. After {@link Counters#close()}
 * every method throws {@link IllegalStateException}, from any thread, and never crashes the JVM.
 * A counter of a file opened {@linkplain Counters#openReadOnly read-only} throws
 * {@link java.nio.ReadOnlyBufferException} from every method that writes.
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
     * <p>Costs a field read.
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
     * <p>Costs a field read.
     *
     * @return the id, from 0 to the file's capacity - 1
     */
    public int id() {
        return id;
    }

    /**
     * The current value (a volatile read).
     *
     * <p>Costs the checks, then one volatile load (a plain {@code mov} on x86-64); allocates
     * nothing.
     *
     * @return the value
     * @throws IllegalStateException if its {@link Counters} is closed
     */
    public long get() {
        try {
            return (long) VALUE.getVolatile(value, 0L);
        } catch (IllegalStateException e) {
            throw owner.accessFailed(this, e);
        }
    }

    /**
     * Sets the value (a volatile write).
     *
     * <p>Costs the checks, then a store and a full fence (a {@code lock}-prefixed instruction on
     * x86-64); allocates nothing.
     *
     * @param newValue the new value
     * @throws IllegalStateException           if its {@link Counters} is closed
     * @throws java.nio.ReadOnlyBufferException if the file was opened read-only
     */
    public void set(long newValue) {
        try {
            VALUE.setVolatile(value, 0L, newValue);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw owner.accessFailed(this, e);
        }
    }

    /**
     * Sets the value and returns the old one, atomically (emmap's {@code set_counter}).
     *
     * <p>Costs the checks, then one atomic exchange ({@code xchg} on x86-64); allocates nothing.
     *
     * @param newValue the new value
     * @return the value before
     * @throws IllegalStateException           if its {@link Counters} is closed
     * @throws java.nio.ReadOnlyBufferException if the file was opened read-only
     */
    public long getAndSet(long newValue) {
        try {
            return (long) VALUE.getAndSet(value, 0L, newValue);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw owner.accessFailed(this, e);
        }
    }

    /**
     * Sets the value to {@code newValue} if it is {@code expectedValue}, atomically. A strong CAS:
     * it fails only when the value differed, never spuriously.
     *
     * <p>Costs the checks, then one {@code lock cmpxchg} on x86-64; allocates nothing.
     *
     * @param expectedValue the value the counter must have
     * @param newValue      the value to set if it has
     * @return whether the value was set
     * @throws IllegalStateException           if its {@link Counters} is closed
     * @throws java.nio.ReadOnlyBufferException if the file was opened read-only
     */
    public boolean compareAndSet(long expectedValue, long newValue) {
        try {
            return VALUE.compareAndSet(value, 0L, expectedValue, newValue);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw owner.accessFailed(this, e);
        }
    }

    /**
     * Adds {@code delta} and returns the old value, atomically (emmap's {@code inc_counter}).
     *
     * <p>Costs the checks, then one atomic fetch-and-add ({@code lock xadd} on x86-64); allocates
     * nothing.
     *
     * @param delta the amount to add; negative subtracts
     * @return the value before
     * @throws IllegalStateException           if its {@link Counters} is closed
     * @throws java.nio.ReadOnlyBufferException if the file was opened read-only
     */
    public long getAndAdd(long delta) {
        try {
            return (long) VALUE.getAndAdd(value, 0L, delta);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw owner.accessFailed(this, e);
        }
    }

    /**
     * Adds {@code delta} and returns the new value, atomically.
     *
     * <p>Costs as {@link #getAndAdd(long)}.
     *
     * @param delta the amount to add; negative subtracts
     * @return the value after
     * @throws IllegalStateException           if its {@link Counters} is closed
     * @throws java.nio.ReadOnlyBufferException if the file was opened read-only
     */
    public long addAndGet(long delta) {
        return getAndAdd(delta) + delta;
    }

    /**
     * Adds one and returns the new value, atomically.
     *
     * <p>Costs as {@link #getAndAdd(long)}: 2.38 ns on the bench machine of
     * {@code docs/BENCHMARKS.md}, against 2.13 ns for {@code AtomicLong.incrementAndGet}.
     *
     * @return the value after
     * @throws IllegalStateException           if its {@link Counters} is closed
     * @throws java.nio.ReadOnlyBufferException if the file was opened read-only
     */
    public long incrementAndGet() {
        return getAndAdd(1) + 1;
    }

    /**
     * Adds one and returns the old value, atomically.
     *
     * <p>Costs as {@link #getAndAdd(long)}.
     *
     * @return the value before
     * @throws IllegalStateException           if its {@link Counters} is closed
     * @throws java.nio.ReadOnlyBufferException if the file was opened read-only
     */
    public long getAndIncrement() {
        return getAndAdd(1);
    }

    /**
     * Subtracts one and returns the new value, atomically.
     *
     * <p>Costs as {@link #getAndAdd(long)}.
     *
     * @return the value after
     * @throws IllegalStateException           if its {@link Counters} is closed
     * @throws java.nio.ReadOnlyBufferException if the file was opened read-only
     */
    public long decrementAndGet() {
        return getAndAdd(-1) - 1;
    }

    /**
     * Subtracts one and returns the old value, atomically.
     *
     * <p>Costs as {@link #getAndAdd(long)}.
     *
     * @return the value before
     * @throws IllegalStateException           if its {@link Counters} is closed
     * @throws java.nio.ReadOnlyBufferException if the file was opened read-only
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
