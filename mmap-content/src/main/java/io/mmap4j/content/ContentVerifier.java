package io.mmap4j.content;

import io.mmap4j.content.MessageCache.Problem;
import io.mmap4j.content.MessageCache.Stat;
import io.mmap4j.content.MessageFormat.Child;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link MessageCache#stat()} and {@link MessageCache#verify()}: one read of every {@code data/}
 * entry, and of the groups and links of every message written whole. Read-only. What a live writer
 * in another process may leave for a moment (a group whose {@code data/<id>} is not written yet,
 * index entries of such a message) is never a problem: the write order makes {@code data/<id>} the
 * last step, so only what it promises is checked.
 */
final class ContentVerifier {
    static final int MAX_PROBLEMS = 1000;

    private final MessageCache cache;
    private final Store store;
    private final List<Problem> problems = new ArrayList<>();
    private long omitted;

    ContentVerifier(MessageCache cache) {
        this.cache = cache;
        this.store = cache.store();
    }

    Stat stat() {
        long messages = 0, lists = 0, scalars = 0, scalarBytes = 0, stored = 0;
        for (String id : store.list("data")) {
            Optional<byte[]> enc = store.read("data/" + id);
            if (enc.isEmpty() || enc.get().length == 0) {
                continue;
            }
            byte tag = enc.get()[0];
            stored += enc.get().length;
            if (tag == MessageFormat.MAP) {
                messages++;
            } else if (tag == MessageFormat.LIST) {
                lists++;
            } else {
                scalars++;
                scalarBytes += enc.get().length;
            }
        }
        long packed = 0;
        for (String id : store.list(PackedForm.ROOT)) {
            if (ContentIds.isId(id)) { // not the stamp
                packed += store.read(PackedForm.path(id)).map(p -> p.length).orElse(0);
            }
        }
        return new Stat(store.location(), messages, lists, scalars, scalarBytes, stored, packed);
    }

    List<Problem> verify() {
        reportingDamage(() -> PackedForm.stamp(store));
        for (String id : store.list("data")) {
            reportingDamage(() -> checkData(id));
        }
        for (String name : store.list("")) {
            if (ContentIds.isId(name)) {
                reportingDamage(() -> checkCommittedId(name));
            }
        }
        List<Problem> all = new ArrayList<>(problems);
        if (omitted > 0) {
            all.add(new Problem(store.location(), "", omitted + " more problems (only the first " + MAX_PROBLEMS + " are listed)"));
        }
        return all;
    }

    private void checkData(String id) {
        String path = "data/" + id;
        if (!ContentIds.isId(id)) {
            report(path, "the name is not an ID (43 characters of base64url)");
            return;
        }
        Store.Type type = store.type(path);
        if (type == Store.Type.ABSENT) {
            return; // listed by a writer that has not written it yet, or was killed before it could
        }
        if (type != Store.Type.SIMPLE) {
            report(path, "is " + type + ", expected a value (an encoding)");
            return;
        }
        byte[] enc = store.read(path).orElse(null);
        if (enc == null) {
            return; // reset by another process meanwhile
        }
        String actual = ContentIds.id(enc);
        if (!actual.equals(id)) {
            report(path, "the SHA-256 of its " + enc.length + " bytes is " + actual + ", not its name");
            return;
        }
        if (enc.length == 0 || !MessageFormat.isTag(enc[0])) {
            report(path, "tag " + (enc.length == 0 ? "missing" : MessageFormat.describe(enc[0])) + " is no type's");
            return;
        }
        if (!MessageFormat.isComposite(enc[0])) {
            try {
                MessageFormat.decodeScalar(enc);
            } catch (IllegalArgumentException e) {
                report(path, e.getMessage());
            }
            return;
        }
        List<Child> children;
        try {
            children = MessageFormat.decodeComposite(enc);
        } catch (IllegalArgumentException e) {
            report(path, e.getMessage());
            return;
        }
        checkGroup(id, enc[0], children);
        checkPacked(id, enc);
    }

    /**
     * The packed value of a composite, if it has one: its version, then a tree whose encoding is the
     * one in {@code data/<id>}, each inline item and tree hashing to the ID its parent names, and
     * nothing after it. Its flags are not checked: a writer links a commitment before it changes the
     * stamp, so a live writer may leave a flag behind for a moment.
     */
    private void checkPacked(String id, byte[] enc) {
        String path = PackedForm.path(id);
        byte[] packed = store.read(path).orElse(null);
        if (packed == null) {
            return; // none (too large), or not written yet
        }
        if (packed.length < PackedForm.HEADER || packed[0] != PackedForm.VERSION) {
            report(path, packed.length == 0 ? "empty" : "version byte " + packed[0] + ", expected " + PackedForm.VERSION
                    + (packed[0] == 0 || packed[0] == 1 ? " (a packed value of layout version 2)" : ""));
            return;
        }
        int[] at = {PackedForm.HEADER};
        String problem = checkTree(packed, at, enc, null);
        if (problem == null && at[0] != packed.length) {
            problem = (packed.length - at[0]) + " bytes after the tree, expected none";
        }
        if (problem != null) {
            report(path, problem);
        }
    }

    /**
     * Checks the tree at byte {@code at[0]} of {@code b}, moving past it: its flag and size, its
     * encoding ({@code enc} itself, or hashing to {@code hash}), then per child in order a scalar's
     * item hashing to the ID its encoding names, or a composite's tree (by these rules) or
     * {@link PackedForm#BY_ID}. The problem, or null.
     */
    private static String checkTree(byte[] b, int[] at, byte[] enc, byte[] hash) {
        int start = at[0];
        if (b.length - start < PackedForm.TREE_HEADER + 4) {
            return "the tree at byte " + start + " is cut short";
        }
        byte flag = b[start];
        long size = PackedForm.u32(b, start + 1);
        long encLength = PackedForm.u32(b, start + PackedForm.TREE_HEADER);
        if (size > b.length - start - PackedForm.TREE_HEADER || encLength > size - 4) {
            return "the tree at byte " + start + " has size " + size + " and an encoding of " + encLength
                    + " bytes, more than the bytes after it";
        }
        int end = start + PackedForm.TREE_HEADER + (int) size;
        int from = start + PackedForm.TREE_HEADER + 4;
        int to = from + (int) encLength;
        if (enc != null ? !Arrays.equals(b, from, to, enc, 0, enc.length)
                : !Arrays.equals(ContentIds.sha256(Arrays.copyOfRange(b, from, to)), hash)) {
            return "the encoding at byte " + from + " is not " + (enc != null ? "the one in data/" : "the value its parent names: ")
                    + (enc != null ? ContentIds.id(enc) : ContentIds.encode(hash));
        }
        if (flag != PackedForm.INLINE && (flag != PackedForm.COMMITTED || b[from] != MessageFormat.MAP)) {
            return "the tree at byte " + start + " has flag " + flag + ", expected 0" + (b[from] == MessageFormat.MAP ? " or 1" : "");
        }
        List<Child> children;
        try {
            children = MessageFormat.decodeComposite(b, from, to);
        } catch (IllegalArgumentException e) {
            return "the encoding at byte " + from + ": " + e.getMessage();
        }
        at[0] = to;
        for (Child c : children) {
            if (at[0] >= end) {
                return "the tree at byte " + start + " ends before the value " + c.id() + " that its encoding names";
            }
            if (MessageFormat.isComposite(c.tag())) {
                if (b[at[0]] == PackedForm.BY_ID) {
                    at[0]++;
                    continue;
                }
                String problem = checkTree(b, at, null, c.hash());
                if (problem != null) {
                    return problem;
                }
                continue;
            }
            long length = end - at[0] < 4 ? -1 : PackedForm.u32(b, at[0]);
            if (length < 0 || length > end - at[0] - 4) {
                return "the item at byte " + at[0] + " runs past its tree's end";
            }
            int item = at[0] + 4;
            at[0] = item + (int) length;
            byte[] itemHash = ContentIds.sha256(Arrays.copyOfRange(b, item, at[0]));
            if (!Arrays.equals(itemHash, c.hash())) {
                return "the item at byte " + item + " hashes to " + ContentIds.encode(itemHash) + ", but its parent names "
                        + c.id() + " there";
            }
        }
        return at[0] == end ? null : "the tree at byte " + start + " has size " + size + ", but its items end at byte " + at[0];
    }

    /** The group of a composite written whole: a link per child, to the child's place, which exists. */
    private void checkGroup(String id, byte tag, List<Child> children) {
        if (store.type(id) != Store.Type.COMPOSITE) {
            report(id, "data/" + id + " is written, but its group is " + store.type(id));
            return;
        }
        for (int i = 0; i < children.size(); i++) {
            Child c = children.get(i);
            String name = tag == MessageFormat.MAP ? c.key() : Integer.toString(i);
            String expected = MessageFormat.isComposite(c.tag()) ? c.id() : "data/" + c.id();
            String resolved = store.resolve(id + "/" + name);
            if (!resolved.equals(expected)) {
                report(id + "/" + name, "leads to " + resolved + ", but the encoding names " + expected);
            } else if (store.read("data/" + c.id()).map(e -> e.length == 0 || e[0] != c.tag()).orElse(true)) {
                report(id + "/" + name, "leads to data/" + c.id() + ", which is missing or not of the tag "
                        + MessageFormat.describe(c.tag()) + " that data/" + id + " names");
            }
        }
        if (tag == MessageFormat.MAP) {
            try {
                Map<String, Object> commitments = cache.storedCommitments(id);
                byte[] hash = ContentIds.decode(id);
                for (Map.Entry<String, Object> e : commitments.entrySet()) {
                    String problem = Commitments.problem(e.getKey(), e.getValue(), hash);
                    if (problem != null) {
                        report(id + "/" + Commitments.KEY, problem);
                    }
                }
            } catch (CorruptContentException | java.util.NoSuchElementException e) {
                report(id + "/" + Commitments.KEY, e.getMessage());
            }
        }
    }

    /** A top-level name that is a link: a committed ID, which must lead to a message naming it among its commitments. */
    private void checkCommittedId(String name) {
        String target = store.resolve(name);
        if (target.equals(name)) {
            return; // a message's own group, checked with its data
        }
        if (!ContentIds.isId(target) || store.type("data/" + target) != Store.Type.SIMPLE) {
            report(name, "leads to " + target + ", which is no message written whole");
            return;
        }
        try {
            if (!cache.storedCommitments(target).containsKey(name)) {
                report(name, "leads to message " + target + ", whose commitments do not name it");
            }
        } catch (CorruptContentException | java.util.NoSuchElementException e) {
            report(name, e.getMessage());
        }
    }

    /** Runs one check; an entry the store itself cannot read (an unknown tag) is a problem of that entry, and the check goes on. */
    private void reportingDamage(Runnable check) {
        try {
            check.run();
        } catch (CorruptContentException e) {
            report(e.path(), e.problem());
        }
    }

    private void report(String path, String problem) {
        if (problems.size() < MAX_PROBLEMS) {
            problems.add(new Problem(store.location(), path, problem));
        } else {
            omitted++;
        }
    }
}
