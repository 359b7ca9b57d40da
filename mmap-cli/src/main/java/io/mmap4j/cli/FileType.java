package io.mmap4j.cli;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.mmap4j.blocks.BlockStorage;
import io.mmap4j.cache.CacheVolume;
import io.mmap4j.content.MessageCache;
import io.mmap4j.counters.Counters;
import io.mmap4j.queue.MappedQueue;
import io.mmap4j.store.SharedMap;
import io.mmap4j.store.StaticStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/**
 * The kinds of file the tool knows, each recognised by the 8-byte magic at its start (every mmap4j
 * file begins with {@code MMAP4J} and two letters of its kind), each opened for {@code stat} and
 * checked for {@code verify} through its store's read-only inspection API. A store that is a
 * directory of files is recognised by the one of its files that names it, or, for a message cache,
 * by the layout its format names.
 *
 * <p>Adding a kind: one constant here, an {@link Inspector} of its figures, and its fixture for
 * the tests ({@code FileTypeContract}).
 */
enum FileType {
    /** {@code io.mmap4j.counters.Counters}: docs/counters-format.md. */
    COUNTERS("counters", "MMAP4JCT", true, "each counter's id, name, value and change per second",
            CountersInspector::new, file -> problems(Counters.verify(file), p -> Problem.at(p.offset(), p.problem()))),
    /** {@code io.mmap4j.store.StaticStore}: docs/static-store-format.md. */
    STATIC_STORE("static-store", "MMAP4JST", false, "keys, bytes of keys and values, largest value, index slots and load",
            StaticStoreInspector::new, file -> problems(StaticStore.verify(file),
                    p -> Problem.at(p.offset(), p.field(), p.found(), p.expected()))),
    /** {@code io.mmap4j.queue.MappedQueue}: docs/queue-format.md. */
    QUEUE("queue", "MMAP4JQU", false, "records, bytes used, capacity, head and tail (with bytes consumed and"
            + " produced per second), abandoned claims", QueueInspector::open,
            file -> problems(MappedQueue.verify(file), p -> Problem.at(p.offset(), p.field(), p.found(), p.expected()))),
    /** {@code io.mmap4j.store.SharedMap}, a directory: docs/shared-map-format.md. */
    SHARED_MAP("shared-map", "map", "MMAP4JSM", "MMAP4JSD", false, "keys, live and dead bytes, generation, index slots"
            + " and load", SharedMapInspector::new, directory -> problems(SharedMap.verify(directory),
                    p -> Problem.in(p.file(), p.offset(), p.field(), p.found(), p.expected()))),
    /** {@code io.mmap4j.cache.CacheVolume}: docs/cache-volume-format.md. */
    CACHE_VOLUME("cache-volume", "MMAP4JCV", false, "objects, fill, write cursor (with bytes written per second) and sync"
            + " serial, as of the last directory sync", CacheVolumeInspector::open,
            file -> problems(CacheVolume.verify(file), p -> Problem.at(p.offset(), p.field(), p.found(), p.expected()))),
    /** {@code io.mmap4j.blocks.BlockStorage}: docs/blocks-format.md. */
    BLOCKS("blocks", "MMAP4JBK", false, "block size, capacity, allocated, reserved and free blocks",
            BlockStorageInspector::open,
            file -> problems(BlockStorage.verify(file), p -> Problem.at(p.offset(), p.field(), p.found(), p.expected()))),
    /**
     * {@code io.mmap4j.content.MessageCache}, a directory recognised by its layout rather than a
     * magic: docs/message-format.md, "Recognising a cache". A mapped cache is a shared map too;
     * {@code --type shared-map} checks only its map.
     */
    MESSAGE_CACHE("message-cache", "messages, lists, scalars and their bytes; a mapped cache's map keys, dead bytes and"
            + " file bytes", MessageCacheInspector::open, MessageCacheInspector::verify);

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
    /** For a store that is a directory: the name of its file that holds {@link #magic}; else null. */
    private final String directoryFile;
    /** Whether the store is a directory. */
    private final boolean directory;
    /** For a store that is a directory: the magic of its other files; else null. */
    private final byte[] partMagic;

    /** A store of one file. */
    FileType(String label, String magic, boolean hasRows, String shows, Opener opener, Verifier verifier) {
        this(label, null, magic, null, hasRows, shows, opener, verifier);
    }

    /**
     * A store that is a directory, recognised by its file {@code directoryFile}, whose magic is
     * {@code magic}; its other files start with {@code partMagic}. Its inspection API takes the
     * directory, or that file.
     */
    FileType(String label, String directoryFile, String magic, String partMagic, boolean hasRows, String shows,
             Opener opener, Verifier verifier) {
        this.label = label;
        this.directoryFile = directoryFile;
        this.directory = directoryFile != null || magic == null;
        this.magic = magic == null ? null : magic.getBytes(US_ASCII);
        this.partMagic = partMagic == null ? null : partMagic.getBytes(US_ASCII);
        this.hasRows = hasRows;
        this.shows = shows;
        this.opener = opener;
        this.verifier = verifier;
    }

    /** A store that is a directory recognised by its layout ({@link #ofDirectory}), with no magic of its own. */
    FileType(String label, String shows, Opener opener, Verifier verifier) {
        this(label, null, null, null, false, shows, opener, verifier);
    }

    /** Opens the file read-only for {@code stat}. */
    Inspector open(Path file) throws IOException {
        return opener.open(file);
    }

    /** Checks the file in full, read-only: every problem found, none for a sound file. */
    List<Problem> verify(Path file) throws IOException {
        return verifier.verify(file);
    }

    /** A store's own problems in the tool's form. */
    private static <P> List<Problem> problems(List<P> found, Function<P, Problem> convert) {
        return found.stream().map(convert).toList();
    }

    /** Opens a file of one type for {@code stat}. */
    @FunctionalInterface
    private interface Opener {
        Inspector open(Path file) throws IOException;
    }

    /** A store's full read-only check. */
    @FunctionalInterface
    interface Verifier {
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
     * Recognises a file by its magic, or a store's directory by the file in it that holds its magic.
     *
     * @throws Failure if the path is missing, neither a regular file nor a directory, or not a file
     *                 or store this tool knows
     */
    static FileType of(Path path) throws Failure, IOException {
        if (attributes(path).isDirectory()) {
            return ofDirectory(path);
        }
        requireKind(path, false);
        byte[] magic = magic(path);
        for (FileType type : values()) {
            if (Arrays.equals(magic, type.magic)) {
                return type;
            }
            if (type.partMagic != null && Arrays.equals(magic, type.partMagic)) {
                throw new Failure(path + ": one of the files of a " + type.label + ", not the store itself; name its"
                        + " directory, " + path.toAbsolutePath().getParent());
            }
        }
        if (magic.length == 0) {
            throw new Failure(path + ": an empty file, not an mmap4j file");
        }
        if (magic.length == MAGIC_BYTES && Arrays.equals(magic, 0, FAMILY.length, FAMILY, 0, FAMILY.length)) {
            throw new Failure(path + ": an mmap4j file of a kind this tool does not know (magic \""
                    + new String(magic, US_ASCII) + "\"; it knows " + labels() + ")");
        }
        throw new Failure(path + ": not an mmap4j file (it starts with " + HexFormat.ofDelimiter(" ").formatHex(magic)
                + ", where every mmap4j file starts with \"MMAP4J\")");
    }

    /** The store whose directory {@code directory} is, by the file of each kind that would be in it. */
    private static FileType ofDirectory(Path directory) throws Failure, IOException {
        List<String> looked = new ArrayList<>();
        for (FileType type : values()) {
            if (type.directoryFile != null) {
                Path file = directory.resolve(type.directoryFile);
                if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                    FileType found = of(file);
                    if (found != type) {
                        throw new Failure(file + ": a " + found.label + " file where a " + type.label + " keeps its \""
                                + type.directoryFile + "\"");
                    }
                    return type == SHARED_MAP && holdsMessageCache(directory) ? MESSAGE_CACHE : type;
                }
                looked.add("a " + type.label + "'s holds \"" + type.directoryFile + "\"");
            }
        }
        if (holdsMessageCache(directory)) {
            return MESSAGE_CACHE;
        }
        looked.add("a " + MESSAGE_CACHE.label + "'s holds \"data\", a directory of IDs, or a shared map whose root"
                + " holds the group \"data\"");
        throw new Failure(directory + ": a directory, not an mmap4j store (" + String.join("; ", looked) + ")");
    }

    /**
     * Whether {@code directory} holds a message cache ({@link MessageCache#isCache}). A map that
     * cannot be read is no cache: it is then a shared map, whose {@code verify} names the damage.
     */
    private static boolean holdsMessageCache(Path directory) {
        try {
            return MessageCache.isCache(directory);
        } catch (IOException | RuntimeException unreadable) {
            return false;
        }
    }

    /** The first bytes of a regular file, up to {@value #MAGIC_BYTES}. */
    private static byte[] magic(Path file) throws IOException {
        ByteBuffer start = ByteBuffer.allocate(MAGIC_BYTES);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            while (start.hasRemaining() && channel.read(start) >= 0) {
                // a file may be read in pieces
            }
        }
        return Arrays.copyOf(start.array(), start.position());
    }

    /**
     * Checks that {@code path} is of a kind this type's store can be: a regular file, or, for a
     * store that is a directory, also a directory. The tool opens nothing else: opening a FIFO
     * would block until some process writes to it, and a device or socket holds no mmap4j file.
     *
     * @throws Failure if it is missing or of another kind
     */
    void requireKind(Path path) throws Failure, IOException {
        requireKind(path, directory);
    }

    private static void requireKind(Path path, boolean directoryAllowed) throws Failure, IOException {
        BasicFileAttributes attributes = attributes(path);
        if (attributes.isDirectory() && !directoryAllowed) {
            throw new Failure(path + ": a directory, not an mmap4j file");
        }
        if (!attributes.isDirectory() && !attributes.isRegularFile()) {
            throw new Failure(path + ": " + special(path) + ", not an mmap4j file (those are regular files)");
        }
    }

    private static BasicFileAttributes attributes(Path path) throws Failure, IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new Failure(path + ": no such file");
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
