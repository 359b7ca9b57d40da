package io.mmap4j.content;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;

/**
 * Ed25519 commitments: a signature over the 32 bytes of a message's uncommitted ID, kept under
 * the message's {@code commitments} key as {@code {committed ID -> {alg, key, signature}}}, where the
 * committed ID is the ID (SHA-256) of the signature. See {@code docs/message-format.md}.
 */
final class Commitments {
    static final String KEY = "commitments";
    static final String ALG = "ed25519";
    /** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), before the 32 raw key bytes. */
    private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    private static final int KEY_BYTES = 32;
    private static final int SIGNATURE_BYTES = 64;

    /** A commitment of {@code signer} to the message whose uncommitted ID is the SHA-256 {@code messageHash}. */
    static Map<String, Object> sign(byte[] messageHash, KeyPair signer) {
        byte[] x509 = signer.getPublic().getEncoded();
        if (!signer.getPublic().getAlgorithm().matches("(?i)Ed25519|EdDSA") || x509.length != X509_PREFIX.length + KEY_BYTES
                || !Arrays.equals(x509, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
            throw new IllegalArgumentException("the signer's key is " + signer.getPublic().getAlgorithm()
                    + ", expected an Ed25519 key pair (KeyPairGenerator.getInstance(\"Ed25519\"))");
        }
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(signer.getPrivate());
            s.update(messageHash);
            return Map.of("alg", ALG, "key", Arrays.copyOfRange(x509, X509_PREFIX.length, x509.length),
                    "signature", s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot sign with the key pair given: " + e.getMessage(), e);
        }
    }

    /** The committed ID of a commitment with this signature. */
    static String committedId(byte[] signature) {
        return ContentIds.id(signature);
    }

    /**
     * What is wrong with the commitment {@code cid -> commitment} of the message with SHA-256
     * {@code messageHash}, or null if it is sound: its fields, its ID, its signature.
     */
    static String problem(String cid, Object commitment, byte[] messageHash) {
        if (!(commitment instanceof Map<?, ?> c)) {
            return "commitment " + cid + " is a " + typeName(commitment) + ", expected a map of alg, key and signature";
        }
        if (!ALG.equals(c.get("alg"))) {
            return "commitment " + cid + " has alg " + c.get("alg") + ", expected \"" + ALG + "\"";
        }
        if (!(c.get("key") instanceof byte[] key) || key.length != KEY_BYTES) {
            return "commitment " + cid + ": key is not " + KEY_BYTES + " bytes";
        }
        if (!(c.get("signature") instanceof byte[] signature) || signature.length != SIGNATURE_BYTES) {
            return "commitment " + cid + ": signature is not " + SIGNATURE_BYTES + " bytes";
        }
        if (c.size() != 3) {
            return "commitment " + cid + " has keys " + c.keySet() + ", expected exactly alg, key and signature";
        }
        if (!committedId(signature).equals(cid)) {
            return "commitment " + cid + " is filed under the wrong ID: its signature's ID is " + committedId(signature);
        }
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(publicKey(key));
            s.update(messageHash);
            if (!s.verify(signature)) {
                return "commitment " + cid + ": the Ed25519 signature does not verify against the message's ID "
                        + ContentIds.encode(messageHash);
            }
            return null;
        } catch (GeneralSecurityException e) {
            return "commitment " + cid + ": cannot verify: " + e.getMessage();
        }
    }

    private static PublicKey publicKey(byte[] raw) throws GeneralSecurityException {
        byte[] x509 = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + KEY_BYTES);
        System.arraycopy(raw, 0, x509, X509_PREFIX.length, KEY_BYTES);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(x509));
    }

    static String typeName(Object o) {
        return o == null ? "null" : o.getClass().getName();
    }

    private Commitments() {}
}
