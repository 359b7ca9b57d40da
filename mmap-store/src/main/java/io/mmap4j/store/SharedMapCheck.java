package io.mmap4j.store;

import static io.mmap4j.store.SharedMapFormat.INT;
import static io.mmap4j.store.SharedMapFormat.LONG;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

/** Compares header fields with what the format allows, adding a {@link SharedMap.Problem} for each that differs. */
record SharedMapCheck(Path path, MemorySegment file, List<SharedMap.Problem> problems) {
    /** Whether the 8-byte field at {@code offset} is {@code expected}; adds a problem if not. */
    boolean equal(long offset, String field, long expected, String expectedText) {
        long found = file.get(LONG, offset);
        if (found == expected) {
            return true;
        }
        problems.add(new SharedMap.Problem(path, offset, field, "0x" + Long.toHexString(found)
                + " (" + Long.toUnsignedString(found) + ")", expectedText));
        return false;
    }

    /** Whether the 4-byte field at {@code offset} is {@code expected}; adds a problem if not. */
    boolean equalInt(long offset, String field, int expected) {
        int found = file.get(INT, offset);
        if (found == expected) {
            return true;
        }
        problems.add(new SharedMap.Problem(path, offset, field, Integer.toUnsignedString(found), Integer.toString(expected)));
        return false;
    }
}
