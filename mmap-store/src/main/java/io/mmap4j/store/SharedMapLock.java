package io.mmap4j.store;

import static io.mmap4j.store.SharedMapFormat.C_WRITER;

import io.mmap4j.MMap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

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
 * directory, here, and closed when the last map of it closes and no view holds a generation:
 * {@code fcntl} locks belong to the process, and closing <em>any</em> descriptor of the file would
 * drop them.
 *
 * <p><b>Generations in use.</b> A process that maps a data file for reading holds a shared
 * {@code fcntl} lock on the byte at {@link #GENERATION_BASE} plus its generation for as long as it
 * does ({@link #share}); a writer rewrites the file of an old generation in place only while it
 * holds the exclusive lock of that byte ({@link #exclusive}), which it gets only if no process
 * shares it. The kernel drops a dead process's locks, so a killed reader never pins a file. In
 * this JVM the shares are counted, one {@code fcntl} lock per byte, since the JDK refuses a
 * second lock of the same byte from the same process.
 */
final class SharedMapLock {
    /** The liveness byte of process {@code pid} is at {@code ALIVE_BASE + pid} in the lock file. */
    static final long ALIVE_BASE = 1 << 16;
    /** Byte 0 of the lock file serialises the creation of a map. */
    static final long CREATE_BYTE = 0;
    /**
     * The byte whose locks say who maps generation {@code g} is at {@code GENERATION_BASE} plus
     * {@code g}: generations run from 1 to {@code GENERATION_BASE - 1} (a control file naming
     * another is damaged, {@link SharedMap#checkControl}; masked here all the same, so that a
     * damaged word read meanwhile only shares a byte).
     */
    static final long GENERATION_BASE = 1L << 62;
    /** How long a share of the generation the control file keeps naming may be refused before that is damage. */
    static final long REFUSED_NANOS = 1_000_000_000L;

    private static final long PID = ProcessHandle.current().pid();
    private static final Map<Path, SharedMapLock> OPEN = new HashMap<>();

    private final Path lockFile;
    private final FileChannel channel;
    private final ReentrantLock threads = new ReentrantLock();
    private final boolean writable;
    private FileLock alive;
    private int users;
    /**
     * The generations' bytes this JVM shares: the fcntl lock of each and how many mappings hold
     * it. Keyed by byte, not generation: two generations of one byte (a damaged control file's)
     * must count as one lock. Under OPEN.
     */
    private final Map<Long, Share> shares = new HashMap<>();

    private SharedMapLock(Path lockFile, FileChannel channel, boolean writable) {
        this.lockFile = lockFile;
        this.channel = channel;
        this.writable = writable;
    }

    /** One generation byte's shared lock in this JVM and the mappings holding it. */
    private static final class Share {
        final FileLock lock;
        int holders = 1;

        Share(FileLock lock) {
            this.lock = lock;
        }
    }

    /**
     * The lock of the map whose lock file is {@code lockFile} (a real path), opened for this JVM
     * if it is not yet; for a writer ({@code writable}), with this process's liveness byte locked.
     * Release it with {@link #release()}. A reader opens the file for reading only if it may not
     * write it, and never creates it.
     *
     * @throws java.nio.file.NoSuchFileException if a reader finds no lock file
     * @throws IOException if a writer cannot open it for writing
     */
    static SharedMapLock acquire(Path lockFile, boolean writable) throws IOException {
        synchronized (OPEN) {
            SharedMapLock lock = OPEN.get(lockFile);
            if (lock == null) {
                FileChannel channel;
                boolean canWrite = true;
                if (writable) {
                    channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                            StandardOpenOption.WRITE);
                } else {
                    try {
                        channel = FileChannel.open(lockFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
                    } catch (AccessDeniedException e) {
                        channel = FileChannel.open(lockFile, StandardOpenOption.READ); // shared locks need only reading
                        canWrite = false;
                    }
                }
                lock = new SharedMapLock(lockFile, channel, canWrite);
                OPEN.put(lockFile, lock);
            }
            if (writable && lock.alive == null) {
                if (!lock.writable) {
                    throw new AccessDeniedException(lockFile.toString(), null,
                            "opened for reading only by this JVM: a writer needs it writable");
                }
                try {
                    lock.alive = lock.channel.lock(ALIVE_BASE + PID, 1, false);
                } catch (IOException | RuntimeException e) {
                    lock.closeIfUnused();
                    throw e;
                }
            }
            lock.users++;
            return lock;
        }
    }

    /** Gives back what {@link #acquire} gave; the last user closes the lock file, once no view holds a generation. */
    void release() {
        synchronized (OPEN) {
            users--;
            closeIfUnused();
        }
    }

    /** Closes the lock file if no map and no mapping uses it. Under OPEN. */
    private void closeIfUnused() {
        if (users == 0 && shares.isEmpty()) {
            OPEN.remove(lockFile);
            try {
                channel.close(); // drops the liveness byte
            } catch (IOException e) {
                throw new UncheckedIOException("closing the lock file " + lockFile, e);
            }
        }
    }

    /**
     * Declares that this JVM maps the data file of {@code generation} for reading, until as many
     * {@link #unshare}s: takes the generation's shared lock if this JVM does not hold it yet.
     * Never waits.
     *
     * @return false if a writer is rewriting that generation's file in place (it is no longer
     *         current: read the control file again)
     */
    boolean share(long generation) {
        long position = generationByte(generation);
        synchronized (OPEN) {
            Share share = shares.get(position);
            if (share != null) {
                share.holders++;
                return true;
            }
            FileLock lock;
            try {
                lock = tryLock(position, true);
            } catch (OverlappingFileLockException e) {
                return false; // a writer of this JVM holds it exclusively: recycling it
            } catch (IOException e) {
                throw new UncheckedIOException("locking generation " + generation + " in " + lockFile, e);
            }
            if (lock == null) {
                return false;
            }
            shares.put(position, new Share(lock));
            return true;
        }
    }

    /**
     * Shares the generation that {@code named} reads from the control file, reading it again each
     * time the share is refused: a writer refuses it only while it rewrites an old generation's
     * file, and the control file names a newer one by then.
     *
     * @return the generation shared, or 0 (never a generation) if the share was refused for
     *         {@link #REFUSED_NANOS} while the control file kept naming it: only a damaged map
     *         does that
     */
    long shareNamed(LongSupplier named) {
        long generation = named.getAsLong();
        long since = System.nanoTime();
        for (int attempt = 0; !share(generation); attempt++) {
            long now = named.getAsLong();
            if (now != generation) {
                generation = now;
                since = System.nanoTime();
            } else if (System.nanoTime() - since > REFUSED_NANOS) {
                return 0;
            } else {
                backOff(attempt);
            }
        }
        return generation;
    }

    /** Gives back one {@link #share} of {@code generation}; the last releases its lock. */
    void unshare(long generation) {
        long position = generationByte(generation);
        synchronized (OPEN) {
            Share share = shares.get(position);
            if (share == null || --share.holders > 0) {
                return;
            }
            shares.remove(position);
            try {
                if (share.lock.isValid()) {
                    boolean interrupted = Thread.interrupted(); // as in tryLock
                    try {
                        share.lock.release();
                    } finally {
                        if (interrupted) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("unlocking generation " + generation + " in " + lockFile, e);
            } finally {
                closeIfUnused();
            }
        }
    }

    /**
     * {@code tryLock} of one byte with this thread's interrupt status cleared meanwhile, then set
     * back: the lock file's channel is interruptible, and an interrupted thread's call would close
     * it, dropping every lock of this JVM on the map (a reader's thread may well be interrupted by
     * its own program).
     */
    private FileLock tryLock(long position, boolean shared) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            return channel.tryLock(position, 1, shared);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static long generationByte(long generation) {
        return GENERATION_BASE + (generation & (GENERATION_BASE - 1));
    }

    /**
     * The exclusive lock of {@code generation}, if no process (this one included) maps its file
     * for reading; null otherwise. Its holder may rewrite the file; release it with
     * {@link FileLock#release()}.
     */
    FileLock exclusive(long generation) {
        long position = generationByte(generation);
        synchronized (OPEN) {
            if (shares.containsKey(position)) {
                return null;
            }
            try {
                return tryLock(position, false);
            } catch (OverlappingFileLockException e) {
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException("locking generation " + generation + " in " + lockFile, e);
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
        if (pid <= 0 || pid >= GENERATION_BASE - ALIVE_BASE) {
            return true;
        }
        try {
            FileLock probe = tryLock(ALIVE_BASE + pid, false);
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
