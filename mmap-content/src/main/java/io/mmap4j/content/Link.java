package io.mmap4j.content;

import java.util.Objects;

/**
 * A nested message or list not loaded yet: what {@link MessageCache#read} returns in place of a
 * map's or list's composite values (HyperBEAM's lazy {@code {link, ID, #{lazy => true}}}).
 * {@link MessageCache#ensureLoaded} loads one level, {@link MessageCache#ensureAllLoaded} all of
 * them. A link may be written as a value of a new message: it stands for the value it leads to,
 * with the same ID, without loading it.
 *
 * @param path the value's ID, or a path in the store that leads to it
 */
public record Link(String path) {
    /**
     * Checks the path.
     *
     * @param path the value's ID, or a path in the store that leads to it
     */
    public Link {
        path = StorePaths.normalize(Objects.requireNonNull(path, "path"));
        if (path.isEmpty()) {
            throw new IllegalArgumentException("a link needs a path: the root is not a value");
        }
    }
}
