package io.mmap4j.content;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A map or list kept whole in one value, at {@code packed/<id>}, so that reading it is one lookup:
 * a flags byte, then items, each a {@code u32} length and the bytes: its encoding, then, for each
 * child in order, a scalar's encoding or a nested list's items, by the same rules
 * ({@code docs/message-format.md}, "Packed values"). Nested maps are not in it (each has a packed
 * value of its own, and may gain commitments later, which a copy would miss). A copy made for reads,
 * written after the value's {@code data/<id>}; the values stay where they are, each once at
 * {@code data/<id>}, and a value without a packed form (too large, or its writer killed first)
 * reads from those.
 */
final class PackedForm {
    static final String ROOT = "packed";
    /** Flag: the map had commitments when this was written, in its group {@code <id>/commitments}. */
    static final byte COMMITTED = 1;
    /** A value whose packed form would be larger than this has none: it is read from its parts. */
    static final int MAX_BYTES = 16 * 1024;

    /**
     * The items of a packed value: {@code from[i]} to {@code to[i]} in {@code bytes}, item 0 the
     * encoding; or, not {@code packed}, an encoding alone as one item, whose children are elsewhere.
     */
    record Items(byte flags, byte[] bytes, int[] from, int[] to, boolean packed) {
        /** An encoding alone, as read from {@code data/<id>}: a map's commitments are looked for. */
        static Items of(byte[] enc) {
            return new Items(COMMITTED, enc, new int[] {0}, new int[] {enc.length}, false);
        }

        int count() {
            return from.length;
        }
    }

    static String path(String id) {
        return ROOT + "/" + id;
    }

    /**
     * The packed value of {@code items}: a composite's encoding, then, for each child in order, a
     * scalar's encoding or a list's items (by these same rules); null if it would be larger than
     * {@link #MAX_BYTES}.
     */
    static byte[] pack(byte flags, List<byte[]> items) {
        long size = 1;
        for (byte[] item : items) {
            size += 4L + item.length;
        }
        if (size > MAX_BYTES) {
            return null;
        }
        ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN).put(flags);
        for (byte[] item : items) {
            b.putInt(item.length).put(item);
        }
        return b.array();
    }

    /**
     * Splits a packed value into its items.
     *
     * @throws IllegalArgumentException naming what is wrong, if it is not a packed value's layout
     */
    static Items items(byte[] packed) {
        if (packed.length < 1 + 4) {
            throw new IllegalArgumentException("a packed value of " + packed.length + " bytes, shorter than its flags and a length");
        }
        if ((packed[0] & ~COMMITTED) != 0) {
            throw new IllegalArgumentException("flags 0x" + Integer.toHexString(packed[0] & 0xff) + ", expected 0 or 1");
        }
        int count = 0;
        for (int at = 1; at < packed.length; count++) {
            at = end(packed, at);
        }
        int[] from = new int[count];
        int[] to = new int[count];
        int at = 1;
        for (int i = 0; i < count; i++) {
            from[i] = at + 4;
            to[i] = end(packed, at);
            at = to[i];
        }
        return new Items(packed[0], packed, from, to, true);
    }

    /** The end of the item whose length is at {@code at}, checked to lie within the value. */
    private static int end(byte[] packed, int at) {
        if (packed.length - at < 4) {
            throw new IllegalArgumentException("an item's length at byte " + at + " is cut short");
        }
        long length = Integer.toUnsignedLong(ByteBuffer.wrap(packed, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
        if (length > packed.length - at - 4) {
            throw new IllegalArgumentException("the item at byte " + at + " has length " + length + ", more than the "
                    + (packed.length - at - 4) + " bytes after it");
        }
        return at + 4 + (int) length;
    }

    private PackedForm() {}
}
