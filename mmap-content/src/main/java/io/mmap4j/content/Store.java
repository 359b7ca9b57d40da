package io.mmap4j.content;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A key-value store of values, groups and links at {@code /}-separated paths: the contract of
 * HyperBEAM's {@code hb_store}, which {@link MessageCache} writes messages into.
 *
 * <p>Three kinds of entry live at a path: a <em>value</em> (bytes), a <em>group</em> (a directory of
 * named children) and a <em>link</em> (the path of another entry). Links are followed on every
 * prefix of a path: if {@code a/b} is a link to {@code x}, then {@code a/b/c} is {@code x/c}.
 * {@link #resolve} does this one segment at a time, at most {@value #MAX_LINK_HOPS} links in all; a
 * cycle (a resolution that comes back to where it was, or passes the bound) is an
 * {@link IllegalStateException} naming the path. {@link #read}, {@link #type} and
 * {@link #list} follow links; a group reads as absent.
 *
 * <p>Paths are strings ({@code "a/b/c"}) or lists of segments ({@code List.of("a", "b", "c")}).
 * Empty segments are dropped, so {@code "/a//b/"} is {@code "a/b"} and {@code ""} is the root. A
 * segment is 1 to 255 bytes of UTF-8, holds no NUL, is not {@code .} or {@code ..} and does not
 * start with {@code .mmap4j-}; a path is at most 4096 bytes. A bad path is an
 * {@link IllegalArgumentException} naming it, a null a {@link NullPointerException}.
 *
 * <p>Writing creates the missing groups above the entry (through links on its prefix, as reading
 * does). A value or a link may be replaced by a value or a link; a group is never replaced (writing
 * or linking over one is an {@link IllegalStateException}), and nothing is ever deleted but by
 * {@link #reset()}. So once a path is a group it stays one, and a path that exists has no link on
 * its prefix: a lookup of an existing path needs no resolution.
 *
 * <p>Backends: {@link MemoryStore} (in the heap), {@link FileSystemStore} (files, directories and
 * symbolic links, as {@code hb_store_fs}); {@link StoreChain} tries several in order under access
 * policies. Each is safe for use by many threads; the file-system store also by many processes at
 * once. I/O errors are {@link java.io.UncheckedIOException}s; any call after {@link #close()} is an
 * {@link IllegalStateException}.
 *
 * <p>{@link #match} finds groups through an index that {@link #index} records (and
 * {@link MessageCache} records for every key of every message): it costs the entries of the index
 * that the template names, never a scan of the store.
 */
public interface Store extends AutoCloseable {
    /** The most links a resolution follows before it reports a cycle. */
    int MAX_LINK_HOPS = 1000;

    /** What is at a path, after following links. */
    enum Type {
        /** A value: {@link #read} returns its bytes. */
        SIMPLE,
        /** A group: {@link #list} names its children; {@link #read} returns nothing. */
        COMPOSITE,
        /** Nothing, or a link to nothing. */
        ABSENT
    }

    /**
     * The value at {@code path}, following links on every prefix.
     *
     * @param path the path
     * @return the value's bytes (the caller may keep and change them), or empty if nothing, or a
     *         group, is there
     */
    Optional<byte[]> read(String path);

    /**
     * Writes the value at {@code path}, replacing a value or a link there, and creating the groups
     * above it that are missing.
     *
     * @param path  the path
     * @param value the bytes, copied
     * @throws IllegalStateException if {@code path} is a group, or a prefix of it is a value
     */
    void write(String path, byte[] value);

    /**
     * What is at {@code path}, following links.
     *
     * @param path the path
     * @return simple, composite or absent
     */
    Type type(String path);

    /**
     * Makes {@code path} a group, and the groups above it; nothing happens if it is one already.
     *
     * @param path the path
     * @throws IllegalStateException if {@code path}, or a prefix of it, is a value
     */
    void makeGroup(String path);

    /**
     * Makes {@code newPath} a link to {@code existing}, replacing a value or a link there and
     * creating the groups above it. {@code existing} need not exist yet; a link to itself is
     * ignored.
     *
     * @param existing the path the link leads to
     * @param newPath  the path of the link
     * @throws IllegalStateException if {@code newPath} is a group, or a prefix of it is a value
     */
    void makeLink(String existing, String newPath);

    /**
     * The path that {@code path} leads to: every prefix that is a link replaced by its target,
     * one segment at a time, until no prefix is a link.
     *
     * @param path the path
     * @return the resolved path, normalised; {@code path} itself if no prefix is a link
     * @throws IllegalStateException if more than {@value #MAX_LINK_HOPS} links are followed (a
     *                               cycle), naming the path
     */
    String resolve(String path);

    /**
     * The names of the immediate children of the group at {@code path}, following links.
     *
     * @param path the path; {@code ""} is the root
     * @return the names, in no particular order; empty if {@code path} is not a group
     */
    List<String> list(String path);

    /** Deletes every entry. */
    void reset();

    /**
     * Where the store keeps its entries, for messages and reports: a directory, a file, or
     * {@code "memory"}.
     *
     * @return the store's location, as text
     */
    String location();

    /** Releases the store; idempotent. Every other method then throws {@link IllegalStateException}. */
    @Override
    void close();

    // ---------------------------------------------------------------------------------------------
    // Paths as lists of segments

    /**
     * {@link #read(String)} of the path made of {@code segments}.
     *
     * @param segments the path's segments, none containing {@code /}
     * @return the value's bytes, or empty
     */
    default Optional<byte[]> read(List<String> segments) {
        return read(StorePaths.join(segments));
    }

    /**
     * {@link #write(String, byte[])} at the path made of {@code segments}.
     *
     * @param segments the path's segments, none containing {@code /}
     * @param value    the bytes
     */
    default void write(List<String> segments, byte[] value) {
        write(StorePaths.join(segments), value);
    }

    /**
     * {@link #type(String)} of the path made of {@code segments}.
     *
     * @param segments the path's segments, none containing {@code /}
     * @return simple, composite or absent
     */
    default Type type(List<String> segments) {
        return type(StorePaths.join(segments));
    }

    /**
     * {@link #makeGroup(String)} at the path made of {@code segments}.
     *
     * @param segments the path's segments, none containing {@code /}
     */
    default void makeGroup(List<String> segments) {
        makeGroup(StorePaths.join(segments));
    }

    /**
     * {@link #makeLink(String, String)} with both paths given as segments.
     *
     * @param existing the segments of the path the link leads to
     * @param newPath  the segments of the link's path
     */
    default void makeLink(List<String> existing, List<String> newPath) {
        makeLink(StorePaths.join(existing), StorePaths.join(newPath));
    }

    /**
     * {@link #resolve(String)} of the path made of {@code segments}.
     *
     * @param segments the path's segments, none containing {@code /}
     * @return the resolved path
     */
    default String resolve(List<String> segments) {
        return resolve(StorePaths.join(segments));
    }

    /**
     * {@link #list(String)} of the path made of {@code segments}.
     *
     * @param segments the path's segments, none containing {@code /}
     * @return the children's names
     */
    default List<String> list(List<String> segments) {
        return list(StorePaths.join(segments));
    }

    // ---------------------------------------------------------------------------------------------
    // The match index

    /**
     * Records in the match index that the group at {@code group} has a child {@code key} whose
     * value is {@code value}, so that {@link #match} finds it. The index is ordinary entries: the
     * link {@code index/<id(key)>/<id(value)>/<id(group)>} to {@code group}, where {@code id} is the
     * 43-character base64url SHA-256 named in {@code docs/message-format.md}. Idempotent.
     *
     * @param group the group's path
     * @param key   the child's name
     * @param value the child's value, as the template of a match will give it
     */
    default void index(String group, String key, byte[] value) {
        String g = StorePaths.normalize(group);
        Objects.requireNonNull(value, "value");
        StorePaths.checkSegment(Objects.requireNonNull(key, "key"), key);
        if (g.isEmpty()) {
            throw new IllegalArgumentException("the root cannot be indexed: give a group's path");
        }
        MatchIndex.record(this, g, key, ContentIds.id(value));
    }

    /**
     * The groups recorded by {@link #index} with every key of {@code template} at its value.
     * Costs a {@link #list} of the index entry of each pair of the template and a resolution of
     * each group found; never a scan of the store.
     *
     * @param template keys and values, each of which a group must have; not empty
     * @return the paths of the matching groups (resolved), in no particular order
     * @throws IllegalArgumentException if the template is empty
     */
    default List<String> match(Map<String, byte[]> template) {
        Objects.requireNonNull(template, "template");
        if (template.isEmpty()) {
            throw new IllegalArgumentException("an empty template matches every group: name at least one key");
        }
        Map<String, String> ids = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : template.entrySet()) {
            String key = Objects.requireNonNull(e.getKey(), "a template key");
            byte[] value = Objects.requireNonNull(e.getValue(), () -> "the template's value of " + key);
            ids.put(key, ContentIds.id(value));
        }
        return MatchIndex.find(this, ids);
    }
}
