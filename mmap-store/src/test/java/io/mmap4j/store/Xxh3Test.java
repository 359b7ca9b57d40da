package io.mmap4j.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * XXH3-64 against the reference implementation: every vector below was computed by
 * {@code XXH3_64bits_withSeed} of xxHash's {@code xxhash.h} (v0.8.2), over the bytes
 * {@code (i * 31 + 7) % 251} for {@code i} from 0, at lengths that reach every path of the
 * algorithm (0, 1 to 3, 4 to 8, 9 to 16, 17 to 128, 129 to 240, and over 240 with one, two and
 * several blocks of 1024 bytes, whole and not).
 */
class Xxh3Test {
    private static final String[] VECTORS = {
            "0 0000000000000000 2d06800538d394c2",
            "1 0000000000000000 4c5cca45d0f4811f",
            "2 0000000000000000 a7e250c97710ff27",
            "3 0000000000000000 15f7093b173d005c",
            "4 0000000000000000 dca012f95811b6b9",
            "5 0000000000000000 b290cafc7b254345",
            "7 0000000000000000 7561869c23da3c1b",
            "8 0000000000000000 dec6a9a43575982e",
            "9 0000000000000000 15e553b97e27735d",
            "12 0000000000000000 f075172fa255dc85",
            "15 0000000000000000 66026768a0fe1a85",
            "16 0000000000000000 a7683b861e585aa6",
            "17 0000000000000000 637c1aa907698945",
            "31 0000000000000000 9a20d1569e8ff426",
            "32 0000000000000000 fb0a38fb3af32306",
            "33 0000000000000000 dbd8ff66fdf7b97e",
            "48 0000000000000000 1a8cd60c1498fafe",
            "63 0000000000000000 6555dc2e9918d3f3",
            "64 0000000000000000 a1688ef0a48a39d4",
            "65 0000000000000000 67dc5b5cae64c652",
            "96 0000000000000000 d1a35000054a80d5",
            "97 0000000000000000 d628cd723fed4570",
            "127 0000000000000000 207564f9ca6034f8",
            "128 0000000000000000 6d0f64c82ddaad27",
            "129 0000000000000000 eaf3fc97c05f44f3",
            "130 0000000000000000 8a4ba0eafeb35386",
            "200 0000000000000000 f4b54cdc82f20685",
            "239 0000000000000000 1e645342febb13c1",
            "240 0000000000000000 22f28cbbfaf0447f",
            "241 0000000000000000 07525dbc14902c7f",
            "255 0000000000000000 3e64256196c9377b",
            "256 0000000000000000 a49b06aa88ab05e1",
            "1000 0000000000000000 84b0c79e3e1ac40e",
            "1023 0000000000000000 fe4f1eaedb87b59b",
            "1024 0000000000000000 e2898655db7bc9ee",
            "1025 0000000000000000 134c652ba3d6fb9e",
            "1088 0000000000000000 33aefff80de9aa91",
            "1089 0000000000000000 a30244a8fe55279a",
            "2048 0000000000000000 63a78a59658d80f4",
            "2049 0000000000000000 0bfdaada21607d33",
            "5000 0000000000000000 82c9e6e5b7476dc8",
            "0 0123456789abcdef cc1ca35a1b089c5c",
            "1 0123456789abcdef 6dcb95d31de5966b",
            "2 0123456789abcdef 7c879de7a129ac60",
            "3 0123456789abcdef 2c39b392abaacc0e",
            "4 0123456789abcdef 56ff8d61faf8f3c1",
            "5 0123456789abcdef b560982197699990",
            "7 0123456789abcdef 82c82053fb366a15",
            "8 0123456789abcdef 32f1df0fb4c56018",
            "9 0123456789abcdef 580cd23dc407e110",
            "12 0123456789abcdef b66c95101725e122",
            "15 0123456789abcdef 4da3f499257d25d1",
            "16 0123456789abcdef 95a6ed7069232841",
            "17 0123456789abcdef 4e34aac19470299f",
            "31 0123456789abcdef 8f810eba66782f53",
            "32 0123456789abcdef 12e5521b3589b0d8",
            "33 0123456789abcdef cf8d0ca6d968e6c1",
            "48 0123456789abcdef cec63927520fa9cf",
            "63 0123456789abcdef 70b8b742320239c5",
            "64 0123456789abcdef 55ef544a2d7c1dc8",
            "65 0123456789abcdef be86aec1387b3729",
            "96 0123456789abcdef f083189d99d1fcd7",
            "97 0123456789abcdef a65982d13935494d",
            "127 0123456789abcdef 580284cc8c9ff2fe",
            "128 0123456789abcdef 9b5d707ab0d885f9",
            "129 0123456789abcdef 9f884dd8e32adb26",
            "130 0123456789abcdef 838aadd68d94f001",
            "200 0123456789abcdef 4a3f151c2233ecfa",
            "239 0123456789abcdef 8476e981d933f11b",
            "240 0123456789abcdef d70f1cd71e39f9bc",
            "241 0123456789abcdef 33c963569222749d",
            "255 0123456789abcdef 6ca1f1b0043dcdee",
            "256 0123456789abcdef c823bb37bcf0fc85",
            "1000 0123456789abcdef a395d271f3c37015",
            "1023 0123456789abcdef e802d0d209746bf3",
            "1024 0123456789abcdef f2346f5b97ca3468",
            "1025 0123456789abcdef ddb97c806fe1dd16",
            "1088 0123456789abcdef 694553cfc8c9ae1d",
            "1089 0123456789abcdef fc77b2968b215f64",
            "2048 0123456789abcdef 9f452c3ff4422c83",
            "2049 0123456789abcdef e7e559766e02a97d",
            "5000 0123456789abcdef 5871e163ec08bf1c",
            "0 ffffffffffffffff 4c093276ae47a555",
            "1 ffffffffffffffff 36ce6de3f8ce2550",
            "2 ffffffffffffffff 21fec988cc6cab28",
            "3 ffffffffffffffff dc48f60472a5945b",
            "4 ffffffffffffffff acf1f1587e5776f2",
            "5 ffffffffffffffff af7ac5975477e0ca",
            "7 ffffffffffffffff 8d35144e380fa70a",
            "8 ffffffffffffffff 741c19391db323da",
            "9 ffffffffffffffff 6a9bfce5142be25c",
            "12 ffffffffffffffff 78997316c46526d2",
            "15 ffffffffffffffff 40ec5f0b953ee706",
            "16 ffffffffffffffff f2955d8d84ef87e0",
            "17 ffffffffffffffff 03a2e42b11af4ab6",
            "31 ffffffffffffffff 6d92dcad5eb8df7b",
            "32 ffffffffffffffff ff9e12121c6111b6",
            "33 ffffffffffffffff b3f2d6363e4edfee",
            "48 ffffffffffffffff 97524fadde737caf",
            "63 ffffffffffffffff 60039818d55305e6",
            "64 ffffffffffffffff 89b61baa3970a787",
            "65 ffffffffffffffff 6169049d02c319a6",
            "96 ffffffffffffffff dd90803d1ec5dabc",
            "97 ffffffffffffffff 013ff689c5236d6a",
            "127 ffffffffffffffff 9c89ee379e5b6dd5",
            "128 ffffffffffffffff 30e9ec79fdf11cb4",
            "129 ffffffffffffffff cca8b1f038556ecc",
            "130 ffffffffffffffff d909287834dae227",
            "200 ffffffffffffffff ed745c27714f7051",
            "239 ffffffffffffffff 303a2a7c0520ab0c",
            "240 ffffffffffffffff 466405b1cbce2191",
            "241 ffffffffffffffff d114c36c030696fc",
            "255 ffffffffffffffff 4d4c92b0bba80a9a",
            "256 ffffffffffffffff 3ca4d8eb07ba76df",
            "1000 ffffffffffffffff 0320aaf53865cb6e",
            "1023 ffffffffffffffff e80bbd0437205bcf",
            "1024 ffffffffffffffff 1468528912532756",
            "1025 ffffffffffffffff a7e4335794013ab3",
            "1088 ffffffffffffffff 82cd304ad705eb2b",
            "1089 ffffffffffffffff 35051fc1f6db17ee",
            "2048 ffffffffffffffff 47003c5f7eb13f63",
            "2049 ffffffffffffffff 0864ccd44e872be4",
            "5000 ffffffffffffffff 8f576e1013d672e0"
    };

    private static byte[] input(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) ((i * 31 + 7) % 251);
        }
        return bytes;
    }

    @Test
    void matchesTheReferenceOnEveryPathFromArraysAndSegments() {
        try (Arena arena = Arena.ofConfined()) {
            for (String vector : VECTORS) {
                String[] f = vector.split(" ");
                int length = Integer.parseInt(f[0]);
                long seed = Long.parseUnsignedLong(f[1], 16);
                long expected = Long.parseUnsignedLong(f[2], 16);
                Xxh3 hash = new Xxh3(seed);
                byte[] bytes = input(length);
                assertEquals(expected, hash.hash(bytes), vector);
                // From a native segment, at an odd offset: the reads are unaligned.
                MemorySegment native_ = arena.allocate(length + 3L);
                MemorySegment.copy(bytes, 0, native_, ValueLayout.JAVA_BYTE, 3, length);
                assertEquals(expected, hash.hash(native_, 3, length), vector);
            }
        }
    }

    @Test
    void textVectorsOfTheFormatPage() {
        // The table of docs/static-store-format.md, from the reference implementation.
        assertEquals(0x2d06800538d394c2L, new Xxh3(0).hash(new byte[0]));
        assertEquals(0xe6c632b61e964e1fL, new Xxh3(0).hash("a".getBytes(UTF_8)));
        assertEquals(0x78af5f94892f3950L, new Xxh3(0).hash("abc".getBytes(UTF_8)));
        assertEquals(0x1e716dd465c1d7a9L, new Xxh3(0).hash("http.hits".getBytes(UTF_8)));
        assertEquals(0x64288a79d9c76d9cL, new Xxh3(0).hash("\u00fc.\u20ac".getBytes(UTF_8)));
        assertEquals(0x64439946d8fa212dL, new Xxh3(0).hash("0123456789abcdef".getBytes(UTF_8)));
        assertEquals(0xce7d19a5418fb365L, new Xxh3(0).hash("The quick brown fox jumps over the lazy dog".getBytes(UTF_8)));
        assertEquals(0xc90984ffdf50ce42L, new Xxh3(0).hash("x".repeat(100).getBytes(UTF_8)));
        Xxh3 seeded = new Xxh3(0x0123456789abcdefL);
        assertEquals(0xcc1ca35a1b089c5cL, seeded.hash(new byte[0]));
        assertEquals(0xfcf369f9e7541d1bL, seeded.hash("a".getBytes(UTF_8)));
        assertEquals(0xa6c952c14d2bf2a9L, seeded.hash("b".getBytes(UTF_8)));
        assertEquals(0x410f524cfe92e436L, seeded.hash("http.hits".getBytes(UTF_8)));
        assertEquals(0x3e4a1136e1af7e88L, seeded.hash("\u00fc.\u20ac".getBytes(UTF_8)));
    }

    @Test
    void stringsHashAsTheirUtf8Bytes() {
        SplittableRandom random = new SplittableRandom(3);
        String[] alphabets = {"abcXYZ019 ._", "abc\u00e9\u00fc\u20ac\u65e5\uD83D\uDE00", "\uD800a\uDC00b\u0000"};
        for (int round = 0; round < 3000; round++) {
            String alphabet = alphabets[round % alphabets.length];
            int length = random.nextInt(round % 10 == 0 ? 700 : 40);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < length; i++) {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String s = sb.toString();
            byte[] bytes = s.getBytes(UTF_8);
            Xxh3 hash = new Xxh3(random.nextLong());
            assertEquals(hash.hash(bytes), hash.hashUtf8(s, StaticKeyHash.utf8Length(s)), s);
        }
    }
}
