package io.mmap4j.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * The volume's file channel, used by a thread of its own. A {@link FileChannel} is interruptible:
 * a thread interrupted in one of its operations (or entering one with its interrupt status set)
 * closes it, for every thread, and the volume could write nothing more. So no caller's thread ever
 * touches the channel: writes and forces are handed to this thread, which nobody interrupts, and
 * the caller waits for them without reacting to interrupts; its interrupt status stays set for its
 * own code to see.
 *
 * <p>A write may also be started and waited for later ({@link #start}, {@link #await}), so that
 * the writer fills one aggregation buffer while the other goes to the file.
 */
final class ChannelWriter implements AutoCloseable {
    private final FileChannel channel;
    private final ExecutorService thread;

    ChannelWriter(FileChannel channel, Path path) {
        this.channel = channel;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "mmap4j-cache-io " + path.getFileName());
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts writing all of {@code bytes} at {@code fileOffset}; {@link #await} says how it went. */
    Future<?> start(MemorySegment bytes, long fileOffset) {
        return thread.submit(() -> {
            try {
                CacheFormat.write(channel, bytes, fileOffset);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Writes all of {@code bytes} at {@code fileOffset}. */
    void write(MemorySegment bytes, long fileOffset) throws IOException {
        await(start(bytes, fileOffset));
    }

    /** Forces the file's data to the disk ({@code fdatasync}). */
    void force() throws IOException {
        await(thread.submit(() -> {
            try {
                channel.force(false);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
    }

    /** Work that may fail with an {@link IOException}. */
    interface IoTask<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code task} on a new thread of its own and waits for it through interrupts, which it
     * sets again afterwards: for opening and checking a volume, whose channels (the one that
     * formats it, the map's, the one that holds the lock) an interrupt of the caller's thread would
     * close, as it would the volume's own.
     *
     * @throws IOException the task's
     */
    static <T> T onOwnThread(String name, IoTask<T> task) throws IOException {
        FutureTask<T> run = new FutureTask<>(() -> {
            try {
                return task.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        Thread t = new Thread(run, name);
        t.setDaemon(true);
        t.start();
        return await(run);
    }

    /**
     * Waits for {@code operation} to end, through interrupts, which it sets again afterwards.
     *
     * @return the operation's result
     * @throws IOException the operation's
     */
    static <T> T await(Future<T> operation) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return operation.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the operation goes on regardless: wait for it, then say so
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof UncheckedIOException u) {
                        throw u.getCause();
                    }
                    if (cause instanceof RuntimeException r) {
                        throw r;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw new IOException(cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Lets the operations already handed over finish, then ends the thread. The channel stays open. */
    @Override
    public void close() {
        thread.shutdown();
        boolean interrupted = false;
        while (true) {
            try {
                if (thread.awaitTermination(1, TimeUnit.SECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
