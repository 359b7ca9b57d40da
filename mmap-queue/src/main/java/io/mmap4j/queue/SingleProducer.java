package io.mmap4j.queue;

import static io.mmap4j.queue.QueueFormat.F_PRODUCER;
import static io.mmap4j.queue.QueueFormat.F_TAIL;
import static io.mmap4j.queue.QueueFormat.TAIL_SINGLE;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The {@link QueueOption#SINGLE_PRODUCER} mode: who may claim with a plain store, and how every
 * other producer learns it may not. {@code docs/queue-format.md} ("Single producer") is the
 * specification.
 *
 * <p>Exclusion is a kernel lock: an exclusive {@code fcntl} lock on one byte at offset
 * {@code 2^63 - 3} of the file, held by the single producer for as long as its handle is open and
 * dropped by the kernel the moment its process dies. Other producers cannot afford a system call
 * per offer, so the mode is also written where every offer already looks: bit 62 of the tail word.
 * The single producer sets it with a compare-and-set after taking the lock, so a producer of another
 * handle either claimed before (its claim is in the tail the single producer reads next) or finds
 * its compare-and-set failing and the bit set. A producer that finds the bit set takes the same
 * lock, briefly: if it can, the single producer died without clearing the bit, and it clears it; if
 * it cannot, the single producer lives, and the offer is refused. The process id in the header (at
 * offset 264) only names the holder in messages.
 */
final class SingleProducer implements AutoCloseable {
    private static final VarHandle WORD = QueueFormat.LONG_HANDLE;
    /** One byte far past the file's end, apart from the recovery's lock ({@link Durability}). */
    static final long LOCK_AT = Long.MAX_VALUE - 2;
    private static final long PID = ProcessHandle.current().pid();
    /** How long an open retries a lock that another handle's check holds for a moment. */
    private static final long RETRY_NANOS = 200_000_000L;
    /**
     * Serialises this JVM's lock attempts on queue files: a JVM holds one lock per region of a file
     * across all its channels, and a second attempt is an {@link OverlappingFileLockException}, which
     * then can only mean that a single producer of this JVM holds it.
     */
    private static final Object JVM_LOCK = new Object();

    private final Ring ring;
    private final FileChannel channel;
    private final FileLock lock;
    /** The thread that offers through the handle: the first one that did. */
    private volatile Thread producer;

    private SingleProducer(Ring ring, FileChannel channel, FileLock lock) {
        this.ring = ring;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the single producer's lock of the queue at {@code path} and marks the tail, or throws a
     * {@link FileSystemException} naming the mode if another handle holds it.
     */
    static SingleProducer acquire(Ring ring, Path path) throws IOException {
        long deadline = System.nanoTime() + RETRY_NANOS;
        while (true) {
            synchronized (JVM_LOCK) {
                FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE);
                FileLock lock = tryLock(channel);
                if (lock != null) {
                    WORD.setVolatile(ring.file, (long) F_PRODUCER, PID);
                    long word;
                    do {
                        word = (long) WORD.getVolatile(ring.file, (long) F_TAIL);
                    } while ((word & TAIL_SINGLE) == 0 && !WORD.compareAndSet(ring.file, (long) F_TAIL, word,
                            word | TAIL_SINGLE));
                    return new SingleProducer(ring, channel, lock);
                }
                channel.close();
            }
            // Held: by a live single producer, or for a moment by another handle's check (see checkOffer).
            if (System.nanoTime() - deadline > 0 || ProcessHandle.of(holder(ring)).map(ProcessHandle::isAlive)
                    .orElse(false) && (ring.tailWord() & TAIL_SINGLE) != 0) {
                throw new FileSystemException(path.toString(), null, "the queue has a single producer already: "
                        + QueueOption.SINGLE_PRODUCER + " is held by process " + holder(ring)
                        + " (only one handle, in one process, may hold it at a time)");
            }
            Thread.onSpinWait();
        }
    }

    /** The lock, or null if held elsewhere (another process, or another channel of this JVM). */
    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock(LOCK_AT, 1, false);
        } catch (OverlappingFileLockException inThisJvm) {
            return null;
        }
    }

    private static long holder(Ring ring) {
        return (long) WORD.getVolatile(ring.file, (long) F_PRODUCER);
    }

    /**
     * A producer of a handle without the mode found the tail marked: if the single producer is gone
     * (its lock is free), clear the mark and return, so that the offer goes on; else throw an
     * {@link IllegalStateException} naming the mode.
     */
    static void checkOffer(Ring ring) {
        synchronized (JVM_LOCK) {
            try (FileChannel channel = FileChannel.open(ring.path, StandardOpenOption.WRITE)) {
                FileLock lock = tryLock(channel);
                if (lock == null) {
                    throw new IllegalStateException("cannot offer to " + ring.path + ": process " + holder(ring)
                            + " holds it as its " + QueueOption.SINGLE_PRODUCER + ", the only producer it allows");
                }
                try {
                    clearMark(ring); // its holder died without clearing it
                } finally {
                    lock.release();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void clearMark(Ring ring) {
        long word;
        do {
            word = ring.tailWord();
        } while ((word & TAIL_SINGLE) != 0 && !WORD.compareAndSet(ring.file, (long) F_TAIL, word, word & ~TAIL_SINGLE));
    }

    /**
     * Throws an {@link IllegalStateException} unless the calling thread is this handle's producer:
     * the first thread that offered through it.
     */
    void checkThread() {
        Thread current = Thread.currentThread();
        Thread owner = producer;
        if (owner == current) {
            return;
        }
        synchronized (this) {
            if (producer == null) {
                producer = current;
                return;
            }
            owner = producer;
        }
        if (owner != current) {
            throw new IllegalStateException("cannot offer to " + ring.path + " from " + current + ": this handle was"
                    + " opened with " + QueueOption.SINGLE_PRODUCER + " and " + owner + " is its producer");
        }
    }

    /** Clears the mark and drops the lock: other producers may offer again. */
    @Override
    public void close() {
        synchronized (JVM_LOCK) {
            try {
                if (lock.isValid()) {
                    clearMark(ring);
                }
                channel.close(); // drops the lock
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
