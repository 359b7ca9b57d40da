package io.mmap4j.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class CodecTest {
    @Test
    void bytesAreCopiedBothWays() {
        byte[] value = {1, 2, 3};
        byte[] encoded = Codec.bytes().encode(value);
        assertArrayEquals(value, encoded);
        assertNotSame(value, encoded);
        assertArrayEquals(value, Codec.bytes().decode(MemorySegment.ofArray(value)));
    }

    @Test
    void utf8RoundTripsEveryPlane() {
        String text = "José 東京 \uD83D\uDE00";
        assertArrayEquals(new byte[] {'J', 'o', 's', (byte) 0xC3, (byte) 0xA9},
                java.util.Arrays.copyOf(Codec.utf8().encode(text), 5));
        assertEquals(text, Codec.utf8().decode(MemorySegment.ofArray(Codec.utf8().encode(text))));
    }

    @Test
    void int64IsEightLittleEndianBytes() {
        assertArrayEquals(new byte[] {1, 2, 0, 0, 0, 0, 0, (byte) 0x80}, Codec.int64().encode(0x8000_0000_0000_0201L));
        assertEquals(-5L, Codec.int64().decode(MemorySegment.ofArray(Codec.int64().encode(-5L))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Codec.int64().decode(MemorySegment.ofArray(new byte[7])));
        assertEquals("a long is 8 bytes, got 7", e.getMessage());
    }

    @Test
    void nullsAreRefusedByName() {
        assertEquals("value", assertThrows(NullPointerException.class, () -> Codec.utf8().encode(null)).getMessage());
        assertEquals("value", assertThrows(NullPointerException.class, () -> Codec.bytes().encode(null)).getMessage());
        assertEquals("value", assertThrows(NullPointerException.class, () -> Codec.int64().encode(null)).getMessage());
    }
}
