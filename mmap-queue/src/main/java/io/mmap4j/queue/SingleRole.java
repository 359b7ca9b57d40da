package io.mmap4j.queue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The {@link QueueOption#SINGLE_PRODUCER} and {@link QueueOption#SINGLE_CONSUMER} modes: who may
 * move the tail (or the head) with a plain store, and how every other handle learns it may not.
 * {@code docs/queue-format.md} ("Single producer, single consumer") is the specification.
 *
 * <p>Exclusion is a kernel lock: an exclusive {@code fcntl} lock on one byte far past the file's end
 * ({@link Role#lockAt}), held by the single producer (or consumer) for as long as its handle is open
 * and dropped by the kernel the moment its process dies. Other handles cannot afford a system call
 * per offer or poll, so the mode is also written where each of them already looks: a mark bit in the
 * tail word (or the head word). The holder sets it with a compare-and-set after taking the lock, so a
 * handle that moves the word by compare-and-set either moved it before (the holder reads the word
 * afterwards) or finds its compare-and-set failing and the mark set. A handle that finds the mark
 * set takes the same lock, briefly: if it can, the holder died without clearing the mark, and it
 * clears it; if it cannot, the holder lives, and the operation is refused. A process id in the
 * header only names the holder in messages.
 */
final class SingleRole implements AutoCloseable {
    private static final VarHandle WORD = QueueFormat.LONG_HANDLE;
    private static final long PID = ProcessHandle.current().pid();
    /** How long an open retries a lock that another handle's check holds for a moment. */
    private static final long RETRY_NANOS = 200_000_000L;
    /**
     * Serialises this JVM's lock attempts on queue files: a JVM holds one lock per region of a file
     * across all its channels, and a second attempt is an {@link OverlappingFileLockException}, which
     * then can only mean that a holder of this JVM holds it.
     */
    private static final Object JVM_LOCK = new Object();

    /** The two roles a handle may hold alone: each word, mark, lock byte and name. */
    enum Role {
        PRODUCER(QueueOption.SINGLE_PRODUCER, QueueFormat.F_TAIL, QueueFormat.TAIL_SINGLE, QueueFormat.F_PRODUCER,
                Long.MAX_VALUE - 2, "offer to", "producer"),
        CONSUMER(QueueOption.SINGLE_CONSUMER, QueueFormat.F_HEAD, QueueFormat.HEAD_SINGLE, QueueFormat.F_CONSUMER,
                Long.MAX_VALUE - 3, "poll from", "consumer");

        final QueueOption option;
        /** The word the role moves, and the bit of it that marks the mode. */
        final long word;
        final long mark;
        /** Where the holder's process id is, for messages. */
        final long holderAt;
        /** The locked byte: far past the file's end, apart from the other role's and the recovery's. */
        final long lockAt;
        final String verb;
        final String noun;

        Role(QueueOption option, int word, long mark, int holderAt, long lockAt, String verb, String noun) {
            this.option = option;
            this.word = word;
            this.mark = mark;
            this.holderAt = holderAt;
            this.lockAt = lockAt;
            this.verb = verb;
            this.noun = noun;
        }
    }

    private final Role role;
    /** The queue's file, for messages. */
    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;
    /** The thread that plays the role through the handle: the first one that did. */
    private volatile Thread owner;

    private SingleRole(Role role, Path path, FileChannel channel, FileLock lock) {
        this.role = role;
        this.path = path;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the role's lock of the queue that {@code ring} maps and marks its word, or throws a
     * {@link FileSystemException} naming the mode if another handle holds it.
     */
    static SingleRole acquire(Role role, Ring ring) throws IOException {
        Path path = ring.path;
        long deadline = System.nanoTime() + RETRY_NANOS;
        while (true) {
            synchronized (JVM_LOCK) {
                FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileLock lock = tryLock(role, channel);
                if (lock != null) {
                    WORD.setVolatile(ring.file, role.holderAt, PID);
                    long word;
                    do {
                        word = (long) WORD.getVolatile(ring.file, role.word);
                    } while ((word & role.mark) == 0 && !WORD.compareAndSet(ring.file, role.word, word, word | role.mark));
                    return new SingleRole(role, path, channel, lock);
                }
                channel.close();
            }
            // Held: by a live holder, or for a moment by another handle's check (see check).
            if (System.nanoTime() - deadline > 0 || ProcessHandle.of(holder(role, ring)).map(ProcessHandle::isAlive)
                    .orElse(false) && marked(role, ring)) {
                throw new FileSystemException(path.toString(), null, "the queue has a single " + role.noun
                        + " already: " + role.option + " is held by process " + holder(role, ring)
                        + " (only one handle, in one process, may hold it at a time)");
            }
            Thread.onSpinWait();
        }
    }

    /** The lock, or null if held elsewhere (another process, or another channel of this JVM). */
    private static FileLock tryLock(Role role, FileChannel channel) throws IOException {
        try {
            return channel.tryLock(role.lockAt, 1, false);
        } catch (OverlappingFileLockException inThisJvm) {
            return null;
        }
    }

    private static long holder(Role role, Ring ring) {
        return (long) WORD.getVolatile(ring.file, role.holderAt);
    }

    private static boolean marked(Role role, Ring ring) {
        return ((long) WORD.getVolatile(ring.file, role.word) & role.mark) != 0;
    }

    /**
     * A handle without the mode found the role's word marked: if the holder is gone (its lock is
     * free), clear the mark and return, so that the operation goes on; else throw an
     * {@link IllegalStateException} naming the mode.
     */
    static void check(Role role, Ring ring) {
        synchronized (JVM_LOCK) {
            try (FileChannel channel = FileChannel.open(ring.path, StandardOpenOption.WRITE)) {
                FileLock lock = tryLock(role, channel);
                if (lock == null) {
                    throw new IllegalStateException("cannot " + role.verb + " " + ring.path + ": process "
                            + holder(role, ring) + " holds it as its " + role.option + ", the only " + role.noun
                            + " it allows");
                }
                try {
                    clearMark(role, ring.file); // its holder died without clearing it
                } finally {
                    lock.release();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Clears the mark by compare-and-set: other bits of the word (the head's lock) may change meanwhile. */
    private static void clearMark(Role role, MemorySegment file) {
        long word;
        do {
            word = (long) WORD.getVolatile(file, role.word);
        } while ((word & role.mark) != 0 && !WORD.compareAndSet(file, role.word, word, word & ~role.mark));
    }

    /**
     * Throws an {@link IllegalStateException} unless the calling thread is this handle's owner: the
     * first thread that played the role through it.
     */
    void checkThread() {
        Thread current = Thread.currentThread();
        Thread first = owner;
        if (first == current) {
            return;
        }
        synchronized (this) {
            if (owner == null) {
                owner = current;
                return;
            }
            first = owner;
        }
        if (first != current) {
            throw new IllegalStateException("cannot " + role.verb + " " + path + " from " + current + ": this"
                    + " handle was opened with " + role.option + " and " + first + " is its " + role.noun);
        }
    }

    /**
     * Clears the mark and drops the lock: other handles may play the role again. The caller has
     * unmapped its handle's mapping first, so that a store of the role's still under way in another
     * thread of this handle either landed before or failed, and none lands after another handle,
     * seeing the mark cleared, moved the word: the mark is cleared through a mapping of its own.
     */
    @Override
    public void close() {
        synchronized (JVM_LOCK) {
            try (channel; Arena arena = Arena.ofConfined()) { // unmaps, then drops the lock
                if (lock.isValid()) {
                    clearMark(role, channel.map(FileChannel.MapMode.READ_WRITE, 0, QueueFormat.PAGE, arena));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
