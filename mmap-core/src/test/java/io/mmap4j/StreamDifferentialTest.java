package io.mmap4j;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The streams of {@link MappedFiles} against those of {@link Files}: random sequences of the
 * {@link InputStream} and {@link OutputStream} methods (all but mark and reset, which neither
 * supports, and the one-argument read and write of a whole array, which only call the three-argument
 * forms), valid and invalid arguments, before and after close, must give the same results, the same
 * exceptions (type and message) and leave the same file. A failure prints jqwik's seed and a
 * shrunk sequence.
 */
class StreamDifferentialTest extends JdkDifferential {
    private static final int MAX_LENGTH = 8_000;

    // ---------------------------------------------------------------------------------------------
    // Input

    sealed interface In extends Step<InputStream> {}

    record ReadByte() implements In {
        public String apply(InputStream in) throws IOException {
            return "byte " + in.read();
        }
    }

    /** read(b, off, len) into an array of {@code size}; off and len may be out of range. */
    record ReadInto(int size, int off, int len) implements In {
        public String apply(InputStream in) throws IOException {
            byte[] b = new byte[size];
            int n = in.read(b, off, len);
            return "read " + n + " " + hex(b, off, n);
        }
    }

    record ReadNBytesInto(int size, int off, int len) implements In {
        public String apply(InputStream in) throws IOException {
            byte[] b = new byte[size];
            int n = in.readNBytes(b, off, len);
            return "readNBytes " + n + " " + hex(b, off, n);
        }
    }

    record ReadNBytes(int len) implements In {
        public String apply(InputStream in) throws IOException {
            return "readNBytes " + HexFormat.of().formatHex(in.readNBytes(len));
        }
    }

    record ReadAllBytes() implements In {
        public String apply(InputStream in) throws IOException {
            return "readAllBytes " + HexFormat.of().formatHex(in.readAllBytes());
        }
    }

    record Skip(long n) implements In {
        public String apply(InputStream in) throws IOException {
            return "skipped " + in.skip(n);
        }
    }

    record SkipNBytes(long n) implements In {
        public String apply(InputStream in) throws IOException {
            in.skipNBytes(n);
            return "skipNBytes";
        }
    }

    record Available() implements In {
        public String apply(InputStream in) throws IOException {
            return "available " + in.available();
        }
    }

    record TransferTo() implements In {
        public String apply(InputStream in) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long n = in.transferTo(out);
            return "transferred " + n + " " + HexFormat.of().formatHex(out.toByteArray());
        }
    }

    record CloseIn() implements In {
        public String apply(InputStream in) throws IOException {
            in.close();
            return "closed";
        }
    }

    @Property(tries = 300)
    void inputStreamsMatchFiles(@ForAll("contents") byte[] content, @ForAll("inputOps") List<In> ops) throws IOException {
        Path file = scratchFile("in", content);
        try (InputStream mine = MappedFiles.newInputStream(file);
             InputStream jdk = Files.newInputStream(file)) {
            runOnBoth(ops, jdk, mine, JdkDifferential::resultOrThrown);
        }
        Files.delete(file);
    }

    /** Lengths and array sizes, with -1 among them to check the argument checks. */
    private static Arbitrary<Integer> lengths() {
        return Arbitraries.integers().between(-1, MAX_LENGTH);
    }

    /** Offsets into an array, with -1 and ones past short arrays among them. */
    private static Arbitrary<Integer> offsets() {
        return Arbitraries.integers().between(-1, 8);
    }

    @Provide
    Arbitrary<List<In>> inputOps() {
        Arbitrary<Integer> length = lengths();
        Arbitrary<Integer> offset = offsets();
        Arbitrary<Long> skip = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.longs().between(-MAX_LENGTH, MAX_LENGTH)),
                Tuple.of(1, Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, 0L)));
        Arbitrary<In> op = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.just(new ReadByte())),
                Tuple.of(6, Combinators.combine(length, offset, length)
                        .as((size, off, len) -> new ReadInto(Math.max(0, size), off, len))),
                Tuple.of(2, Combinators.combine(length, offset, length)
                        .as((size, off, len) -> new ReadNBytesInto(Math.max(0, size), off, len))),
                Tuple.of(2, length.map(ReadNBytes::new)),
                Tuple.of(1, Arbitraries.just(new ReadAllBytes())),
                Tuple.of(3, skip.map(Skip::new)),
                Tuple.of(2, skip.map(SkipNBytes::new)),
                Tuple.of(2, Arbitraries.just(new Available())),
                Tuple.of(1, Arbitraries.just(new TransferTo())),
                Tuple.of(1, Arbitraries.just(new CloseIn())));
        return op.list().ofMaxSize(25);
    }

    // ---------------------------------------------------------------------------------------------
    // Output

    sealed interface Out extends Step<OutputStream> {}

    record WriteByte(int b) implements Out {
        public String apply(OutputStream out) throws IOException {
            out.write(b);
            return "wrote byte";
        }
    }

    /** write(b, off, len) from an array of {@code size} bytes made from {@code seed}. */
    record WriteFrom(int size, int off, int len, byte seed) implements Out {
        public String apply(OutputStream out) throws IOException {
            byte[] b = new byte[size];
            for (int i = 0; i < size; i++) {
                b[i] = (byte) (seed + i * 7);
            }
            out.write(b, off, len);
            return "wrote";
        }
    }

    record Flush() implements Out {
        public String apply(OutputStream out) throws IOException {
            out.flush();
            return "flushed";
        }
    }

    record CloseOut() implements Out {
        public String apply(OutputStream out) throws IOException {
            out.close();
            return "closed";
        }
    }

    /** The option sets a user passes to {@code newOutputStream}. */
    enum Options {
        DEFAULT(),
        OVERWRITE(WRITE),
        APPENDING(APPEND),
        CREATE_APPEND(CREATE, APPEND),
        TRUNCATE(CREATE, WRITE, TRUNCATE_EXISTING);

        final OpenOption[] options;

        Options(OpenOption... options) {
            this.options = options;
        }
    }

    @Property(tries = 300)
    void outputStreamsMatchFiles(@ForAll("contents") byte[] initial, @ForAll("outputOps") List<Out> ops,
                                 @ForAll Options options) throws IOException {
        Path ours = scratchFile("out-ours", initial);
        Path theirs = scratchFile("out-theirs", initial);
        String trace;
        try (OutputStream mine = MappedFiles.newOutputStream(ours, options.options);
             OutputStream jdk = Files.newOutputStream(theirs, options.options)) {
            trace = runOnBoth(ops, jdk, mine, JdkDifferential::resultOrThrown);
        }
        assertArrayEquals(Files.readAllBytes(theirs), Files.readAllBytes(ours), () -> "file after close; " + trace);
        Files.delete(ours);
        Files.delete(theirs);
    }

    @Provide
    Arbitrary<List<Out>> outputOps() {
        Arbitrary<Integer> length = lengths();
        Arbitrary<Integer> offset = offsets();
        Arbitrary<Out> op = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.integers().between(-300, 300).map(WriteByte::new)),
                Tuple.of(8, Combinators.combine(length, offset, length, Arbitraries.bytes())
                        .as((size, off, len, seed) -> new WriteFrom(Math.max(0, size), off, len, seed))),
                Tuple.of(1, Arbitraries.just(new Flush())),
                Tuple.of(1, Arbitraries.just(new CloseOut())));
        return op.list().ofMaxSize(25);
    }

    /** The n bytes read into b at off; the rest of b stays zero, which the hash checks. */
    static String hex(byte[] b, int off, int n) {
        return HexFormat.of().formatHex(b, off, off + Math.max(0, n)) + " #" + Arrays.hashCode(b);
    }
}
