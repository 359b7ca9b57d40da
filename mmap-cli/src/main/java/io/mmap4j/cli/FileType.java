package io.mmap4j.cli;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.mmap4j.counters.Counters;
import io.mmap4j.store.StaticStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The kinds of file the tool knows, each recognised by the 8-byte magic at its start (every mmap4j
 * file begins with {@code MMAP4J} and two letters of its kind), each opened for {@code stat} and
 * checked for {@code verify} through its store's read-only inspection API.
 */
enum FileType {
    /** {@code io.mmap4j.counters.Counters}: docs/counters-format.md. */
    COUNTERS("counters", "MMAP4JCT", true, "each counter's id, name, value and change per second",
            CountersInspector::new, file -> problems(Counters.verify(file), p -> p.offset(), p -> p.problem())),
    /** {@code io.mmap4j.store.StaticStore}: docs/static-store-format.md. */
    STATIC_STORE("static-store", "MMAP4JST", false, "keys, bytes of keys and values, largest value, index slots and load",
            StaticStoreInspector::new, file -> problems(StaticStore.verify(file), p -> p.offset(),
                    p -> p.field() + " is " + p.found() + ", expected " + p.expected()));

    private static final byte[] FAMILY = "MMAP4J".getBytes(US_ASCII);
    private static final int MAGIC_BYTES = 8;

    /** The name {@code --type} takes and the output prints. */
    final String label;
    private final byte[] magic;
    /** Whether the file holds named items that {@code --filter} selects. */
    final boolean hasRows;
    /** What {@code stat} shows of such a file, for the help. */
    final String shows;
    private final Opener opener;
    private final Verifier verifier;

    FileType(String label, String magic, boolean hasRows, String shows, Opener opener, Verifier verifier) {
        this.label = label;
        this.magic = magic.getBytes(US_ASCII);
        this.hasRows = hasRows;
        this.shows = shows;
        this.opener = opener;
        this.verifier = verifier;
    }

    /** Opens the file read-only for {@code stat}. */
    Inspector open(Path file) throws IOException {
        return opener.open(file);
    }

    /** Checks the file in full, read-only: every problem found, none for a sound file. */
    List<Problem> verify(Path file) throws IOException {
        return verifier.verify(file);
    }

    /** A store's own problems in the tool's form: where each is, and what it says. */
    private static <P> List<Problem> problems(List<P> found, ToLongFunction<P> offset, Function<P, String> text) {
        return found.stream().map(p -> new Problem(offset.applyAsLong(p), text.apply(p))).toList();
    }

    /** Opens a file of one type for {@code stat}. */
    @FunctionalInterface
    private interface Opener {
        Inspector open(Path file) throws IOException;
    }

    /** A store's full read-only check. */
    @FunctionalInterface
    private interface Verifier {
        List<Problem> verify(Path file) throws IOException;
    }

    /** The type with this label, or null. */
    static FileType labelled(String label) {
        return Arrays.stream(values()).filter(t -> t.label.equals(label)).findFirst().orElse(null);
    }

    /** The labels, for messages and help. */
    static String labels() {
        return String.join(", ", Arrays.stream(values()).map(t -> t.label).toList());
    }

    /**
     * Recognises a file by its magic, after {@link #requireRegularFile}.
     *
     * @throws Failure if the file is missing, not a regular file, or not a file this tool knows
     */
    static FileType of(Path file) throws Failure, IOException {
        requireRegularFile(file);
        ByteBuffer start = ByteBuffer.allocate(MAGIC_BYTES);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            while (start.hasRemaining() && channel.read(start) >= 0) {
                // a file may be read in pieces
            }
        }
        byte[] magic = Arrays.copyOf(start.array(), start.position());
        for (FileType type : values()) {
            if (Arrays.equals(magic, type.magic)) {
                return type;
            }
        }
        if (magic.length == 0) {
            throw new Failure(file + ": an empty file, not an mmap4j file");
        }
        if (magic.length == MAGIC_BYTES && Arrays.equals(magic, 0, FAMILY.length, FAMILY, 0, FAMILY.length)) {
            throw new Failure(file + ": an mmap4j file of a kind this tool does not know (magic \""
                    + new String(magic, US_ASCII) + "\"; it knows " + labels() + ")");
        }
        throw new Failure(file + ": not an mmap4j file (it starts with " + HexFormat.ofDelimiter(" ").formatHex(magic)
                + ", where every mmap4j file starts with \"MMAP4J\")");
    }

    /**
     * Checks that a file exists and is a regular file, the only kind the tool opens: opening a FIFO
     * would block until some process writes to it, and a device or socket holds no mmap4j file.
     *
     * @throws Failure if it is missing or not a regular file
     */
    static void requireRegularFile(Path file) throws Failure, IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new Failure(file + ": no such file");
        }
        if (attributes.isDirectory()) {
            throw new Failure(file + ": a directory, not an mmap4j file");
        }
        if (!attributes.isRegularFile()) {
            throw new Failure(file + ": " + special(file) + ", not an mmap4j file (those are regular files)");
        }
    }

    /** What a file that is neither regular nor a directory is, from its POSIX mode where there is one. */
    private static String special(Path file) {
        try {
            return switch ((Integer) Files.getAttribute(file, "unix:mode") & 0xF000) { // S_IFMT
                case 0x1000 -> "a FIFO (named pipe)";
                case 0x2000 -> "a character device";
                case 0x6000 -> "a block device";
                case 0xC000 -> "a socket";
                default -> "not a regular file";
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "not a regular file";
        }
    }
}
