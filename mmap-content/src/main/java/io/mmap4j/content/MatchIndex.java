package io.mmap4j.content;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where {@link Store#index} records a group and {@link Store#match} finds it:
 * {@code index/<id(key)>/<id(value)>/<id(group path)>}, a link to the group.
 */
final class MatchIndex {
    static final String ROOT = "index";

    /** The group of the entries for one key at one value, the value given by its ID. */
    static String path(String key, String valueId) {
        return ROOT + "/" + ContentIds.id(key.getBytes(UTF_8)) + "/" + valueId;
    }

    /** Records {@code group} (a normal, non-root path) under {@code key} at the value whose ID is {@code valueId}. */
    static void record(Store store, String group, String key, String valueId) {
        store.makeLink(group, path(key, valueId) + "/" + ContentIds.id(group.getBytes(UTF_8)));
    }

    /**
     * The groups recorded with every key of {@code template} at the value of the ID given: a list of
     * the index entry of each pair (the shortest first), their intersection, and a resolution of each
     * name left. Never a scan of the store.
     */
    static List<String> find(Store store, Map<String, String> template) {
        List<List<String>> candidates = new ArrayList<>();
        for (Map.Entry<String, String> e : template.entrySet()) {
            candidates.add(store.list(path(e.getKey(), e.getValue())));
        }
        candidates.sort(Comparator.comparingInt(List::size));
        Set<String> found = new HashSet<>(candidates.getFirst());
        for (List<String> more : candidates.subList(1, candidates.size())) {
            if (found.isEmpty()) {
                break;
            }
            found.retainAll(new HashSet<>(more));
        }
        Map.Entry<String, String> any = template.entrySet().iterator().next();
        String anyIndex = path(any.getKey(), any.getValue());
        List<String> groups = new ArrayList<>(found.size());
        for (String name : found) {
            groups.add(store.resolve(anyIndex + "/" + name));
        }
        return groups;
    }

    private MatchIndex() {}
}
