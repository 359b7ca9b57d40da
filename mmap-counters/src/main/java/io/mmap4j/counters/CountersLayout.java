package io.mmap4j.counters;

/**
 * The shape of a new counters file, fixed when the file is created: how many counters it holds,
 * how long a name may be, and how far apart two values sit in memory.
 *
 * <pre>{@code
 * Counters.open(path, CountersLayout.DEFAULT.withCapacity(100_000).withMaxNameBytes(96))
 * }</pre>
 *
 * <p>The file takes {@code capacity * (recordSize + valueSlotBytes)} bytes, where the record size
 * is {@code maxNameBytes + 16} rounded up to 64, plus 16 to 32 bytes a counter for the name index
 * and a few pages; pages never written stay sparse. With the defaults (1024 counters, 240-byte
 * names, 128-byte slots) that is 404 KiB. {@code docs/counters-format.md} has the exact formula.
 *
 * <p>A layout is a value: making one costs the range checks and one small object, and touches no
 * file. A component out of range is an {@link IllegalArgumentException} naming the value and the
 * range.
 *
 * @param capacity       how many counters the file can ever hold, 1 to {@value #MAX_CAPACITY}
 * @param maxNameBytes   the longest name, in UTF-8 bytes, 1 to {@value #MAX_NAME_BYTES}
 * @param valueSlotBytes the distance between two values: a power of two from
 *                       {@value #MIN_SLOT_BYTES} to {@value #MAX_SLOT_BYTES}. 128 (the default)
 *                       keeps two counters updated by different cores from slowing each other
 *                       down even where the CPU fetches cache lines in pairs (Intel's adjacent-line
 *                       prefetch) or lines are 128 bytes (Apple silicon, POWER); 64 halves the
 *                       memory and suffices on CPUs with 64-byte lines and no pair prefetch.
 */
public record CountersLayout(int capacity, int maxNameBytes, int valueSlotBytes) {
    /** The largest capacity: a million counters. */
    public static final int MAX_CAPACITY = 1 << 20;
    /** The largest name limit: a record, name and all, fits in one 4 KiB page. */
    public static final int MAX_NAME_BYTES = 4096 - 16;
    /** The smallest value slot: one 64-byte cache line. */
    public static final int MIN_SLOT_BYTES = 64;
    /** The largest value slot: one 4 KiB page. */
    public static final int MAX_SLOT_BYTES = 4096;

    /** 1024 counters, names of up to 240 UTF-8 bytes, 128-byte value slots. */
    public static final CountersLayout DEFAULT = new CountersLayout(1024, 240, 128);

    /**
     * Checks each component against its range.
     *
     * @throws IllegalArgumentException if a value is outside its range, naming the value and the range
     */
    public CountersLayout {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("capacity " + capacity + " is outside 1 to " + MAX_CAPACITY);
        }
        if (maxNameBytes < 1 || maxNameBytes > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("maxNameBytes " + maxNameBytes + " is outside 1 to " + MAX_NAME_BYTES);
        }
        if (valueSlotBytes < MIN_SLOT_BYTES || valueSlotBytes > MAX_SLOT_BYTES || Integer.bitCount(valueSlotBytes) != 1) {
            throw new IllegalArgumentException("valueSlotBytes " + valueSlotBytes + " is not a power of two from "
                    + MIN_SLOT_BYTES + " to " + MAX_SLOT_BYTES);
        }
    }

    /**
     * This layout with another capacity.
     *
     * @param capacity how many counters the file can ever hold, 1 to {@value #MAX_CAPACITY}
     * @return a new layout; this one is unchanged
     * @throws IllegalArgumentException if {@code capacity} is outside its range
     */
    public CountersLayout withCapacity(int capacity) {
        return new CountersLayout(capacity, maxNameBytes, valueSlotBytes);
    }

    /**
     * This layout with another name limit.
     *
     * @param maxNameBytes the longest name, in UTF-8 bytes, 1 to {@value #MAX_NAME_BYTES}
     * @return a new layout; this one is unchanged
     * @throws IllegalArgumentException if {@code maxNameBytes} is outside its range
     */
    public CountersLayout withMaxNameBytes(int maxNameBytes) {
        return new CountersLayout(capacity, maxNameBytes, valueSlotBytes);
    }

    /**
     * This layout with another value slot size.
     *
     * @param valueSlotBytes the distance between two values: a power of two from
     *                       {@value #MIN_SLOT_BYTES} to {@value #MAX_SLOT_BYTES}
     * @return a new layout; this one is unchanged
     * @throws IllegalArgumentException if {@code valueSlotBytes} is not such a power of two
     */
    public CountersLayout withValueSlotBytes(int valueSlotBytes) {
        return new CountersLayout(capacity, maxNameBytes, valueSlotBytes);
    }
}
