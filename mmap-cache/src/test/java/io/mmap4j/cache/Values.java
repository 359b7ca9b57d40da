package io.mmap4j.cache;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Values that say what they are: a 20-byte prefix (key index, version, length) and bytes derived
 * from those, so that a test can tell an exact value from a torn, stale or foreign one by the
 * value alone, even one written by another process.
 */
final class Values {
    static final int PREFIX = 20;

    private Values() {
    }

    static byte[] key(int index) {
        return ("key-" + index).getBytes(UTF_8);
    }

    static byte[] value(int keyIndex, long version, int length) {
        byte[] v = new byte[Math.max(PREFIX, length)];
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(keyIndex).putLong(version).putInt(v.length).putInt(0);
        SplittableRandom r = new SplittableRandom(keyIndex * 1_000_003L + version);
        for (int i = PREFIX; i < v.length; i++) {
            v[i] = (byte) r.nextInt();
        }
        return v;
    }

    /** The version of an exact value of {@code keyIndex}, or -1 if {@code v} is not one. */
    static long versionOf(int keyIndex, byte[] v) {
        if (v.length < PREFIX) {
            return -1;
        }
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
        int k = b.getInt();
        long version = b.getLong();
        int length = b.getInt();
        if (k != keyIndex || length != v.length || version < 0) {
            return -1;
        }
        return Arrays.equals(v, value(keyIndex, version, length)) ? version : -1;
    }
}
