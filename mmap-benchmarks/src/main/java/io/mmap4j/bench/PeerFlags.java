package io.mmap4j.bench;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * The JVM flags each peer needs on JDK 25, found by running it without them (the errors are in
 * {@code docs/BENCHMARKS.md}). Benchmarks of a peer carry its flags in
 * {@code @Fork(jvmArgsAppend = ...)}, so that only that peer's forks get them; mmap4j and the JDK
 * peers fork with none, and {@link #requireNone} proves it in every mmap4j trial.
 */
public final class PeerFlags {
    /** Agrona 2.x reaches {@code jdk.internal.misc.Unsafe}; without this, {@code UnsafeBuffer} fails with IllegalAccessError. */
    public static final String AGRONA = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";

    /** Chronicle Core opens {@code AccessibleObject.setAccessible0} through a private lookup. */
    public static final String CHRONICLE_REFLECT = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";

    /** Chronicle Core maps files by calling {@code sun.nio.ch.UnixFileDispatcherImpl.map0} itself. */
    public static final String CHRONICLE_NIO = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";

    /**
     * Chronicle Map 2026.1 defines the classes it generates with {@code ClassLoader.defineClass}
     * (besides Chronicle Bytes' {@link #CHRONICLE_REFLECT} and {@link #CHRONICLE_NIO}).
     */
    public static final String CHRONICLE_MAP_LANG = "--add-opens=java.base/java.lang=ALL-UNNAMED";

    /** Chronicle Map 2026.1 compiles those classes through javac's file manager ({@code JavacFileManager}). */
    public static final String CHRONICLE_MAP_JAVAC = "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED";

    /** lmdbjava 0.9.3's ByteBuffer proxy reads {@code java.nio.Buffer.address}. */
    public static final String LMDB_NIO = "--add-opens=java.base/java.nio=ALL-UNNAMED";

    /** lmdbjava 0.9.3's ByteBuffer proxy casts to {@code sun.nio.ch.DirectBuffer}. */
    public static final String LMDB_DIRECT = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";

    /** The options that widen what the JDK lets code do; none of them may be present in an mmap4j fork. */
    private static final List<String> WIDENING = List.of("--add-opens", "--add-exports", "--add-reads",
            "--patch-module", "--enable-native-access", "--sun-misc-unsafe-memory-access", "--illegal-access");

    private PeerFlags() {
    }

    /**
     * Throws unless this JVM was started without any option that widens access, so a benchmark of
     * {@code who} can only have run on what the plain JDK allows.
     *
     * @throws IllegalStateException naming the offending option
     */
    public static void requireNone(String who) {
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            for (String option : WIDENING) {
                if (arg.startsWith(option)) {
                    throw new IllegalStateException(who + " must be measured in a JVM without access-widening"
                            + " flags, but this one was started with " + arg);
                }
            }
        }
    }
}
