package io.mmap4j.content;

import io.mmap4j.content.MessageFormat.Child;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Encodes a value and, given a store, writes it: every scalar at {@code data/<id>}; every map or
 * list as a group {@code <id>} of links to its children, then its encoding at {@code data/<id>}; a
 * map's commitments each as a message of its own, linked at {@code <id>/commitments/<committed id>}.
 * Children are written before their parent and a composite's encoding last, after its group, its
 * index entries and its commitments: once {@code data/<id>} exists, everything beneath it does, so a
 * writer killed at any moment leaves every message it finished whole ({@code docs/message-format.md},
 * "Writing"). Without a store it only computes IDs. One instance per top-level write.
 */
final class MessageWriter {
    /** Deeper than this is refused, before the stack runs out. */
    static final int MAX_DEPTH = 256;

    /** What was written: the value's tag and the SHA-256 of its encoding. */
    record Written(byte tag, byte[] hash) {
        String id() {
            return ContentIds.encode(hash);
        }

        /** Where the value is in the store: its encoding for a scalar, its group for a composite. */
        String path() {
            return MessageFormat.isComposite(tag) ? id() : "data/" + id();
        }
    }

    /**
     * A value encoded but not yet stored: its encoding and hash; for a composite, its children (by
     * key, or by index for a list) and any commitments, checked; for a link, nothing to store.
     */
    record Node(byte tag, byte[] hash, byte[] enc, List<String> keys, List<Node> children,
                Map<String, Object> commitments, boolean stored) {
        Written written() {
            return new Written(tag, hash);
        }
    }

    private final Store store;
    private final MessageCache cache;
    private final IdentityHashMap<Object, Boolean> onPath = new IdentityHashMap<>();
    /** The store's commitments stamp, read before any commitment was looked for: what the packed values written name. */
    private long stamp;
    /** The tree of each composite packed so far (a map to itself if none: too large), under {@link #stamp}. */
    private final IdentityHashMap<Node, byte[]> trees = new IdentityHashMap<>();
    private static final byte[] NO_TREE = {};
    private static final byte[] BY_ID = {PackedForm.BY_ID};

    /** Writes into {@code cache}'s store, or only computes IDs if {@code cache} is null. */
    MessageWriter(MessageCache cache) {
        this.cache = cache;
        this.store = cache == null ? null : cache.store();
    }

    /**
     * Encodes {@code value} whole (so that bad input is refused before anything is stored), then,
     * given a store, stores it bottom-up.
     */
    Written value(Object value, String where, int depth) {
        Node node = encode(value, where, depth);
        if (store != null) {
            stamp = PackedForm.stamp(store);
            if (stamp == 0) { // none yet: a new stamp (safe whenever written) lets readers find it in one lookup
                PackedForm.changeStamp(store);
                stamp = PackedForm.stamp(store);
            }
            persist(node, where);
        }
        return node.written();
    }

    private Node encode(Object value, String where, int depth) {
        if (value == null) {
            throw new NullPointerException("the value at " + where + " is null");
        }
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("the value at " + StorePaths.abbreviate(where) + " is nested deeper than "
                    + MAX_DEPTH + " levels");
        }
        return switch (value) {
            case Map<?, ?> map -> map(map, where, depth);
            case List<?> list -> list(list, where, depth);
            case Link link -> link(link, where);
            default -> scalar(value, where);
        };
    }

    private static Node scalar(Object value, String where) {
        byte[] enc = MessageFormat.encodeScalar(value);
        if (enc == null) {
            throw new IllegalArgumentException("the value at " + where + " is a " + value.getClass().getName()
                    + ", which a message cannot hold (byte[], String, Integer, Long, Boolean, Double, Map, List or Link)");
        }
        return new Node(enc[0], ContentIds.sha256(enc), enc, null, null, null, false);
    }

    private Node map(Map<?, ?> map, String where, int depth) {
        enter(map, where);
        Object commitments = null;
        TreeMap<byte[], Node> sorted = new TreeMap<>(Arrays::compareUnsigned);
        Map<byte[], String> names = new IdentityHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw e.getKey() == null ? new NullPointerException("a key of the message at " + where + " is null")
                        : new IllegalArgumentException("a key of the message at " + where + " is a "
                        + e.getKey().getClass().getName() + ", expected a String");
            }
            StorePaths.checkSegment(key, where + "/" + key);
            if (key.equals(Commitments.KEY)) {
                commitments = Objects.requireNonNull(e.getValue(), () -> "the value at " + where + "/" + key + " is null");
                continue;
            }
            byte[] utf8 = MessageFormat.utf8(key);
            sorted.put(utf8, encode(e.getValue(), where + "/" + key, depth + 1));
            names.put(utf8, key);
        }
        List<String> keys = new ArrayList<>(sorted.size());
        List<Node> children = new ArrayList<>(sorted.size());
        sorted.forEach((k, node) -> {
            keys.add(names.get(k));
            children.add(node);
        });
        onPath.remove(map);
        return composite(MessageFormat.MAP, keys, children, commitments, where);
    }

    private Node list(List<?> list, String where, int depth) {
        enter(list, where);
        List<String> keys = new ArrayList<>(list.size());
        List<Node> children = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            keys.add(Integer.toString(i));
            children.add(encode(list.get(i), where + "/" + i, depth + 1));
        }
        onPath.remove(list);
        return composite(MessageFormat.LIST, keys, children, null, where);
    }

    private static Node composite(byte tag, List<String> keys, List<Node> children, Object commitments, String where) {
        List<Child> named = new ArrayList<>(children.size());
        for (int i = 0; i < children.size(); i++) {
            named.add(new Child(keys.get(i), children.get(i).tag(), children.get(i).hash()));
        }
        byte[] enc = MessageFormat.encodeComposite(tag, named); // a list's keys (its indexes) are not encoded
        byte[] hash = ContentIds.sha256(enc);
        Map<String, Object> signed = commitments == null ? null : checkCommitments(commitments, hash, where);
        return new Node(tag, hash, enc, keys, children, signed, false);
    }

    /** Stores {@code node} and everything beneath it, children first, its encoding last. */
    private void persist(Node node, String where) {
        if (node.stored()) {
            return; // a link: its value is in the store already
        }
        String id = node.written().id();
        String data = "data/" + id;
        if (node.children() == null) {
            if (store.type(data) != Store.Type.SIMPLE) { // each binary once
                store.write(data, node.enc());
            }
            return;
        }
        boolean stored = store.type(data) == Store.Type.SIMPLE; // a message written whole has all beneath it
        if (!stored) {
            for (int i = 0; i < node.children().size(); i++) {
                persist(node.children().get(i), where + "/" + node.keys().get(i));
            }
            List<String> targets = new ArrayList<>(node.children().size());
            for (Node child : node.children()) {
                targets.add(child.written().path());
            }
            EntryStore.makeGroupOfLinks(store, id, node.keys(), targets);
            if (node.tag() == MessageFormat.MAP) {
                for (int i = 0; i < node.children().size(); i++) {
                    MatchIndex.record(store, id, node.keys().get(i), node.children().get(i).written().id());
                }
            }
        }
        if (node.commitments() != null) {
            // Each commitment its own message, linked into the group <id>/commitments under its committed
            // ID: adding a link never replaces another, so writers adding commitments to one message at
            // once, in any number of processes, keep every one (a merged map behind one link would keep
            // only the last writer's).
            boolean added = false;
            for (Map.Entry<String, Object> c : node.commitments().entrySet()) {
                String path = id + "/" + Commitments.KEY + "/" + c.getKey();
                if (store.type(path) == Store.Type.ABSENT) {
                    store.makeLink(new MessageWriter(cache).value(c.getValue(), where + "/" + path, 0).id(), path);
                    added = true;
                }
            }
            if (added && EntryStore.exists(store, data)) {
                // A map written before gained a commitment: a packed value that holds it inline may say it has
                // none, and a tree's flags hold only under the stamp it names. Looked at after the link, so that
                // a writer that looked for commitments before it (after data/<id> was written) is covered.
                PackedForm.changeStamp(store);
                stamp = PackedForm.stamp(store);
                trees.clear(); // their flags were looked at under the old stamp
            }
        }
        if (!stored) {
            store.write(data, node.enc()); // the commit: from here on the message reads whole
        }
        writePacked(node, id, stored);
        if (node.commitments() != null) {
            for (String committedId : node.commitments().keySet()) {
                store.makeLink(id, committedId);
            }
        }
    }

    /**
     * Writes the packed value of a composite whose {@code data/<id>} is written: its tree, under the
     * stamp read before any of its maps' commitments were looked for. A value stored already keeps a
     * packed value written under the current stamp, unless commitments are added to it now.
     */
    private void writePacked(Node node, String id, boolean stored) {
        String path = PackedForm.path(id);
        if (stored && (node.commitments() == null || node.commitments().isEmpty())) {
            byte[] old = store.read(path).orElse(null);
            if (old != null && old.length >= PackedForm.HEADER && old[0] == PackedForm.VERSION
                    && PackedForm.u64(old, 1) == stamp) {
                return; // written, and current
            }
        }
        byte[] tree = tree(node);
        if (tree != null) {
            store.write(path, PackedForm.pack(stamp, tree));
        } // else too large to copy: read from its parts
    }

    /**
     * The tree of the composite {@code node} in a packed value ({@link PackedForm#tree}): its
     * encoding, its scalars' encodings, its composites' trees while they fit (else {@link #BY_ID}),
     * its flag {@link PackedForm#COMMITTED} if it is a map with commitments (given, or in the store);
     * null if its encoding and scalars alone are too large. Each composite's once per write.
     */
    private byte[] tree(Node node) {
        byte[] known = trees.get(node);
        if (known != null) {
            return known == NO_TREE ? null : known;
        }
        int n = node.children().size();
        byte[][] parts = new byte[n][];
        boolean[] scalar = new boolean[n];
        long size = PackedForm.HEADER + PackedForm.TREE_HEADER + 4L + node.enc().length;
        for (int i = 0; i < n; i++) {
            Node child = node.children().get(i);
            if (!MessageFormat.isComposite(child.tag())) {
                scalar[i] = true;
                parts[i] = child.enc();
                size += 4 + child.enc().length;
            }
        }
        for (int i = 0; i < n; i++) { // the composites, inline while they fit
            Node child = node.children().get(i);
            if (!scalar[i]) {
                byte[] t = child.children() == null ? null : tree(child); // a Link given as a value: by its ID
                parts[i] = t != null && size + t.length + (n - i) <= PackedForm.MAX_BYTES ? t : BY_ID;
                size += parts[i].length;
            }
        }
        byte flag = node.tag() == MessageFormat.MAP && hasCommitments(node) ? PackedForm.COMMITTED : PackedForm.INLINE;
        byte[] tree = PackedForm.tree(flag, node.enc(), parts, scalar);
        trees.put(node, tree == null ? NO_TREE : tree);
        return tree;
    }

    /** Whether the map {@code node} has commitments: given in this write, or linked in its group by any writer. */
    private boolean hasCommitments(Node node) {
        return (node.commitments() != null && !node.commitments().isEmpty())
                || EntryStore.exists(store, node.written().id() + "/" + Commitments.KEY);
    }

    /** The commitments given for the message with SHA-256 {@code hash}, each checked; throws naming the first bad one. */
    private static Map<String, Object> checkCommitments(Object commitments, byte[] hash, String where) {
        if (!(commitments instanceof Map<?, ?> given)) {
            throw new IllegalArgumentException(where + "/" + Commitments.KEY + " is a " + Commitments.typeName(commitments)
                    + ", expected a map of committed IDs to commitments (see MessageCache.commit)");
        }
        Map<String, Object> checked = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : given.entrySet()) {
            String cid = String.valueOf(e.getKey());
            String problem = Commitments.problem(cid, e.getValue(), hash);
            if (problem != null) {
                throw new IllegalArgumentException("the message at " + where + ": " + problem);
            }
            checked.put(cid, e.getValue());
        }
        return checked;
    }

    private Node link(Link link, String where) {
        if (store == null) {
            throw new IllegalArgumentException("the value at " + where + " is a Link to " + link.path()
                    + ": only a cache can tell what it leads to (MessageCache.write, not MessageCache.id)");
        }
        String resolved = store.resolve(link.path());
        String id = resolved.startsWith("data/") ? resolved.substring("data/".length()) : resolved;
        byte[] hash = ContentIds.decode(id);
        byte[] enc = hash == null ? null : store.read("data/" + id).orElse(null);
        if (enc == null || enc.length == 0) {
            throw new IllegalArgumentException("the value at " + where + " is a Link to " + link.path()
                    + ", which leads to no value in " + store.location());
        }
        return new Node(enc[0], hash, enc, null, null, null, true); // its encoding: a scalar is copied into packed values
    }

    private void enter(Object composite, String where) {
        if (onPath.put(composite, Boolean.TRUE) != null) {
            throw new IllegalArgumentException("the value at " + where + " contains itself: a message cannot hold a cycle");
        }
    }
}
