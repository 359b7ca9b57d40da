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
            packed += store.read(PackedForm.path(id)).map(p -> p.length).orElse(0);
        }
        return new Stat(store.location(), messages, lists, scalars, scalarBytes, stored, packed);
    }

    List<Problem> verify() {
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
     * The packed value of a composite, if it has one: its first item the encoding in
     * {@code data/<id>}, then the items of its scalars and lists, each hashing to the ID its parent
     * names, and nothing after them.
     */
    private void checkPacked(String id, byte[] enc) {
        String path = PackedForm.path(id);
        byte[] packed = store.read(path).orElse(null);
        if (packed == null) {
            return; // none (too large), or not written yet
        }
        PackedForm.Items items;
        try {
            items = PackedForm.items(packed);
        } catch (IllegalArgumentException e) {
            report(path, e.getMessage());
            return;
        }
        if (!Arrays.equals(packed, items.from()[0], items.to()[0], enc, 0, enc.length)) {
            report(path, "its first item is not the encoding in data/" + id);
            return;
        }
        int[] next = {0};
        String problem = checkItems(items, next);
        if (problem == null && next[0] != items.count()) {
            problem = "holds " + (items.count() - next[0]) + " items after those its encodings name";
        }
        if (problem != null) {
            report(path, problem);
        }
    }

    /** Checks the composite at item {@code next[0]} and the items that follow for it, moving past them; the problem, or null. */
    private static String checkItems(PackedForm.Items items, int[] next) {
        int at = next[0]++;
        List<Child> children;
        try {
            children = MessageFormat.decodeComposite(items.bytes(), items.from()[at], items.to()[at]);
        } catch (IllegalArgumentException e) {
            return "item " + at + ": " + e.getMessage();
        }
        for (Child c : children) {
            if (c.tag() == MessageFormat.MAP) {
                continue;
            }
            if (next[0] == items.count()) {
                return "its items end before the value " + c.id() + " that item " + at + " names";
            }
            byte[] hash = ContentIds.sha256(Arrays.copyOfRange(items.bytes(), items.from()[next[0]], items.to()[next[0]]));
            if (!Arrays.equals(hash, c.hash())) {
                return "item " + next[0] + " hashes to " + ContentIds.encode(hash) + ", but item " + at + " names " + c.id() + " there";
            }
            if (c.tag() == MessageFormat.LIST) {
                String problem = checkItems(items, next);
                if (problem != null) {
                    return problem;
                }
            } else {
                next[0]++;
            }
        }
        return null;
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
