package io.mmap4j;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.SYNC;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;

/**
 * {@link MappedChannel} against the JDK's {@link FileChannel}: the same random sequence of read,
 * write, position, truncate and size on both, over two copies of the same file, must give the same
 * results (return values, bytes read, positions, sizes, exception types) and leave the same bytes
 * on disk once both are closed. Run in every way a channel can be opened.
 *
 * <p>A failure prints jqwik's seed and the sequence shrunk to a minimal one; to replay it, add
 * {@code seed = "<seed>"} to the {@code @Property}.
 */
class ChannelDifferentialTest extends JdkDifferential {
    /** Positions and writes stay small enough to be fast, large enough to cross several growth steps (4, 8, 16 KiB...). */
    private static final int MAX_POSITION = 70_000;
    private static final int MAX_WRITE = 6_000;

    /** How both channels are opened. */
    enum Mode {
        /** MappedFiles.newByteChannel(READ, WRITE) against FileChannel.open(READ, WRITE). */
        READ_WRITE,
        /** MMap.open(READ, WRITE).channel(): the channel does not own the map. */
        MAP_CHANNEL,
        /** READ, WRITE and SYNC: every write forced. */
        SYNC_WRITES,
        /** APPEND: writes at the end, position() is the size, reads refused. */
        APPEND_ONLY,
        /** READ only: writes and truncates refused. */
        READ_ONLY,
        /** WRITE only: reads refused. */
        WRITE_ONLY
    }

    sealed interface Op extends Step<SeekableByteChannel> {}

    record Read(int capacity, boolean direct) implements Op {
        public String apply(SeekableByteChannel channel) throws IOException {
            ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(capacity + 3) : ByteBuffer.allocate(capacity + 3);
            buffer.position(3); // a buffer whose position is not 0
            int n = channel.read(buffer);
            buffer.flip().position(3);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return "read " + n + " " + HexFormat.of().formatHex(bytes);
        }
    }

    record Write(byte[] bytes, boolean direct) implements Op {
        public String apply(SeekableByteChannel channel) throws IOException {
            ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(bytes.length) : ByteBuffer.allocate(bytes.length);
            buffer.put(bytes).flip();
            int n = channel.write(buffer);
            return "wrote " + n + " left " + buffer.remaining();
        }

        @Override
        public String toString() {
            return "Write[" + bytes.length + " bytes from " + (bytes.length > 0 ? bytes[0] : "-") + ", direct=" + direct + "]";
        }
    }

    record Position(long position) implements Op {
        public String apply(SeekableByteChannel channel) throws IOException {
            channel.position(position);
            return "positioned";
        }
    }

    /** Positions near the current size, where off-by-one mistakes live. */
    record PositionNearEnd(int delta) implements Op {
        public String apply(SeekableByteChannel channel) throws IOException {
            channel.position(Math.max(0, channel.size() + delta));
            return "positioned";
        }
    }

    /** Truncates near the current size or position. */
    record TruncateNear(int delta, boolean nearPosition) implements Op {
        public String apply(SeekableByteChannel channel) throws IOException {
            long base = nearPosition ? channel.position() : channel.size();
            channel.truncate(Math.max(0, base + delta));
            return "truncated";
        }
    }

    record Truncate(long size) implements Op {
        public String apply(SeekableByteChannel channel) throws IOException {
            channel.truncate(size);
            return "truncated";
        }
    }

    record Size() implements Op {
        public String apply(SeekableByteChannel channel) throws IOException {
            return "size " + channel.size();
        }
    }

    @Property(tries = 1000)
    void sameResultsAndSameBytesAsFileChannel(@ForAll("contents") byte[] initial, @ForAll("sequences") List<Op> ops,
                                              @ForAll Mode mode) throws IOException {
        Path ours = scratchFile("ours", initial);
        Path theirs = scratchFile("theirs", initial);
        String trace;
        try (MMap map = mode == Mode.MAP_CHANNEL ? MMap.open(ours, READ, WRITE) : null;
             SeekableByteChannel mine = open(ours, mode, map);
             SeekableByteChannel jdk = open(theirs, mode)) {
            trace = runOnBoth(ops, jdk, mine, ChannelDifferentialTest::outcome);
        }
        byte[] expected = Files.readAllBytes(theirs);
        byte[] actual = Files.readAllBytes(ours);
        assertEquals(expected.length, actual.length, () -> "file sizes after close; " + trace);
        assertArrayEquals(expected, actual, () -> "file bytes after close; " + trace);
        Files.delete(ours);
        Files.delete(theirs);
    }

    private static SeekableByteChannel open(Path path, Mode mode, MMap map) throws IOException {
        return switch (mode) {
            case READ_WRITE -> MappedFiles.newByteChannel(path, READ, WRITE);
            case MAP_CHANNEL -> map.channel();
            case SYNC_WRITES -> MappedFiles.newByteChannel(path, READ, WRITE, SYNC);
            case APPEND_ONLY -> MappedFiles.newByteChannel(path, APPEND);
            case READ_ONLY -> MappedFiles.newByteChannel(path);
            case WRITE_ONLY -> MappedFiles.newByteChannel(path, WRITE);
        };
    }

    private static SeekableByteChannel open(Path path, Mode mode) throws IOException {
        return switch (mode) {
            case READ_WRITE, MAP_CHANNEL -> FileChannel.open(path, READ, WRITE);
            case SYNC_WRITES -> FileChannel.open(path, READ, WRITE, SYNC);
            case APPEND_ONLY -> FileChannel.open(path, APPEND);
            case READ_ONLY -> FileChannel.open(path);
            case WRITE_ONLY -> FileChannel.open(path, WRITE);
        };
    }

    /**
     * The operation's result or the type of what it threw (the JDK's messages differ from ours,
     * which name the bad value), then the position and size it leaves.
     */
    private static String outcome(Step<SeekableByteChannel> op, SeekableByteChannel channel) throws IOException {
        String result;
        try {
            result = op.apply(channel);
        } catch (IOException | RuntimeException e) {
            result = "threw " + e.getClass().getName();
        }
        return result + ", position " + channel.position() + ", size " + channel.size();
    }

    @Provide
    Arbitrary<List<Op>> sequences() {
        Arbitrary<Integer> position = Arbitraries.integers().between(0, MAX_POSITION).withDistribution(
                RandomDistribution.biased());
        Arbitrary<Op> read = Combinators.combine(Arbitraries.integers().between(0, 3 * MAX_WRITE),
                Arbitraries.of(true, false)).as(Read::new);
        Arbitrary<Op> write = Combinators.combine(Arbitraries.integers().between(0, MAX_WRITE),
                Arbitraries.bytes(), Arbitraries.of(true, false)).as((n, seed, direct) -> {
                    byte[] bytes = new byte[n];
                    for (int i = 0; i < n; i++) {
                        bytes[i] = (byte) (seed + i * 31);
                    }
                    return new Write(bytes, direct);
                });
        Arbitrary<Integer> delta = Arbitraries.integers().between(-3, 3);
        Arbitrary<Op> seek = Arbitraries.frequencyOf(
                Tuple.of(6, position.map(p -> (Op) new Position(p))),
                Tuple.of(4, delta.map(PositionNearEnd::new)),
                Tuple.of(1, Arbitraries.just(new Position(-1))));
        Arbitrary<Op> truncate = Arbitraries.frequencyOf(
                Tuple.of(6, position.map(p -> (Op) new Truncate(p))),
                Tuple.of(4, Combinators.combine(delta, Arbitraries.of(true, false)).as(TruncateNear::new)),
                Tuple.of(1, Arbitraries.just(new Truncate(-1))));
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                Tuple.of(5, read),
                Tuple.of(5, write),
                Tuple.of(3, seek),
                Tuple.of(2, truncate),
                Tuple.of(1, Arbitraries.just(new Size())));
        return op.list().ofMaxSize(30);
    }
}
