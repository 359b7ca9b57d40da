package io.mmap4j.store;

import java.lang.foreign.MemorySegment;

/**
 * Turns values of type {@code T} into the bytes a store keeps, and back. Stores hold bytes; a
 * codec gives them typed keys and values, and a user plugs in any serialisation (JSON, protobuf,
 * Kryo) without the library depending on it.
 *
 * <p>{@link #encode} must be deterministic when the codec encodes keys: equal keys must give equal
 * bytes, or a lookup will miss. {@link #decode} reads from a segment that may be a zero-copy view
 * of a mapped file, valid only until its store is closed: a decoder must copy what it keeps.
 * Both must be safe for use by many threads at once, as the built-ins are.
 *
 * @param <T> the type of the values
 */
public interface Codec<T> {
    /**
     * The bytes of {@code value}.
     *
     * @param value the value, never null
     * @return its encoding; the caller may keep the array
     */
    byte[] encode(T value);

    /**
     * The value whose encoding is {@code bytes}.
     *
     * @param bytes an encoding made by {@link #encode}, possibly a view of mapped memory
     * @return the value, which must not refer to {@code bytes}
     * @throws IllegalArgumentException if {@code bytes} is not an encoding of this codec
     */
    T decode(MemorySegment bytes);

    /**
     * Bytes as they are: encoding and decoding copy the array.
     *
     * @return the identity codec for {@code byte[]}
     */
    static Codec<byte[]> bytes() {
        return Codecs.BYTES;
    }

    /**
     * Strings as UTF-8 bytes, without a length or terminator. Malformed input is replaced, as
     * {@link String#String(byte[], java.nio.charset.Charset)} does.
     *
     * @return the UTF-8 codec for {@code String}
     */
    static Codec<String> utf8() {
        return Codecs.UTF8;
    }

    /**
     * {@code long}s as 8 little-endian bytes.
     *
     * @return the codec for {@code Long}
     */
    static Codec<Long> int64() {
        return Codecs.INT64;
    }
}
