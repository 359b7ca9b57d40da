package io.mmap4j;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code madvise}, {@code mlock} and {@code munlock} through the FFM {@link Linker}. These are
 * optional extras: they need native access ({@code --enable-native-access=io.mmap4j}, or
 * {@code =ALL-UNNAMED} on the class path). Without it, or on a system without these calls, each
 * call returns {@code false} and the first one logs a single warning.
 */
final class NativeMemory {
    private static final System.Logger LOG = System.getLogger("io.mmap4j");
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private NativeMemory() {}

    /** Applies {@code madvise(2)}; false if native calls are unavailable. */
    static boolean advise(MemorySegment segment, long pos, long len, Advice advice) throws IOException {
        return call(Call.MADVISE, segment, pos, len, advice);
    }

    /** Applies {@code mlock(2)} ({@code lock}) or {@code munlock(2)}; false if native calls are unavailable. */
    static boolean lock(MemorySegment segment, long pos, long len, boolean lock) throws IOException {
        return call(lock ? Call.MLOCK : Call.MUNLOCK, segment, pos, len, null);
    }

    private enum Call { MADVISE, MLOCK, MUNLOCK }

    private static boolean call(Call call, MemorySegment segment, long pos, long len, Advice advice) throws IOException {
        if (!usable()) {
            return false;
        }
        // The kernel wants a page-aligned start, and acts on whole pages to the end. Both belong
        // to the mapping: FileChannel.map maps from the page boundary below the file offset, to a
        // page boundary. Never called for wrapped memory, whose surrounding pages are others'
        // (Paging checks).
        long start = segment.address() + pos;
        long aligned = start & -Calls.PAGE_SIZE;
        MemorySegment address = MemorySegment.ofAddress(aligned);
        long length = len + (start - aligned);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Calls.CAPTURE_LAYOUT);
            int result = switch (call) {
                case MADVISE -> (int) Calls.MADVISE.invokeExact(state, address, length, advice.code);
                case MLOCK -> (int) Calls.MLOCK.invokeExact(state, address, length);
                case MUNLOCK -> (int) Calls.MUNLOCK.invokeExact(state, address, length);
            };
            if (result != 0) {
                int errno = (int) Calls.ERRNO.get(state, 0L);
                String what = call == Call.MADVISE ? "madvise(" + advice + ")" : call.name().toLowerCase(Locale.ROOT);
                throw new IOException(what + " of " + length + " bytes at 0x" + Long.toHexString(aligned)
                        + " failed: " + Calls.strerror(errno) + " (errno " + errno + ")"
                        + (call == Call.MLOCK && errno == Calls.ENOMEM ? "; RLIMIT_MEMLOCK (ulimit -l) caps locked memory" : ""));
            }
            return true;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unexpected exception from a native call", t);
        }
    }

    private static boolean usable() {
        String why;
        if (!NativeMemory.class.getModule().isNativeAccessEnabled()) {
            why = "native access is not enabled; run java with --enable-native-access="
                    + (NativeMemory.class.getModule().isNamed() ? "io.mmap4j" : "ALL-UNNAMED");
        } else if (Calls.UNAVAILABLE != null) {
            why = "this system lacks them (" + Calls.UNAVAILABLE + ")";
        } else {
            return true;
        }
        if (WARNED.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, "mmap4j: advise() and lock() were not applied: " + why
                    + ". They are optional; everything else works without them.");
        }
        return false;
    }

    /**
     * The downcall handles, built on first use only: building them is a restricted operation.
     * Restricted calls ({@code downcallHandle}, {@code reinterpret}) are what this class is for and
     * are confined to it, so it alone silences their lint warning; {@link #usable()} checks native
     * access before anything loads it.
     */
    @SuppressWarnings("restricted")
    private static final class Calls {
        static final int ENOMEM = 12;
        static final MemoryLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO =
                CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        static final MethodHandle MADVISE;
        static final MethodHandle MLOCK;
        static final MethodHandle MUNLOCK;
        static final MethodHandle STRERROR;
        static final long PAGE_SIZE;
        /** Why the calls cannot be made here, or null when they can. */
        static final String UNAVAILABLE;

        static {
            MethodHandle madvise = null, mlock = null, munlock = null, strerror = null;
            long pageSize = 4096;
            String unavailable = null;
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                Linker.Option errno = Linker.Option.captureCallState("errno");
                FunctionDescriptor range = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG);
                madvise = linker.downcallHandle(find(libc, "madvise"),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), errno);
                mlock = linker.downcallHandle(find(libc, "mlock"), range, errno);
                munlock = linker.downcallHandle(find(libc, "munlock"), range, errno);
                strerror = linker.downcallHandle(find(libc, "strerror"), FunctionDescriptor.of(ADDRESS, JAVA_INT));
                pageSize = (int) linker.downcallHandle(find(libc, "getpagesize"), FunctionDescriptor.of(JAVA_INT))
                        .invokeExact();
            } catch (Throwable t) {
                unavailable = t.toString();
            }
            MADVISE = madvise;
            MLOCK = mlock;
            MUNLOCK = munlock;
            STRERROR = strerror;
            PAGE_SIZE = pageSize;
            UNAVAILABLE = unavailable;
        }

        private static MemorySegment find(SymbolLookup lookup, String name) {
            return lookup.find(name).orElseThrow(() -> new UnsupportedOperationException("no " + name + " in libc"));
        }

        static String strerror(int errno) {
            try {
                MemorySegment message = (MemorySegment) STRERROR.invokeExact(errno);
                return message.reinterpret(1024).getString(0);
            } catch (Throwable t) {
                return "error " + errno;
            }
        }
    }
}
