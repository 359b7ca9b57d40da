package io.mmap4j.content;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Store paths: {@code /}-separated segments, normalised so that every backend sees one spelling.
 * Empty segments are dropped ({@code "/a//b/"} is {@code "a/b"}); the empty path is the root.
 * A segment is 1 to {@value #MAX_SEGMENT_BYTES} bytes of UTF-8, is not {@code .} or {@code ..}, holds
 * no NUL and does not start with {@value #RESERVED_PREFIX} (the file-system backend's temporary
 * names). A path is at most {@value #MAX_PATH_BYTES} bytes.
 */
final class StorePaths {
    static final int MAX_SEGMENT_BYTES = 255;
    static final int MAX_PATH_BYTES = 4096;
    static final String RESERVED_PREFIX = ".mmap4j-";

    /** The normal form of {@code path}; throws naming the bad segment if it is not a valid path. */
    static String normalize(String path) {
        Objects.requireNonNull(path, "path");
        if (isNormal(path)) {
            return path; // the common case, a path this class made: no copy
        }
        return join(split(path));
    }

    /** The segments of {@code path}, checked. */
    static List<String> split(String path) {
        Objects.requireNonNull(path, "path");
        List<String> segments = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= path.length(); i++) {
            if (i == path.length() || path.charAt(i) == '/') {
                if (i > start) {
                    segments.add(checkSegment(path.substring(start, i), path));
                }
                start = i + 1;
            }
        }
        checkLength(path, segments);
        return segments;
    }

    /** The path of {@code segments}, each checked and holding no {@code /}. */
    static String join(List<String> segments) {
        Objects.requireNonNull(segments, "segments");
        StringBuilder b = new StringBuilder();
        for (String s : segments) {
            Objects.requireNonNull(s, "a path segment");
            if (s.indexOf('/') >= 0) {
                throw new IllegalArgumentException("path segment \"" + s + "\" contains '/'; give it as separate segments");
            }
            if (s.isEmpty()) {
                continue;
            }
            checkSegment(s, String.join("/", segments));
            if (!b.isEmpty()) {
                b.append('/');
            }
            b.append(s);
        }
        String path = b.toString();
        checkLength(path, segments);
        return path;
    }

    /** {@code parent/name}, both already normal; the root's child is just {@code name}. */
    static String child(String parent, String name) {
        return parent.isEmpty() ? name : parent + "/" + name;
    }

    /** The parent of a normal, non-root path ("" for a top-level name). */
    static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    /** The last segment of a normal, non-root path. */
    static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** Checks one segment; {@code path} is named in the message. */
    static String checkSegment(String segment, String path) {
        if (segment.isEmpty()) {
            throw new IllegalArgumentException("path \"" + path + "\": a segment is empty");
        }
        if (segment.equals(".") || segment.equals("..")) {
            throw new IllegalArgumentException("path \"" + path + "\": segment \"" + segment + "\" is not allowed");
        }
        if (segment.indexOf('/') >= 0) {
            throw new IllegalArgumentException("\"" + abbreviate(path) + "\": a name cannot contain '/'");
        }
        if (segment.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("path \"" + path + "\": a segment contains NUL");
        }
        if (segment.startsWith(RESERVED_PREFIX)) {
            throw new IllegalArgumentException("path \"" + path + "\": segment \"" + segment
                    + "\" starts with " + RESERVED_PREFIX + ", reserved for the stores' temporary names");
        }
        int bytes = utf8Length(segment);
        if (bytes > MAX_SEGMENT_BYTES) {
            throw new IllegalArgumentException("path \"" + abbreviate(path) + "\": a segment is " + bytes
                    + " bytes of UTF-8, over the limit of " + MAX_SEGMENT_BYTES);
        }
        return segment;
    }

    private static void checkLength(String path, List<String> segments) {
        if (path.length() > MAX_PATH_BYTES / 3 && utf8Length(String.join("/", segments)) > MAX_PATH_BYTES) {
            throw new IllegalArgumentException("path \"" + abbreviate(path) + "\" is over the limit of "
                    + MAX_PATH_BYTES + " bytes of UTF-8");
        }
    }

    /** Whether {@code path} is already normal and valid, checked without allocating. */
    private static boolean isNormal(String path) {
        int n = path.length();
        if (n == 0) {
            return true;
        }
        if (n > MAX_PATH_BYTES / 3 || path.charAt(0) == '/' || path.charAt(n - 1) == '/') {
            return false;
        }
        int start = 0;
        for (int i = 0; i <= n; i++) {
            char c = i < n ? path.charAt(i) : '/';
            if (c == '/') {
                int len = i - start;
                if (len == 0 || len > MAX_SEGMENT_BYTES / 3 || path.charAt(start) == '.') {
                    return false; // empty, perhaps too long, or perhaps ".", ".." or reserved: the slow path decides
                }
                start = i + 1;
            } else if (c == '\0' || Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    static int utf8Length(String s) {
        int n = s.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                return s.getBytes(UTF_8).length;
            }
        }
        return bytes;
    }

    static String abbreviate(String path) {
        return path.length() <= 80 ? path : path.substring(0, 77) + "...";
    }

    private StorePaths() {}
}
