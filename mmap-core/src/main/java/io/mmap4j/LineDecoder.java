package io.mmap4j;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns the bytes of a line (or a whole file) into a {@code String} the way
 * {@link java.nio.file.Files} does: malformed or unmappable input is an error
 * ({@link CharacterCodingException}), never silently replaced. One instance per reader: it keeps
 * a buffer that grows to the longest line, so reading lines allocates only the strings.
 */
final class LineDecoder {
    private static final Map<Charset, Boolean> SPLITS_ON_BYTES = new ConcurrentHashMap<>();

    private final Charset charset;
    private byte[] buffer = new byte[256];

    LineDecoder(Charset charset) {
        this.charset = charset;
    }

    Charset charset() {
        return charset;
    }

    /** Decodes the bytes {@code [from, to)} of {@code s}, copied into the reused buffer first. */
    String decode(MemorySegment s, long from, long to) throws IOException {
        long length = to - from;
        if (length > MappedChannel.MAX_ARRAY) {
            throw new IOException("the line of " + length + " bytes at position " + from
                    + " is longer than the largest String (" + MappedChannel.MAX_ARRAY + " bytes)");
        }
        int n = (int) length;
        if (n > buffer.length) {
            buffer = new byte[(int) Math.min(MappedChannel.MAX_ARRAY, Math.max(n, 2L * buffer.length))];
        }
        MemorySegment.copy(s, JAVA_BYTE, from, buffer, 0, n);
        return decode(buffer, 0, n, charset);
    }

    /**
     * Decodes {@code bytes[offset, offset + length)}, reporting malformed and unmappable input as
     * {@code Files.readString} does.
     *
     * <p>For UTF-8, US-ASCII and ISO-8859-1 the JDK's {@code String} constructor is much faster
     * than a {@link CharsetDecoder}, but replaces bad input with U+FFFD. So: decode with it, and
     * only if the result holds a U+FFFD (bad input, or a real U+FFFD in the text) decode again
     * strictly. A Latin-1 string answers that search at once: it cannot hold U+FFFD.
     */
    static String decode(byte[] bytes, int offset, int length, Charset charset) throws CharacterCodingException {
        if (isStandard(charset)) {
            String fast = new String(bytes, offset, length, charset);
            if (fast.indexOf('\uFFFD') < 0) {
                return fast;
            }
        }
        return charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes, offset, length))
                .toString();
    }

    /**
     * Decodes a whole file's bytes as {@code Files.readString} does, reporting malformed input
     * with the same input length. For UTF-8 that is not a {@link CharsetDecoder}'s: the JDK's
     * strict {@code String} decoding behind {@code Files.readString} measures a malformed sequence
     * its own way (1 for a sequence cut short by the end, where a decoder counts its bytes; 3 for
     * any bad 3-byte sequence), so {@link #malformedUtf8Length} follows its rules.
     */
    static String decodeWhole(byte[] bytes, Charset charset) throws CharacterCodingException {
        if (charset.equals(StandardCharsets.UTF_8)) {
            String fast = new String(bytes, charset);
            if (fast.indexOf('\uFFFD') >= 0) {
                int malformed = malformedUtf8Length(bytes);
                if (malformed > 0) {
                    throw new MalformedInputException(malformed);
                }
            }
            return fast;
        }
        return decode(bytes, 0, bytes.length, charset);
    }

    /**
     * The input length that {@code Files.readString} reports for the first malformed sequence of
     * {@code src}, or 0 if it is well-formed UTF-8: the rules of {@code java.lang.String}'s
     * decoding without replacement, byte for byte (the JDK's {@code decodeUTF8_UTF16}).
     */
    static int malformedUtf8Length(byte[] src) {
        int sl = src.length;
        int sp = 0;
        while (sp < sl) {
            int b1 = src[sp++];
            if (b1 >= 0) {
                continue;
            }
            if ((b1 >> 5) == -2 && (b1 & 0x1e) != 0) { // 2 bytes: 0xC2 to 0xDF
                if (sp < sl && isContinuation(src[sp])) {
                    sp++;
                    continue;
                }
                return 1;
            }
            if ((b1 >> 4) == -2) { // 3 bytes: 0xE0 to 0xEF
                if (sp + 1 < sl) {
                    int b2 = src[sp++];
                    int b3 = src[sp++];
                    int c = (b1 & 0x0f) << 12 | (b2 & 0x3f) << 6 | (b3 & 0x3f);
                    if (overlong3(b1, b2) || !isContinuation(b2) || !isContinuation(b3) || Character.isSurrogate((char) c)) {
                        return 3;
                    }
                    continue;
                }
                return sp < sl && (overlong3(b1, src[sp]) || !isContinuation(src[sp])) ? 2 : 1;
            }
            if ((b1 >> 3) == -2 && sp + 2 < sl) { // 4 bytes: 0xF0 to 0xF7, all there
                int b2 = src[sp++];
                int b3 = src[sp++];
                int b4 = src[sp++];
                int uc = (b1 & 0x07) << 18 | (b2 & 0x3f) << 12 | (b3 & 0x3f) << 6 | (b4 & 0x3f);
                if (!isContinuation(b2) || !isContinuation(b3) || !isContinuation(b4)
                        || !Character.isSupplementaryCodePoint(uc)) {
                    return 4;
                }
                continue;
            }
            return 1; // a 4-byte sequence cut short, or a byte that starts nothing
        }
        return 0;
    }

    private static boolean isContinuation(int b) {
        return (b & 0xc0) == 0x80;
    }

    /** 0xE0 followed by 0x80 to 0x9F: a character that has a shorter form. */
    private static boolean overlong3(int b1, int b2) {
        return b1 == (byte) 0xe0 && (b2 & 0xe0) == 0x80;
    }

    private static boolean isStandard(Charset charset) {
        return charset.equals(StandardCharsets.UTF_8) || charset.equals(StandardCharsets.ISO_8859_1)
                || charset.equals(StandardCharsets.US_ASCII);
    }

    /**
     * Whether lines in this charset can be found by scanning bytes: {@code '\n'} and {@code '\r'}
     * are the single bytes 0x0A and 0x0D, and those bytes never occur inside another character.
     * True for UTF-8 (continuation bytes are 0x80 and up), US-ASCII, and any ASCII-compatible
     * single-byte charset (ISO-8859-*, windows-125*); false for UTF-16, UTF-32 and EBCDIC.
     */
    static boolean splitsOnBytes(Charset charset) {
        if (isStandard(charset)) {
            return true;
        }
        return SPLITS_ON_BYTES.computeIfAbsent(charset, LineDecoder::isAsciiCompatibleSingleByte);
    }

    private static boolean isAsciiCompatibleSingleByte(Charset charset) {
        if (!charset.canEncode()) {
            return false;
        }
        CharsetEncoder encoder = charset.newEncoder();
        if (encoder.maxBytesPerChar() != 1.0f) {
            return false;
        }
        try {
            ByteBuffer terminators = encoder.encode(CharBuffer.wrap("\n\r"));
            CharBuffer back = charset.newDecoder().decode(ByteBuffer.wrap(new byte[] {'\n', '\r'}));
            return terminators.remaining() == 2 && terminators.get(0) == '\n' && terminators.get(1) == '\r'
                    && back.toString().equals("\n\r");
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /**
     * The {@code IllegalArgumentException} for {@code readLine} in a charset whose lines cannot be
     * found by scanning bytes.
     */
    static IllegalArgumentException notSplittable(Charset charset) {
        return new IllegalArgumentException("readLine needs a charset in which '\\n' and '\\r' are the single bytes"
                + " 0x0A and 0x0D and those bytes mean nothing else (UTF-8, US-ASCII, ISO-8859-*, ...), not "
                + charset + "; read such text through Channels.newReader(channel, charset)");
    }
}
