package io.mmap4j.content;

import io.mmap4j.content.MessageFormat.Child;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Encodes a value and, given a store, writes it: every scalar at {@code data/<id>}; every map or
 * list as a group {@code <id>} of links to its children, then its encoding at {@code data/<id>}.
 * Children are written before their parent and a composite's encoding last, after its group, its
 * index entries and its commitments: once {@code data/<id>} exists, everything beneath it does, so a
 * writer killed at any moment leaves every message it finished whole ({@code docs/message-format.md},
 * "Writing"). Without a store it only computes IDs. One instance per top-level write.
 */
final class MessageWriter {
    /** Deeper than this is refused, before the stack runs out. */
    static final int MAX_DEPTH = 1000;

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

    private final Store store;
    private final MessageCache cache;
    private final IdentityHashMap<Object, Boolean> onPath = new IdentityHashMap<>();

    /** Writes into {@code cache}'s store, or only computes IDs if {@code cache} is null. */
    MessageWriter(MessageCache cache) {
        this.cache = cache;
        this.store = cache == null ? null : cache.store();
    }

    Written value(Object value, String where, int depth) {
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

    private Written scalar(Object value, String where) {
        byte[] enc = MessageFormat.encodeScalar(value);
        if (enc == null) {
            throw new IllegalArgumentException("the value at " + where + " is a " + value.getClass().getName()
                    + ", which a message cannot hold (byte[], String, Integer, Long, Boolean, Double, Map, List or Link)");
        }
        byte[] hash = ContentIds.sha256(enc);
        if (store != null) {
            String path = "data/" + ContentIds.encode(hash);
            if (store.type(path) != Store.Type.SIMPLE) { // each binary once
                store.write(path, enc);
            }
        }
        return new Written(enc[0], hash);
    }

    private Written map(Map<?, ?> map, String where, int depth) {
        enter(map, where);
        Object commitments = null;
        List<Child> children = new ArrayList<>(map.size());
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
            Written w = value(e.getValue(), where + "/" + key, depth + 1);
            children.add(new Child(key, w.tag(), w.hash()));
        }
        children.sort(Comparator.comparing(Child::key, MessageFormat::compareKeys));
        Written written = composite(MessageFormat.MAP, children, commitments, where, depth);
        onPath.remove(map);
        return written;
    }

    private Written list(List<?> list, String where, int depth) {
        enter(list, where);
        List<Child> children = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            Written w = value(list.get(i), where + "/" + i, depth + 1);
            children.add(new Child(Integer.toString(i), w.tag(), w.hash()));
        }
        Written written = composite(MessageFormat.LIST, children, null, where, depth);
        onPath.remove(list);
        return written;
    }

    private Written composite(byte tag, List<Child> children, Object commitments, String where, int depth) {
        byte[] enc = MessageFormat.encodeComposite(tag, children); // a list's keys (its indexes) are not encoded
        byte[] hash = ContentIds.sha256(enc);
        Written written = new Written(tag, hash);
        String id = written.id();
        Map<String, Object> signed = commitments == null ? null : checkCommitments(commitments, hash, where);
        if (store == null) {
            return written;
        }
        boolean stored = store.type("data/" + id) == Store.Type.SIMPLE;
        if (!stored) {
            store.makeGroup(id);
            for (Child c : children) {
                String path = MessageFormat.isComposite(c.tag()) ? c.id() : "data/" + c.id();
                store.makeLink(path, id + "/" + c.key());
            }
            if (tag == MessageFormat.MAP) {
                for (Child c : children) {
                    MatchIndex.record(store, id, c.key(), c.id());
                }
            }
        }
        if (signed != null) {
            Map<String, Object> all = new LinkedHashMap<>(cache.storedCommitments(id));
            all.putAll(signed);
            Written w = value(all, where + "/" + Commitments.KEY, depth + 1);
            store.makeLink(w.id(), id + "/" + Commitments.KEY);
        }
        if (!stored) {
            store.write("data/" + id, enc); // the commit: from here on the message reads whole
        }
        if (signed != null) {
            for (String committedId : signed.keySet()) {
                store.makeLink(id, committedId);
            }
        }
        return written;
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

    private Written link(Link link, String where) {
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
        return new Written(enc[0], hash);
    }

    private void enter(Object composite, String where) {
        if (onPath.put(composite, Boolean.TRUE) != null) {
            throw new IllegalArgumentException("the value at " + where + " contains itself: a message cannot hold a cycle");
        }
    }
}
