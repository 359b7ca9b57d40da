package io.mmap4j.content;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * IDs: the SHA-256 of some bytes as 43 characters of base64url without padding (HyperBEAM's
 * "human id"). Test vector (FIPS 180-2): SHA-256 of {@code abc} is
 * {@code ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0}.
 */
final class ContentIds {
    static final int ID_LENGTH = 43;
    static final int HASH_BYTES = 32;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    // A digest per thread: getInstance looks up a provider, which costs more than hashing a small value.
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(ContentIds::newDigest);

    static MessageDigest digest() {
        MessageDigest d = SHA256.get();
        d.reset();
        return d;
    }

    static byte[] sha256(byte[] bytes) {
        return digest().digest(bytes);
    }

    static String id(byte[] bytes) {
        return encode(sha256(bytes));
    }

    static String encode(byte[] hash) {
        return ENCODER.encodeToString(hash);
    }

    /** The 32 bytes an ID stands for, or null if {@code id} is not 43 characters of base64url. */
    static byte[] decode(String id) {
        if (!isId(id)) {
            return null;
        }
        return DECODER.decode(id);
    }

    /** Whether {@code s} has the form of an ID: 43 base64url characters whose last carries no stray bits. */
    static boolean isId(String s) {
        if (s.length() != ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < ID_LENGTH - 1; i++) {
            char c = s.charAt(i);
            if (c >= 128 || SIXTETS[c] < 0) {
                return false;
            }
        }
        // 43 characters carry 258 bits; the last character's low 2 bits must be zero (canonical form).
        char last = s.charAt(ID_LENGTH - 1);
        return last < 128 && SIXTETS[last] >= 0 && (SIXTETS[last] & 3) == 0;
    }

    /** The 6 bits each base64url character stands for, by the character; -1 for any other below 128. */
    private static final byte[] SIXTETS = new byte[128];

    static {
        Arrays.fill(SIXTETS, (byte) -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int i = 0; i < alphabet.length(); i++) {
            SIXTETS[alphabet.charAt(i)] = (byte) i;
        }
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    private ContentIds() {}
}
