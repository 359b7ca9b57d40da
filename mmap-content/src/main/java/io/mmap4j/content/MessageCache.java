package io.mmap4j.content;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A content-addressed store of messages, after HyperBEAM's {@code hb_cache}: maps whose values are
 * binaries, strings, numbers, booleans, nested messages and lists, kept in any {@link Store} so that
 * equal data is stored once, read lazily, found by template, and signed.
 *
 * <pre>{@code
 * try (MessageCache cache = MessageCache.over(FileSystemStore.open(dir))) {
 *     String id = cache.write(Map.of("name", "build-42", "artifact", bytes, "deps", List.of("a", "b")));
 *     Map<?, ?> message = (Map<?, ?>) cache.read(id).orElseThrow();     // "deps" is a Link, not loaded
 *     Object whole = cache.ensureAllLoaded(message);                    // every link, at every depth
 *     List<String> same = cache.match(Map.of("name", "build-42"));      // [id], through the index
 * }
 * }</pre>
 *
 * <h2>IDs</h2>
 * A value's ID is the SHA-256 of its canonical encoding, as 43 characters of base64url
 * ({@link #id(Object)}); {@code docs/message-format.md} specifies the encoding byte by byte, so that
 * another implementation computes the same IDs. A map or list is encoded with the IDs of its values,
 * so a message's ID covers everything beneath it (a Merkle tree), and equal values anywhere have one
 * ID. Types round-trip exactly: a {@code String} comes back a {@code String}, an {@code Integer} an
 * {@code Integer}, a {@code byte[]} a {@code byte[]}.
 *
 * <h2>In the store</h2>
 * Three layers, as {@code hb_cache}: every value's encoding once at {@code data/<id>}; every message
 * (and list) also a group at {@code <id>} holding a link per key, to {@code data/<id>} of a scalar or
 * to the group of a nested value, so that a path such as {@code <id>/config/port} leads to a value
 * through the store's links; and links from other names to messages: committed IDs, hashpaths
 * ({@link #writeHashpath}), the match index ({@code index/...}), any {@link #link}.
 * {@code data/<id>} of a message is written last, after everything beneath it: a writer killed at any
 * moment leaves every message whose {@code write} returned whole, and no message half-readable.
 * After it, a copy made for reads: {@code packed/<id>}, the message with everything beneath it (its
 * scalars, its nested messages and lists at every depth, while within 16 KiB) in one value, so that
 * reading a message whole by its ID is one lookup of the store, and of the commitments stamp
 * ({@code packed/stamp}), which changes when a message written before gains a commitment, so that
 * the copies of it inline in other messages' packed values are read with its commitments too.
 *
 * <h2>Reading</h2>
 * {@link #read} returns a message with its scalars loaded and its nested messages and lists as
 * {@link Link}s; {@link #ensureLoaded} loads one level, {@link #ensureAllLoaded} every level, from
 * the packed value last read when a link leads into it (no lookup of its own). Returned maps and
 * lists are unmodifiable, keys in the encoding's order (by UTF-8 bytes).
 *
 * <h2>Commitments</h2>
 * {@link #commit} signs a message with an Ed25519 key pair: its {@code commitments} key then maps
 * the committed ID (the ID of the signature) to the algorithm, the public key and the signature over
 * the message's uncommitted ID. A written message is readable by its uncommitted ID and by each
 * committed ID; reading checks every signature and refuses a message whose commitment does not verify
 * with a {@link CorruptContentException}. The uncommitted ID does not cover the commitments. In the
 * store each commitment is a message of its own, linked into the group {@code <id>/commitments}
 * under its committed ID: writing a message again with other commitments adds them, and writers
 * adding commitments to one message at once, in any number of threads and processes, keep every one.
 *
 * <h2>Errors</h2>
 * Null keys or values are {@link NullPointerException}s, an unsupported value type, a bad key, a
 * cycle or a nesting deeper than 256 levels an {@link IllegalArgumentException}, each naming the path of the
 * value in the message. An unknown ID reads as empty. Stored data that does not parse, or a value a
 * message names but that is missing, is a {@link CorruptContentException} naming the store and the
 * path; {@link #verify(Path)} lists every such problem. Any call after {@link #close()} is an
 * {@link IllegalStateException}.
 *
 * <h2>Threads and processes</h2>
 * As safe as the store: any number of threads, and with a mapped or file-system store any number of processes
 * at once. Writing the same message twice, from anywhere, stores it once.
 */
public final class MessageCache implements AutoCloseable {
    private final Store store;
    private final MessageLoader loader;
    private volatile boolean open = true;

    private MessageCache(Store store) {
        this.store = store;
        this.loader = new MessageLoader(this);
    }

    /**
     * Opens the cache in {@code directory} on the mapped backend: a {@link MappedStore} (a
     * {@link io.mmap4j.store.SharedMap}) that many processes read and write at once, created if
     * there is none.
     *
     * @param directory the store's directory
     * @return the cache; close it to release the map
     * @throws IOException if the map cannot be created or opened, or is damaged
     */
    public static MessageCache open(Path directory) throws IOException {
        return over(MappedStore.open(directory));
    }

    /**
     * A cache over {@code store}, which it then owns: {@link #close()} closes it.
     *
     * @param store any store: a {@link FileSystemStore}, a {@link MemoryStore}, a {@link StoreChain}
     * @return the cache
     */
    public static MessageCache over(Store store) {
        return new MessageCache(Objects.requireNonNull(store, "store"));
    }

    /**
     * The store the cache keeps its entries in.
     *
     * @return the store
     */
    public Store store() {
        return store;
    }

    // ---------------------------------------------------------------------------------------------
    // Writing

    /**
     * Writes {@code message}, and everything in it, each value once.
     *
     * @param message keys (path segments: 1 to 255 bytes of UTF-8, no {@code /}) to values:
     *                {@code byte[]}, {@code String}, {@code Integer}, {@code Long}, {@code Boolean},
     *                {@code Double}, nested {@code Map<String, ?>}, {@code List<?>}, or a {@link Link};
     *                the key {@code commitments} holds the message's commitments ({@link #commit})
     * @return the message's (uncommitted) ID
     * @throws NullPointerException     for a null key or value, naming where it is
     * @throws IllegalArgumentException for an unsupported type, a bad key, a cycle, a commitment that
     *                                  does not verify, naming where it is
     */
    public String write(Map<String, ?> message) {
        Objects.requireNonNull(message, "message");
        checkOpen();
        return new MessageWriter(this).value(message, "message", 0).id();
    }

    /**
     * Writes {@code bytes} once at {@code data/<id>} and links {@code hashpath} to it, so that
     * {@code read(hashpath)} returns the bytes.
     *
     * @param hashpath the path to link, such as {@link #hashpath(Object, Object)} of a computation
     * @param bytes    the binary
     * @return the path of the binary: {@code data/<id>}
     */
    public String writeBinary(String hashpath, byte[] bytes) {
        return writeHashpath(hashpath, Objects.requireNonNull(bytes, "bytes"));
    }

    /**
     * Writes {@code value} (a message, a list or a scalar) and links {@code hashpath} to it: the
     * memoised result of a computation, which {@link #readResolved} finds.
     *
     * @param hashpath the path to link
     * @param value    the value
     * @return where the value is: {@code data/<id>} for a scalar, its ID for a message or list
     */
    public String writeHashpath(String hashpath, Object value) {
        String path = StorePaths.normalize(Objects.requireNonNull(hashpath, "hashpath"));
        checkOpen();
        MessageWriter.Written w = new MessageWriter(this).value(value, path, 0);
        store.makeLink(w.path(), path);
        return w.path();
    }

    /**
     * Makes {@code newPath} lead to what {@code existing} leads to ({@link Store#makeLink}).
     *
     * @param existing an ID or a path
     * @param newPath  the new name
     */
    public void link(String existing, String newPath) {
        checkOpen();
        store.makeLink(existing, newPath);
    }

    // ---------------------------------------------------------------------------------------------
    // Reading

    /**
     * The value with this ID, or at this path: a message (its nested messages and lists as
     * {@link Link}s, its commitments loaded and checked), a list, a scalar, or the bytes of a value
     * written to the store directly. A path through a message ({@code <id>/key/key}) follows the
     * store's links.
     *
     * @param idOrPath an ID, a committed ID, a hashpath or any path in the store
     * @return the value, or empty if there is none (an unknown ID, or a message still being written)
     * @throws CorruptContentException if what is stored does not parse, or a commitment does not verify
     */
    public Optional<Object> read(String idOrPath) {
        Objects.requireNonNull(idOrPath, "idOrPath");
        if (ContentIds.isId(idOrPath)) { // normal as it is: no path to check
            checkOpen();
            return Optional.ofNullable(loader.readId(idOrPath));
        }
        String path = StorePaths.normalize(idOrPath);
        checkOpen();
        if (path.isEmpty()) {
            throw new IllegalArgumentException("read needs an ID or a path, not the root");
        }
        return Optional.ofNullable(loader.read(path));
    }

    /**
     * The memoised result of applying {@code msg2} to {@code msg1}: what was written at their
     * {@link #hashpath}.
     *
     * @param msg1 a message, or its ID
     * @param msg2 a message, or its ID
     * @return the result, or empty on a miss
     */
    public Optional<Object> readResolved(Object msg1, Object msg2) {
        return read(hashpath(msg1, msg2));
    }

    /**
     * Loads {@code value} one level if it is a {@link Link}; returns any other value as it is.
     *
     * @param value a link, or any value
     * @return the value the link leads to (with its own nested values still links), or {@code value}
     * @throws NoSuchElementException if the link leads to nothing in this cache, naming it
     */
    public Object ensureLoaded(Object value) {
        if (value instanceof Link link) {
            checkOpen();
            return loader.load(link, false, 0);
        }
        return value;
    }

    /**
     * Loads every link in {@code value}, at every depth, in maps and lists.
     *
     * @param value a link, a message, a list, or any value
     * @return the value with no link left: maps and lists unmodifiable
     * @throws NoSuchElementException if a link leads to nothing, naming it
     */
    public Object ensureAllLoaded(Object value) {
        return ensureAllLoaded(value, 0);
    }

    /** {@link #ensureAllLoaded(Object)} of a value {@code depth} levels down a message. */
    Object ensureAllLoaded(Object value, int depth) {
        return switch (value) {
            case Link link -> {
                checkOpen();
                yield loader.load(link, true, depth);
            }
            case LoadedMap map -> map.mapValues(v -> ensureAllLoaded(v, depth + 1)); // itself if nothing is a link
            case LoadedList list -> list.mapValues(v -> ensureAllLoaded(v, depth + 1));
            case Map<?, ?> map -> {
                Map<Object, Object> loaded = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    loaded.put(e.getKey(), ensureAllLoaded(e.getValue(), depth + 1));
                }
                yield Collections.unmodifiableMap(loaded);
            }
            case List<?> list -> {
                List<Object> loaded = new ArrayList<>(list.size());
                for (Object o : list) {
                    loaded.add(ensureAllLoaded(o, depth + 1));
                }
                yield Collections.unmodifiableList(loaded);
            }
            case null, default -> value;
        };
    }

    /**
     * The names under {@code path}: a message's keys, a list's indexes, a group's children.
     *
     * @param path an ID or a path; links are followed
     * @return the names, sorted; empty if {@code path} is not a group
     */
    public List<String> list(String path) {
        checkOpen();
        List<String> names = new ArrayList<>(store.list(path));
        Collections.sort(names);
        return names;
    }

    /**
     * The names under {@code path} that are integers, as numbers, ascending (slots, list indexes).
     *
     * @param path an ID or a path
     * @return the numbers; names that are not decimal integers are left out
     */
    public List<Long> listNumbered(String path) {
        checkOpen();
        List<Long> numbers = new ArrayList<>();
        for (String name : store.list(path)) {
            if (name.matches("-?[0-9]{1,18}")) {
                numbers.add(Long.parseLong(name));
            }
        }
        Collections.sort(numbers);
        return numbers;
    }

    /**
     * The IDs of the messages that have every key of {@code template} at its value, nested messages
     * included, found through the match index: costs the index entries of the template's pairs,
     * never a scan.
     *
     * @param template keys and values (a nested value matches by its ID); not empty
     * @return the IDs of the messages written whole, in no particular order
     */
    public List<String> match(Map<String, ?> template) {
        Objects.requireNonNull(template, "template");
        checkOpen();
        if (template.isEmpty()) {
            throw new IllegalArgumentException("an empty template matches every message: name at least one key");
        }
        Map<String, String> ids = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : template.entrySet()) {
            String key = Objects.requireNonNull(e.getKey(), "a template key");
            ids.put(key, new MessageWriter(null).value(e.getValue(), "template/" + key, 0).id());
        }
        List<String> found = new ArrayList<>();
        for (String path : MatchIndex.find(store, ids)) {
            if (store.type("data/" + path) == Store.Type.SIMPLE) { // written whole, not in progress
                found.add(path);
            }
        }
        return found;
    }

    // ---------------------------------------------------------------------------------------------
    // IDs and commitments

    /**
     * The ID of {@code value} (for a message, its uncommitted ID), computed without writing it.
     *
     * @param value a message, a list or a scalar, as {@link #write} takes them (but no {@link Link})
     * @return 43 characters of base64url: the SHA-256 of the value's canonical encoding
     */
    public static String id(Object value) {
        return new MessageWriter(null).value(value, "value", 0).id();
    }

    /**
     * The hashpath of applying {@code msg2} to {@code msg1}: {@code <id1>/<id2>}, where a memoised
     * result is written ({@link #writeHashpath}) and found ({@link #readResolved}).
     *
     * @param msg1 a message (or any value), or an ID given as a String
     * @param msg2 a message (or any value), or an ID given as a String
     * @return the hashpath
     */
    public static String hashpath(Object msg1, Object msg2) {
        return idOf(msg1, "msg1") + "/" + idOf(msg2, "msg2");
    }

    /**
     * {@code message} with a commitment of {@code signer} added to its {@code commitments}: an
     * Ed25519 signature over the 32 bytes of its uncommitted ID, filed under the committed ID (the ID
     * of the signature bytes).
     *
     * @param message the message; commitments it has already are kept
     * @param signer  an Ed25519 key pair ({@code KeyPairGenerator.getInstance("Ed25519")})
     * @return a new, unmodifiable message: {@code message} plus the commitment
     * @throws IllegalArgumentException if the key pair is not Ed25519, or the message cannot be written
     */
    public static Map<String, Object> commit(Map<String, ?> message, KeyPair signer) {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(signer, "signer");
        Map<String, Object> unsigned = new LinkedHashMap<>(message);
        Object existing = unsigned.remove(Commitments.KEY);
        byte[] hash = new MessageWriter(null).value(unsigned, "message", 0).hash();
        Map<String, Object> commitment = Commitments.sign(hash, signer);
        Map<Object, Object> all = new LinkedHashMap<>();
        if (existing instanceof Map<?, ?> m) {
            all.putAll(m);
        } else if (existing != null) {
            throw new IllegalArgumentException("the message's commitments are a " + existing.getClass().getName()
                    + ", expected a map");
        }
        all.put(Commitments.committedId((byte[]) commitment.get("signature")), commitment);
        Map<String, Object> signed = new LinkedHashMap<>(message);
        signed.put(Commitments.KEY, Collections.unmodifiableMap(all));
        return Collections.unmodifiableMap(signed);
    }

    // ---------------------------------------------------------------------------------------------
    // Inspection

    /**
     * Counts what the cache holds, reading every {@code data/} entry once: what {@code mmap4j stat}
     * prints for a message cache.
     *
     * @return the figures, at the moment of each read
     */
    public Stat stat() {
        checkOpen();
        return new ContentVerifier(this).stat();
    }

    /**
     * Checks everything the cache holds, read-only: every encoding hashes to its ID and parses, every
     * message's group links each key to the value its encoding names, every commitment verifies, and
     * every committed ID leads to a message that names it. Messages still being written (by this or
     * another process) are not problems.
     *
     * @return every problem found, at most 1000; empty if the cache is sound
     */
    public List<Problem> verify() {
        checkOpen();
        return new ContentVerifier(this).verify();
    }

    /**
     * {@link #verify()} of the cache in {@code path}, which is left as found: a directory holding a
     * {@link io.mmap4j.store.SharedMap} (its {@code map} file) is a {@link MappedStore}, opened
     * read-only; any other directory a {@link FileSystemStore}.
     *
     * @param path the store's directory
     * @return every problem found; empty if the cache is sound
     * @throws IOException if {@code path} does not exist or cannot be read, or its map is damaged
     */
    public static List<Problem> verify(Path path) throws IOException {
        try (MessageCache cache = openReadOnly(path)) {
            return cache.verify();
        }
    }

    /**
     * {@link #stat()} of the cache in {@code path}, which is left as found, opened as
     * {@link #verify(Path)} opens it: what {@code mmap4j stat} prints, while other processes write.
     *
     * @param path the store's directory
     * @return the figures
     * @throws IOException             if {@code path} does not exist or cannot be read, or its map is damaged
     * @throws CorruptContentException if an entry of the store is damaged so that it cannot be counted
     */
    public static Stat stat(Path path) throws IOException {
        try (MessageCache cache = openReadOnly(path)) {
            return cache.stat();
        }
    }

    /**
     * Whether the directory {@code path} holds a message cache, by its layout, as
     * {@code docs/message-format.md} ("Recognising a cache") states it: a {@link MappedStore} (a
     * {@link io.mmap4j.store.SharedMap} whose root entry is a group) with the group {@code data};
     * or a directory holding the directory {@code data} (not a link) whose first
     * {@value #RECOGNISED_NAMES} names are IDs (or the file-system backend's temporary files). A
     * cache in which nothing was ever written has no {@code data} yet, and is not recognised. Reads
     * only.
     *
     * @param path a directory, or any path
     * @return true if it holds a message cache
     * @throws IOException if {@code path} cannot be read, or holds a damaged map
     */
    public static boolean isCache(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        if (!Files.isDirectory(path)) {
            return false;
        }
        if (Files.isRegularFile(path.resolve("map"), LinkOption.NOFOLLOW_LINKS)) {
            try (MappedStore store = MappedStore.open(path, StandardOpenOption.READ)) {
                return store.hasRootGroup() && store.type("data") == Store.Type.COMPOSITE;
            }
        }
        Path data = path.resolve("data");
        if (!Files.isDirectory(data, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (Stream<Path> names = Files.list(data)) {
            return names.limit(RECOGNISED_NAMES).map(p -> p.getFileName().toString())
                    .allMatch(name -> ContentIds.isId(name) || name.startsWith(StorePaths.RESERVED_PREFIX));
        }
    }

    /** How many names of {@code data/} {@link #isCache} looks at. */
    private static final int RECOGNISED_NAMES = 16;

    /** The cache in {@code path}, read-only: a {@link MappedStore} where a map is, else a {@link FileSystemStore}. */
    private static MessageCache openReadOnly(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        if (!Files.isDirectory(path)) {
            throw new NoSuchFileException(path.toString(), null, "not a message cache: no such directory");
        }
        Store store = Files.isRegularFile(path.resolve("map"))
                ? MappedStore.open(path, StandardOpenOption.READ) : FileSystemStore.open(path);
        return over(store);
    }

    /**
     * Whether the cache is open.
     *
     * @return false once {@link #close()} was called
     */
    public boolean isOpen() {
        return open;
    }

    /** Closes the store; idempotent. */
    @Override
    public void close() {
        if (open) {
            open = false;
            store.close();
        }
    }

    /** Names the store. */
    @Override
    public String toString() {
        return "MessageCache[" + store.location() + (open ? "]" : ", closed]");
    }

    /**
     * What a cache holds, counted by {@link #stat()}.
     *
     * @param location    the store's location
     * @param messages    messages (maps) written whole
     * @param lists       lists written whole
     * @param scalars     binaries, strings and numbers, each stored once
     * @param scalarBytes the bytes of their encodings, together
     * @param storedBytes the bytes of every encoding, messages' and lists' included
     * @param packedBytes the bytes of the packed values: copies of messages and lists with their
     *                    scalars, kept so that each reads in one lookup
     */
    public record Stat(String location, long messages, long lists, long scalars, long scalarBytes, long storedBytes,
                       long packedBytes) {
    }

    /**
     * One problem {@link #verify()} found.
     *
     * @param location the store's location
     * @param path     the path in the store of the damaged entry
     * @param problem  what is wrong there
     */
    public record Problem(String location, String path, String problem) {
        /** The problem as {@link CorruptContentException} words it. */
        @Override
        public String toString() {
            return location + ": " + path + ": " + problem;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Loading: MessageLoader

    /** The commitments stored for the message {@code id}, loaded whole (not yet checked); empty if none. */
    Map<String, Object> storedCommitments(String id) {
        return loader.storedCommitments(id);
    }

    CorruptContentException corrupt(String path, String problem) {
        return new CorruptContentException(store.location(), path, problem);
    }

    private static String idOf(Object message, String name) {
        Objects.requireNonNull(message, name);
        if (message instanceof String s) {
            if (!ContentIds.isId(s)) {
                throw new IllegalArgumentException(name + " \"" + StorePaths.abbreviate(s)
                        + "\" is not an ID (43 characters of base64url); give a message as a Map");
            }
            return s;
        }
        return id(message);
    }

    private void checkOpen() {
        if (!open) {
            throw new IllegalStateException(store.location() + ": the message cache is closed");
        }
    }
}
