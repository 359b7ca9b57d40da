package io.mmap4j.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The tour's steps, each a real run with child JVMs and its own checks. */
class TourTest {
    @Test
    void sharedMemoryBetweenJvms() throws Exception {
        assertTrue(SharedMemoryExample.run());
    }
}
