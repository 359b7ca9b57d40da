package io.mmap4j.queue;

import java.nio.file.OpenOption;

/**
 * Options for {@link MappedQueue#open(java.nio.file.Path, long, OpenOption...)} and its siblings,
 * beside the queue's defaults.
 */
public enum QueueOption implements OpenOption {
    /**
     * This handle is the queue's only producer, in any thread of any process, for as long as it is
     * open: it claims space with one ordered store of the tail instead of a compare-and-set, which
     * is what a one-to-one ring buffer does (Agrona's {@code OneToOneRingBuffer}). The open takes an
     * exclusive lock on one byte of the file, which the kernel drops if the process dies, and marks
     * the tail word (bit 62), so that:
     * <ul>
     * <li>opening another handle with this option, in any process, while this one is open is a
     *     {@link java.nio.file.FileSystemException} naming the mode and this process;</li>
     * <li>an offer through any other handle is an {@link IllegalStateException} naming the mode
     *     (consuming, peeking and everything else works as usual);</li>
     * <li>an offer through this handle from a thread other than the first one that offered through
     *     it is an {@link IllegalStateException} naming the mode and both threads.</li>
     * </ul>
     * A single producer killed between claiming and publishing leaves a claim that consumers pass
     * after the unblock timeout, as for any producer; the kernel drops its lock at once, so a new
     * single producer can open at once, and an offer through another handle then finds the lock
     * free, clears the mark and goes on. {@link MappedQueue#close()} clears the mark and drops the
     * lock.
     */
    SINGLE_PRODUCER,

    /**
     * This handle is the queue's only consumer, in any thread of any process, for as long as it is
     * open: it takes a record with one ordered store of the head instead of a compare-and-set, which
     * is what a one-to-one ring buffer does (Agrona's {@code OneToOneRingBuffer}). The open takes an
     * exclusive lock on another byte of the file, which the kernel drops if the process dies, and
     * marks the head word (bit 61), so that:
     * <ul>
     * <li>opening another handle with this option, in any process, while this one is open is a
     *     {@link java.nio.file.FileSystemException} naming the mode and this process;</li>
     * <li>a poll, conditional poll or drain through any other handle is an
     *     {@link IllegalStateException} naming the mode (offering, peeking, iterating and
     *     everything else works as usual; a peek through another handle does not move the head
     *     past padding or abandoned claims, it looks past them);</li>
     * <li>a poll through this handle from a thread other than the first one that polled through
     *     it is an {@link IllegalStateException} naming the mode and both threads.</li>
     * </ul>
     * A conditional poll of another handle that holds the head record when this handle opens
     * finishes as usual. Delivery is as for any consumer: a single consumer killed mid-poll loses at
     * most the record it took; the kernel drops its lock at once, so a new single consumer can
     * open at once, and a poll through another handle then finds the lock free, clears the mark and
     * goes on. {@link MappedQueue#close()} clears the mark and drops the lock. With
     * {@link #SINGLE_PRODUCER} on the handles of its two ends, the queue is a one-to-one ring.
     */
    SINGLE_CONSUMER
}
