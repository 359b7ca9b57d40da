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
            for (Map.Entry<String, Object> c : node.commitments().entrySet()) {
                String path = id + "/" + Commitments.KEY + "/" + c.getKey();
                if (store.type(path) == Store.Type.ABSENT) {
                    store.makeLink(value(c.getValue(), where + "/" + path, 0).id(), path);
                }
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
     * Writes the packed form of a composite whose {@code data/<id>} is written: its encoding and its
     * scalars' in one value, for reads of one lookup. Its flag says whether the map has commitments:
     * set by every write of a signed message (after its commitments are linked); a write without
     * commitments that sets it clear looks again afterwards and sets it if a commitment was linked
     * meanwhile, so that, whatever the order of the writers, a commitment whose writer returned is
     * never hidden by a packed form that says there is none.
     */
    private void writePacked(Node node, String id, boolean stored) {
        String path = PackedForm.path(id);
        boolean signed = node.commitments() != null && !node.commitments().isEmpty();
        if (stored && !signed && store.type(path) == Store.Type.SIMPLE) {
            return; // written, and nothing to add
        }
        List<byte[]> items = new ArrayList<>(node.children().size() + 1);
        byte[] packed = packItems(node, items) ? PackedForm.pack(signed ? PackedForm.COMMITTED : 0, items) : null;
        if (packed == null) {
            return; // too large to copy, or a Link given as a value: read from its parts
        }
        store.write(path, packed);
        if (!signed && node.tag() == MessageFormat.MAP && store.type(id + "/" + Commitments.KEY) != Store.Type.ABSENT) {
            packed[0] = PackedForm.COMMITTED;
            store.write(path, packed);
        }
    }

    /**
     * Adds the items of a packed value for the composite {@code node}: its encoding, then per child
     * in order a scalar's encoding or a list's items; nested maps are packed on their own.
     *
     * @return false if an encoding is not at hand (a {@link Link} given as a value)
     */
    private static boolean packItems(Node node, List<byte[]> items) {
        items.add(node.enc());
        for (Node child : node.children()) {
            if (child.tag() == MessageFormat.MAP) {
                continue;
            }
            if (child.enc() == null) {
                return false;
            }
            if (child.tag() != MessageFormat.LIST) {
                items.add(child.enc());
            } else if (!packItems(child, items)) {
                return false;
            }
        }
        return true;
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
        return new Node(enc[0], hash, null, null, null, null, true);
    }

    private void enter(Object composite, String where) {
        if (onPath.put(composite, Boolean.TRUE) != null) {
            throw new IllegalArgumentException("the value at " + where + " contains itself: a message cannot hold a cycle");
        }
    }
}
