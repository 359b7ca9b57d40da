package io.mmap4j.content;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The canonical encoding of values, from which IDs are computed: {@code docs/message-format.md}.
 * One tag byte, then the payload; integers little-endian. A map or list names its children by the
 * SHA-256 of their encodings (and their tags), so a message's ID covers everything beneath it.
 */
final class MessageFormat {
    static final byte BINARY = 'b';
    static final byte STRING = 's';
    static final byte INT = 'i';
    static final byte LONG = 'j';
    static final byte BOOLEAN = 'z';
    static final byte DOUBLE = 'd';
    static final byte MAP = 'm';
    static final byte LIST = 'a';

    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** One child of a map (key) or list (key null), as its parent's encoding names it. */
    record Child(String key, byte tag, byte[] hash) {
        String id() {
            return ContentIds.encode(hash);
        }
    }

    static boolean isComposite(byte tag) {
        return tag == MAP || tag == LIST;
    }

    static boolean isTag(byte tag) {
        return switch (tag) {
            case BINARY, STRING, INT, LONG, BOOLEAN, DOUBLE, MAP, LIST -> true;
            default -> false;
        };
    }

    /** The encoding of a scalar, or null if {@code value} is not of a scalar type. */
    static byte[] encodeScalar(Object value) {
        return switch (value) {
            case byte[] b -> tagged(BINARY, b);
            case String s -> tagged(STRING, utf8(s));
            case Integer i -> buffer(INT, 4).putInt(i).array();
            case Long l -> buffer(LONG, 8).putLong(l).array();
            case Boolean z -> new byte[] {BOOLEAN, (byte) (z ? 1 : 0)};
            case Double d -> buffer(DOUBLE, 8).putLong(Double.doubleToLongBits(d)).array();
            default -> null;
        };
    }

    /** The encoding of a map whose children are given sorted by their keys' UTF-8 bytes, or of a list in order. */
    static byte[] encodeComposite(byte tag, List<Child> children) {
        int size = 5;
        List<byte[]> keys = new ArrayList<>(children.size());
        for (Child c : children) {
            if (tag == MAP) {
                byte[] k = c.key().getBytes(UTF_8);
                keys.add(k);
                size += 4 + k.length;
            }
            size += 1 + ContentIds.HASH_BYTES;
        }
        ByteBuffer b = buffer(tag, size - 1).putInt(children.size());
        for (int i = 0; i < children.size(); i++) {
            Child c = children.get(i);
            if (tag == MAP) {
                b.putInt(keys.get(i).length).put(keys.get(i));
            }
            b.put(c.tag()).put(c.hash());
        }
        return b.array();
    }

    /** Orders map keys as the encoding does: by their UTF-8 bytes, unsigned. */
    static int compareKeys(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(UTF_8), b.getBytes(UTF_8));
    }

    /**
     * The value a scalar encoding holds.
     *
     * @throws IllegalArgumentException naming what is wrong, if {@code enc} is not a valid scalar encoding
     */
    static Object decodeScalar(byte[] enc) {
        return decodeScalar(enc, 0, enc.length);
    }

    /**
     * The value the scalar encoding {@code buf[from, to)} holds.
     *
     * @throws IllegalArgumentException naming what is wrong, if it is not a valid scalar encoding
     */
    static Object decodeScalar(byte[] buf, int from, int to) {
        return decodeScalar(MemorySegment.ofArray(buf), from, to);
    }

    /**
     * The value the scalar encoding {@code buf[from, to)} holds, read from any memory (a mapped
     * value's view): only a binary's and a string's bytes are copied, into the value returned.
     *
     * @throws IllegalArgumentException naming what is wrong, if it is not a valid scalar encoding
     */
    static Object decodeScalar(MemorySegment buf, long from, long to) {
        if (to <= from) {
            throw new IllegalArgumentException("an empty encoding (no tag byte)");
        }
        long length = to - from;
        byte tag = buf.get(ValueLayout.JAVA_BYTE, from);
        return switch (tag) {
            case BINARY -> copy(buf, from + 1, length - 1);
            case STRING -> {
                String s = decodeUtf8(buf, from + 1, to);
                if (s == null) {
                    throw new IllegalArgumentException("the string is not well-formed UTF-8");
                }
                yield s;
            }
            case INT -> {
                length(length, 5, "an int");
                yield buf.get(LE_INT, from + 1);
            }
            case LONG -> {
                length(length, 9, "a long");
                yield buf.get(LE_LONG, from + 1);
            }
            case BOOLEAN -> {
                length(length, 2, "a boolean");
                byte z = buf.get(ValueLayout.JAVA_BYTE, from + 1);
                if (z != 0 && z != 1) {
                    throw new IllegalArgumentException("a boolean's byte is " + z + ", expected 0 or 1");
                }
                yield z == 1;
            }
            case DOUBLE -> {
                length(length, 9, "a double");
                long bits = buf.get(LE_LONG, from + 1);
                double d = Double.longBitsToDouble(bits);
                if (Double.doubleToLongBits(d) != bits) {
                    throw new IllegalArgumentException("a double NaN is 0x" + Long.toHexString(bits)
                            + ", expected the canonical 0x7ff8000000000000");
                }
                yield d;
            }
            default -> throw new IllegalArgumentException("tag " + describe(tag) + " is not a scalar's");
        };
    }

    /**
     * The children a map or list encoding names.
     *
     * @throws IllegalArgumentException naming what is wrong, if {@code enc} is not a valid composite encoding
     */
    static List<Child> decodeComposite(byte[] enc) {
        return decodeComposite(enc, 0, enc.length);
    }

    /**
     * The children the map or list encoding {@code buf[from, to)} names.
     *
     * @throws IllegalArgumentException naming what is wrong (byte offsets from {@code from}), if it
     *                                  is not a valid composite encoding
     */
    static List<Child> decodeComposite(byte[] buf, int from, int to) {
        int length = to - from;
        if (length < 5 || !isComposite(buf[from])) {
            throw new IllegalArgumentException(length <= 0 ? "an empty encoding (no tag byte)"
                    : !isComposite(buf[from]) ? "tag " + describe(buf[from]) + " is not a map's or a list's"
                    : "a " + length + "-byte encoding, shorter than a tag and a count");
        }
        boolean map = buf[from] == MAP;
        ByteBuffer b = ByteBuffer.wrap(buf, from, length).slice().order(ByteOrder.LITTLE_ENDIAN).position(1);
        long count = Integer.toUnsignedLong(b.getInt());
        long minimum = count * (1 + ContentIds.HASH_BYTES + (map ? 4 : 0));
        if (minimum > b.remaining()) {
            throw new IllegalArgumentException("the count is " + count + " children, more than the "
                    + b.remaining() + " bytes after it hold");
        }
        List<Child> children = new ArrayList<>((int) count);
        String previous = null;
        int previousAt = 0;
        int previousLength = 0;
        for (int i = 0; i < count; i++) {
            String key = null;
            if (map) {
                int at = b.position();
                long keyLength = Integer.toUnsignedLong(b.getInt());
                if (keyLength > b.remaining() - 1 - ContentIds.HASH_BYTES) {
                    throw new IllegalArgumentException("key " + i + " at byte " + at + " has length " + keyLength
                            + ", more than the rest of the encoding holds");
                }
                int keyAt = from + b.position();
                b.position(b.position() + (int) keyLength);
                key = decodeUtf8Strict(buf, keyAt, keyAt + (int) keyLength, "key " + i + " at byte " + at);
                StorePaths.checkSegment(key, key);
                if (previous != null && Arrays.compareUnsigned(buf, previousAt, previousAt + previousLength,
                        buf, keyAt, keyAt + (int) keyLength) >= 0) {
                    throw new IllegalArgumentException("key \"" + key + "\" at byte " + at + " is not after \""
                            + previous + "\": keys must be sorted by their UTF-8 bytes, each once");
                }
                previous = key;
                previousAt = keyAt;
                previousLength = (int) keyLength;
            } else if (b.remaining() < 1 + ContentIds.HASH_BYTES) {
                throw new IllegalArgumentException("element " + i + " is cut short");
            }
            byte tag = b.get();
            if (!isTag(tag)) {
                throw new IllegalArgumentException((map ? "key \"" + key + "\"" : "element " + i) + " has tag " + describe(tag));
            }
            byte[] hash = new byte[ContentIds.HASH_BYTES];
            b.get(hash);
            children.add(new Child(key, tag, hash));
        }
        if (b.hasRemaining()) {
            throw new IllegalArgumentException(b.remaining() + " bytes after the last child, expected none");
        }
        return children;
    }

    /** The UTF-8 bytes of {@code s}, which must be well-formed (no lone surrogate), so that it round-trips exactly. */
    static byte[] utf8(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isSurrogate(s.charAt(i))) {
                return strictUtf8(s); // pairs are fine, a lone one has no UTF-8 form
            }
        }
        return s.getBytes(UTF_8);
    }

    private static byte[] strictUtf8(String s) {
        try {
            ByteBuffer b = UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(s));
            return Arrays.copyOfRange(b.array(), b.position(), b.limit());
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("a string holds a lone surrogate and has no exact UTF-8 form: \""
                    + StorePaths.abbreviate(s) + "\"");
        }
    }

    static String describe(byte tag) {
        return tag >= 0x20 && tag < 0x7f ? "'" + (char) tag + "' (0x" + Integer.toHexString(tag) + ")"
                : "0x" + Integer.toHexString(tag & 0xff);
    }

    /** The string whose UTF-8 is {@code bytes[from, to)}, which must be well-formed; else throws naming {@code what}. */
    private static String decodeUtf8Strict(byte[] bytes, int from, int to, String what) {
        String s = decodeUtf8(bytes, from, to);
        if (s == null) {
            throw new IllegalArgumentException(what + " is not well-formed UTF-8");
        }
        return s;
    }

    /** The string whose UTF-8 is {@code bytes[from, to)}, or null if it is not well-formed: ASCII at once, else through a strict decoder. */
    static String decodeUtf8(byte[] bytes, int from, int to) {
        return decodeUtf8(MemorySegment.ofArray(bytes), from, to);
    }

    /** The {@code length} bytes at {@code from} of any memory, in a new array: copied with no slice made (a mapped one costs objects). */
    static byte[] copy(MemorySegment bytes, long from, long length) {
        byte[] out = new byte[Math.toIntExact(length)];
        MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, from, out, 0, out.length);
        return out;
    }

    /** The string whose UTF-8 is {@code bytes[from, to)} of any memory, or null if it is not well-formed. */
    static String decodeUtf8(MemorySegment bytes, long from, long to) {
        byte[] utf8 = copy(bytes, from, to - from);
        // The JDK's decoder (vectorised for ASCII) replaces what is malformed with U+FFFD: a string
        // without one is the exact decoding; one with it (malformed, or a U+FFFD in the input) is
        // decoded again strictly, to tell those apart.
        String lenient = new String(utf8, UTF_8);
        if (lenient.indexOf('\uFFFD') < 0) {
            return lenient;
        }
        try {
            return UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(utf8)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static void length(long length, int expected, String what) {
        if (length != expected) {
            throw new IllegalArgumentException(what + "'s encoding is " + length + " bytes, expected " + expected);
        }
    }

    private static byte[] tagged(byte tag, byte[] payload) {
        byte[] enc = new byte[payload.length + 1];
        enc[0] = tag;
        System.arraycopy(payload, 0, enc, 1, payload.length);
        return enc;
    }

    private static ByteBuffer buffer(byte tag, int payload) {
        return ByteBuffer.allocate(1 + payload).order(ByteOrder.LITTLE_ENDIAN).put(tag);
    }

    private MessageFormat() {}
}
