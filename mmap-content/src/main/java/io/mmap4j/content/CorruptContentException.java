package io.mmap4j.content;

import java.io.Serial;

/**
 * A read met stored content that is not what the format says: an encoding that does not parse, a
 * value named by a message but missing, a commitment whose signature does not verify. The message
 * names the store's location, the path and what is wrong there. Nothing is changed in the store,
 * and other messages stay readable; {@link MessageCache#verify} lists every such problem at once.
 *
 * <p>Unchecked, because it is found by reads that cannot fail on sound content.
 */
public final class CorruptContentException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String location;
    private final String path;
    private final String problem;

    /**
     * Reports damage at one path.
     *
     * @param location the store's location ({@link Store#location()})
     * @param path     the path in the store of the damaged entry
     * @param problem  what is wrong there
     */
    public CorruptContentException(String location, String path, String problem) {
        super(location + ": " + path + ": " + problem);
        this.location = location;
        this.path = path;
        this.problem = problem;
    }

    /**
     * What is wrong at {@link #path()}.
     *
     * @return the problem, without the location and the path
     */
    public String problem() {
        return problem;
    }

    /**
     * The store's location.
     *
     * @return a directory, a file, or {@code memory}
     */
    public String location() {
        return location;
    }

    /**
     * The path in the store of the damaged entry.
     *
     * @return the path
     */
    public String path() {
        return path;
    }
}
