package io.mmap4j.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/** The built-in {@link Codec}s, as singletons. */
final class Codecs {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static final Codec<byte[]> BYTES = new Codec<>() {
        @Override
        public byte[] encode(byte[] value) {
            return Objects.requireNonNull(value, "value").clone();
        }

        @Override
        public byte[] decode(MemorySegment bytes) {
            return bytes.toArray(ValueLayout.JAVA_BYTE);
        }

        @Override
        public String toString() {
            return "Codec.bytes()";
        }
    };

    static final Codec<String> UTF8 = new Codec<>() {
        @Override
        public byte[] encode(String value) {
            return Objects.requireNonNull(value, "value").getBytes(UTF_8);
        }

        @Override
        public String decode(MemorySegment bytes) {
            return new String(bytes.toArray(ValueLayout.JAVA_BYTE), UTF_8);
        }

        @Override
        public String toString() {
            return "Codec.utf8()";
        }
    };

    static final Codec<Long> INT64 = new Codec<>() {
        @Override
        public byte[] encode(Long value) {
            byte[] bytes = new byte[Long.BYTES];
            MemorySegment.ofArray(bytes).set(LONG, 0, Objects.requireNonNull(value, "value"));
            return bytes;
        }

        @Override
        public Long decode(MemorySegment bytes) {
            if (bytes.byteSize() != Long.BYTES) {
                throw new IllegalArgumentException("a long is 8 bytes, got " + bytes.byteSize());
            }
            return bytes.get(LONG, 0);
        }

        @Override
        public String toString() {
            return "Codec.int64()";
        }
    };

    private Codecs() {
    }
}
