package io.mmap4j.store;

import static io.mmap4j.store.SharedMapFormat.C_WRITER;

import io.mmap4j.MMap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The writer lock of a shared map, across threads and processes, that a killed holder cannot
 * leave held.
 *
 * <p>The lock itself is the control file's writer word: 0 when free, else the holder's process
 * id, taken with a compare-and-set and released with a release store, so that an uncontended
 * write costs two atomic instructions and no system call. Both go through {@link MMap}'s own
 * compare-and-set and release store, never a raw {@code VarHandle} on the mapped word: MMap loads
 * the word before it swaps it, so a control file truncated by another process makes the swap
 * throw {@link InternalError} in this thread instead of faulting in the VM's unguarded native
 * compare-and-set, which would kill the JVM ({@code docs/lifetimes.md}, "Truncation"). Liveness comes from the kernel: each
 * process with the map open holds an {@code fcntl} lock on one byte of the lock file, at
 * {@link #ALIVE_BASE} plus its process id, which the kernel drops when the process dies. A waiter
 * that finds the writer word held for long tries that byte: if it can lock it, the holder is dead,
 * and the waiter takes the word over with a compare-and-set and repairs what the dead writer may
 * have left half done ({@link Holder#recovered}).
 *
 * <p>Threads of one JVM first take a {@link ReentrantLock} shared by every map of that directory
 * in the JVM, since they share one process id. The lock file is opened once per JVM and
 * directory, here, and closed when the last map of it closes: {@code fcntl} locks belong to the
 * process, and closing <em>any</em> descriptor of the file would drop them.
 */
final class SharedMapLock {
    /** The liveness byte of process {@code pid} is at {@code ALIVE_BASE + pid} in the lock file. */
    static final long ALIVE_BASE = 1 << 16;
    /** Byte 0 of the lock file serialises the creation of a map. */
    static final long CREATE_BYTE = 0;

    private static final long PID = ProcessHandle.current().pid();
    private static final Map<Path, SharedMapLock> OPEN = new HashMap<>();

    private final Path lockFile;
    private final FileChannel channel;
    private final ReentrantLock threads = new ReentrantLock();
    private FileLock alive;
    private int users;

    private SharedMapLock(Path lockFile, FileChannel channel) {
        this.lockFile = lockFile;
        this.channel = channel;
    }

    /**
     * The lock of the map whose lock file is {@code lockFile} (a real path), opened for this JVM
     * if it is not yet, with this process's liveness byte locked; release it with {@link #release()}.
     */
    static SharedMapLock acquire(Path lockFile) throws IOException {
        synchronized (OPEN) {
            SharedMapLock lock = OPEN.get(lockFile);
            if (lock == null) {
                FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                lock = new SharedMapLock(lockFile, channel);
                try {
                    lock.alive = channel.lock(ALIVE_BASE + PID, 1, false);
                } catch (IOException | RuntimeException e) {
                    channel.close();
                    throw e;
                }
                OPEN.put(lockFile, lock);
            }
            lock.users++;
            return lock;
        }
    }

    /** Gives back what {@link #acquire} gave; the last user closes the lock file. */
    void release() {
        synchronized (OPEN) {
            if (--users == 0) {
                OPEN.remove(lockFile);
                try {
                    channel.close(); // drops the liveness byte
                } catch (IOException e) {
                    throw new UncheckedIOException("closing the lock file " + lockFile, e);
                }
            }
        }
    }

    /** This process's id, as the writer word holds it. */
    static long pid() {
        return PID;
    }

    /**
     * Holds the creation byte while {@code action} runs, so that one process at a time creates
     * the map's files. A blocking {@code fcntl} lock: the kernel drops it if the holder dies.
     */
    <T> T whileCreating(IoSupplier<T> action) throws IOException {
        threads.lock();
        try {
            FileLock creating = channel.lock(CREATE_BYTE, 1, false);
            try {
                return action.get();
            } finally {
                creating.release();
            }
        } finally {
            threads.unlock();
        }
    }

    /**
     * Takes the writer lock whose word is in {@code control}: waits while a live process holds
     * it, takes it over from a dead one.
     *
     * @return whether it was taken over from a dead holder, whose half-done work must be repaired
     * @throws InternalError if another process cut the control file short; the lock is not taken
     */
    boolean lock(MMap control) {
        threads.lock();
        try {
            for (int attempt = 0; ; attempt++) {
                long holder = control.compareAndExchangeLong(C_WRITER, 0L, PID);
                if (holder == 0) {
                    return false;
                }
                // Our own id while this JVM's threads are excluded: a process that had our id died holding it.
                if (holder == PID) {
                    return true;
                }
                if (attempt >= 64 && attempt % 64 == 0 && isDead(holder)
                        && control.compareAndSetLong(C_WRITER, holder, PID)) {
                    return true;
                }
                backOff(attempt);
            }
        } catch (RuntimeException | Error e) {
            threads.unlock();
            throw e;
        }
    }

    /** Releases the writer lock: the release store publishes every write made under it. */
    void unlock(MMap control) {
        try {
            control.putLongRelease(C_WRITER, 0L);
        } finally {
            threads.unlock();
        }
    }

    /**
     * Runs {@code action} while no other thread of this JVM writes through this lock (without
     * taking the writer word): for a handle closing, so that no writer of this JVM is inside the
     * files it unmaps.
     */
    void whileThreadsExcluded(Runnable action) {
        threads.lock();
        try {
            action.run();
        } finally {
            threads.unlock();
        }
    }

    /** Whether this thread holds the lock (and so the writer word). */
    boolean isHeldByCurrentThread() {
        return threads.isHeldByCurrentThread();
    }

    /**
     * Whether the process {@code pid} holds no liveness byte: it is gone (or never opened the
     * map, as a garbage writer word in a damaged file says). Costs one {@code fcntl}.
     */
    boolean isDead(long pid) {
        if (pid <= 0 || pid > Long.MAX_VALUE - ALIVE_BASE) {
            return true;
        }
        try {
            FileLock probe = channel.tryLock(ALIVE_BASE + pid, 1, false);
            if (probe == null) {
                return false;
            }
            probe.release();
            return true;
        } catch (OverlappingFileLockException e) {
            return false; // this JVM holds it: alive
        } catch (IOException e) {
            throw new UncheckedIOException("probing the writer's liveness in " + lockFile, e);
        }
    }

    /** Spins briefly (a write takes about a microsecond), then yields, then sleeps in short naps. */
    private static void backOff(int attempt) {
        if (attempt < 100) {
            Thread.onSpinWait();
        } else if (attempt < 200) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(20_000);
        }
    }

    /** An action that may fail with an {@link IOException}. */
    @FunctionalInterface
    interface IoSupplier<T> {
        T get() throws IOException;
    }
}
