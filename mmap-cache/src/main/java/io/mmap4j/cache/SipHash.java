package io.mmap4j.cache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012), written from the
 * paper: the keyed hash of the directory. Its 128-bit key is random per volume and kept in the
 * volume header, so whoever chooses the keys cannot make them share a bucket. Test vectors from
 * the paper's appendix are in the format document and checked by the tests.
 */
final class SipHash {
    private static final VarHandle LE_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private SipHash() {
    }

    static long hash(long k0, long k1, byte[] data) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        int words = data.length >>> 3;
        // One pass per 8-byte word (2 rounds), one for the last word with the length (2 rounds),
        // and the finalisation (4 rounds), sharing one round function.
        for (int i = 0; i <= words + 1; i++) {
            long m = 0;
            int rounds = 2;
            if (i < words) {
                m = (long) LE_LONG.get(data, i << 3);
            } else if (i == words) {
                m = (long) (data.length & 0xFF) << 56;
                for (int b = data.length - 1; b >= words << 3; b--) {
                    m |= (data[b] & 0xFFL) << ((b & 7) << 3);
                }
            } else {
                v2 ^= 0xFF;
                rounds = 4;
            }
            v3 ^= m;
            for (int r = 0; r < rounds; r++) {
                v0 += v1;
                v1 = Long.rotateLeft(v1, 13);
                v1 ^= v0;
                v0 = Long.rotateLeft(v0, 32);
                v2 += v3;
                v3 = Long.rotateLeft(v3, 16);
                v3 ^= v2;
                v0 += v3;
                v3 = Long.rotateLeft(v3, 21);
                v3 ^= v0;
                v2 += v1;
                v1 = Long.rotateLeft(v1, 17);
                v1 ^= v2;
                v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
