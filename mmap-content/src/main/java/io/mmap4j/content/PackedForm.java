package io.mmap4j.content;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A map or list kept whole, with everything beneath it, in one value at {@code packed/<id>}, so
 * that reading it, at every depth, is one lookup ({@code docs/message-format.md}, "Packed values"):
 * the byte {@link #VERSION}, the {@linkplain #STAMP commitments stamp} its writer read before it
 * looked for commitments, then the value's tree: a flag byte, the tree's size, the value's encoding,
 * then per child in the encoding's order a scalar's encoding or a composite's own tree (or
 * {@link #BY_ID}: read it by its ID). A copy made for reads, written after the value's
 * {@code data/<id>}; every value stays once at {@code data/<id>}, and a value without a packed form
 * (too large, or its writer killed first) reads from those.
 *
 * <p>The flags of the maps in a tree say which had commitments when it was written; they hold as long
 * as the stamp is the one the tree names. A writer that adds a commitment to a map written before
 * changes the stamp, so that readers then look for each map's commitments themselves.
 */
final class PackedForm {
    static final String ROOT = "packed";
    /** The commitments stamp: 8 bytes, changed whenever a map written before gains a commitment. */
    static final String STAMP = ROOT + "/stamp";
    /** The first byte of a packed value: the layout version that defined it. */
    static final byte VERSION = 3;
    /** A tree's flag: the value is inline, with no commitments (or a list). */
    static final byte INLINE = 0;
    /** A tree's flag: the map is inline and had commitments, in its group {@code <id>/commitments}. */
    static final byte COMMITTED = 1;
    /** A tree's flag: the composite is not inline; it is read by its ID (nothing follows the flag). */
    static final byte BY_ID = 2;
    /** A value whose packed form would be larger than this has none, and is not inline in its parent. */
    static final int MAX_BYTES = 16 * 1024;
    /** The version byte and the stamp, before the tree. */
    static final int HEADER = 1 + 8;
    /** A tree's flag and size, before the value's encoding. */
    static final int TREE_HEADER = 1 + 4;

    /** Clears the top bit of every byte of a stamp. */
    private static final long ASCII_BYTES = 0x7F7F_7F7F_7F7F_7F7FL;
    private static final VarHandle U32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle U64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static String path(String id) {
        return ROOT + "/" + id;
    }

    /**
     * The store's commitments stamp: 0 while no map written before has gained a commitment.
     *
     * @throws CorruptContentException if it is not 8 bytes
     */
    static long stamp(Store store) {
        MemorySegment stamp = EntryStore.smallViewAt(store, STAMP); // kept by a backend that can check it cheaply
        if (stamp == null) {
            return 0;
        }
        if (stamp.byteSize() != 8) {
            throw new CorruptContentException(store.location(), STAMP, "a stamp of " + stamp.byteSize() + " bytes, expected 8");
        }
        return u64(stamp, 0);
    }

    /**
     * Gives the store a new commitments stamp, random and not 0, so that no tree written before
     * names it; each of its bytes below 0x80 (56 random bits), so that a backend may keep it as
     * text ({@link EntryStore#smallViewAt}).
     */
    static void changeStamp(Store store) {
        long stamp;
        do {
            stamp = (ThreadLocalRandom.current().nextLong() ^ System.nanoTime()) & ASCII_BYTES;
        } while (stamp == 0);
        byte[] bytes = new byte[8];
        U64.set(bytes, 0, stamp);
        store.write(STAMP, bytes);
    }

    /** The packed value of the tree {@code tree}, written under the stamp {@code stamp}. */
    static byte[] pack(long stamp, byte[] tree) {
        byte[] packed = new byte[HEADER + tree.length];
        packed[0] = VERSION;
        U64.set(packed, 1, stamp);
        System.arraycopy(tree, 0, packed, HEADER, tree.length);
        return packed;
    }

    /**
     * The tree of a composite: {@code flag}, the size of the rest, the item of its encoding
     * {@code enc}, then {@code parts} in order: a scalar's encoding (framed here as an item) where
     * {@code scalar[i]}, else a composite's tree or {@link #BY_ID} as they are. Null if the packed
     * value would be larger than {@link #MAX_BYTES}.
     */
    static byte[] tree(byte flag, byte[] enc, byte[][] parts, boolean[] scalar) {
        long size = 4L + enc.length;
        for (int i = 0; i < parts.length; i++) {
            size += (scalar[i] ? 4 : 0) + parts[i].length;
        }
        if (HEADER + TREE_HEADER + size > MAX_BYTES) {
            return null;
        }
        byte[] tree = new byte[TREE_HEADER + (int) size];
        tree[0] = flag;
        U32.set(tree, 1, (int) size);
        int at = item(tree, TREE_HEADER, enc);
        for (int i = 0; i < parts.length; i++) {
            if (scalar[i]) {
                at = item(tree, at, parts[i]);
            } else {
                System.arraycopy(parts[i], 0, tree, at, parts[i].length);
                at += parts[i].length;
            }
        }
        return tree;
    }

    private static int item(byte[] into, int at, byte[] bytes) {
        U32.set(into, at, bytes.length);
        System.arraycopy(bytes, 0, into, at + 4, bytes.length);
        return at + 4 + bytes.length;
    }

    /** The {@code u32} at {@code at}, as an unsigned number. */
    static long u32(byte[] b, int at) {
        return Integer.toUnsignedLong((int) U32.get(b, at));
    }

    static long u64(byte[] b, int at) {
        return (long) U64.get(b, at);
    }

    /** The {@code u32} at {@code at} of any memory, as an unsigned number. */
    static long u32(MemorySegment b, long at) {
        return Integer.toUnsignedLong(b.get(MessageFormat.LE_INT, at));
    }

    static long u64(MemorySegment b, long at) {
        return b.get(MessageFormat.LE_LONG, at);
    }

    private PackedForm() {}
}
