package io.mmap4j.counters;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;

/** Counter names: strict UTF-8 both ways, and the hash that places them in the index. */
final class Names {
    private static final int FNV_OFFSET_BASIS = 0x811C9DC5;
    private static final int FNV_PRIME = 0x01000193;
    /** Longer names are shortened in messages, so that a huge bad name does not flood a log. */
    private static final int SHOWN_CHARS = 64;

    private Names() {
    }

    /**
     * The UTF-8 bytes of a name, which must be 1 to {@code maxBytes} bytes of well-formed Unicode.
     * The JDK's own {@code getBytes} would replace an unpaired surrogate with '?', silently naming
     * a different counter; so surrogates are checked first, and {@code getBytes} (a copy for
     * ASCII names, with no encoder and no intermediate buffers) only encodes what has a UTF-8 form.
     */
    static byte[] encode(String name, int maxBytes, Path file) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a counter name must not be empty");
        }
        if (!isWellFormed(name)) {
            throw new IllegalArgumentException("counter name " + show(name)
                    + " is not well-formed Unicode (it holds an unpaired surrogate), so it has no UTF-8 form");
        }
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > maxBytes) {
            throw new IllegalArgumentException("counter name " + show(name) + " is " + bytes.length
                    + " UTF-8 bytes long, more than the limit of " + maxBytes + " bytes of " + file
                    + " (set by CountersLayout.maxNameBytes when the file was created)");
        }
        return bytes;
    }

    /** Whether every surrogate is a high one followed by a low one: the strings that have a UTF-8 form. */
    private static boolean isWellFormed(String name) {
        for (int i = 0, n = name.length(); i < n; i++) {
            char c = name.charAt(i);
            if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 == n || !Character.isLowSurrogate(name.charAt(i + 1))) {
                    return false;
                }
                i++;
            }
        }
        return true;
    }

    /** The name whose UTF-8 bytes these are, or null if they are not well-formed UTF-8. */
    static String decode(byte[] utf8) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * The name hash of the file format: 32-bit FNV-1a over the UTF-8 bytes, then MurmurHash3's
     * 32-bit finaliser, which spreads FNV's weak low bits (the index uses the low bits).
     */
    static int hash(byte[] utf8) {
        int h = FNV_OFFSET_BASIS;
        for (byte b : utf8) {
            h ^= b & 0xFF;
            h *= FNV_PRIME;
        }
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        return h;
    }

    /** The name quoted for a message, cut after {@value #SHOWN_CHARS} characters with the cut marked. */
    static String show(String name) {
        return name.length() <= SHOWN_CHARS
                ? '"' + name + '"'
                : '"' + name.substring(0, SHOWN_CHARS) + "\"... (" + name.length() + " chars)";
    }
}
