package io.mmap4j.content;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.testkit.Python;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/message-format.md is true: its test vectors are the IDs Java computes, its example encodings
 * are the bytes Java stores, and a second implementation written from the page alone (Python,
 * {@code message_ids.py}) computes the same IDs and reads a cache Java wrote.
 */
class MessageFormatTest {
    private static final Path DOC = Path.of("..", "docs", "message-format.md");
    /** A row of the doc's vector table: | `name` | value | `id` | */
    private static final Pattern VECTOR_ROW = Pattern.compile("(?m)^\\| `([a-z0-9.-]+)` \\| .* \\| `([A-Za-z0-9_-]{43})` \\|$");
    /** A row of the doc's encoding table: | value | `hex` | */
    private static final Pattern ENCODING_ROW = Pattern.compile("(?m)^\\| `([a-z0-9.-]+)` \\| `([0-9a-f ]+)` \\|$");

    @TempDir
    Path dir;

    /** The vectors of the page, as Java values (message_ids.py has the same list). */
    static Map<String, Object> vectors() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("empty-map", Map.of());
        v.put("empty-bytes", new byte[0]);
        v.put("bytes-abc", "abc".getBytes(UTF_8));
        v.put("string-abc", "abc");
        v.put("string-unicode", "é値😀");
        v.put("int-7", 7);
        v.put("long-7", 7L);
        v.put("int-minus-1", -1);
        v.put("true", true);
        v.put("false", false);
        v.put("double-1.5", 1.5);
        v.put("double-minus-0", -0.0);
        v.put("empty-list", List.of());
        v.put("list-mixed", List.of(1, "two", "3".getBytes(UTF_8)));
        v.put("map-a1-b2", Map.of("a", "1", "b", "2"));
        v.put("map-build", Map.of("name", "build-42", "deps", List.of("a", "b"),
                "config", Map.of("port", 8080, "debug", false)));
        v.put("map-key-order", Map.of("b", 1, "a", 2, "ä", 3, "Z", 4));
        return v;
    }

    @Test
    void theDocsVectorsAreTheIdsJavaComputes() throws IOException {
        Map<String, String> documented = new TreeMap<>();
        for (Matcher m = VECTOR_ROW.matcher(Files.readString(DOC)); m.find(); ) {
            documented.put(m.group(1), m.group(2));
        }
        Map<String, String> computed = new TreeMap<>();
        vectors().forEach((name, value) -> computed.put(name, MessageCache.id(value)));
        computed.put("commitment-rfc8032-1", committedId());
        computed.forEach((name, id) -> System.out.println("VECTOR " + name + " " + id));
        assertEquals(computed, documented, "docs/message-format.md's test vectors");
    }

    @Test
    void theDocsEncodingsAreTheBytesJavaStores() throws IOException {
        Map<String, String> documented = new TreeMap<>();
        for (Matcher m = ENCODING_ROW.matcher(Files.readString(DOC)); m.find(); ) {
            documented.put(m.group(1), m.group(2).replace(" ", ""));
        }
        assertFalse(documented.isEmpty(), "the doc shows encodings");
        try (MessageCache cache = MessageCache.over(new MemoryStore())) {
            for (Map.Entry<String, String> e : documented.entrySet()) {
                Object value = vectors().get(e.getKey());
                String id = value instanceof Map<?, ?> m ? cache.write(cast(m)) : cache.writeHashpath("v", value);
                String stored = id.startsWith("data/") ? id : "data/" + id;
                System.out.println("ENCODING " + e.getKey() + " " + HexFormat.of().formatHex(cache.store().read(stored).orElseThrow()));
                assertEquals(e.getValue(), HexFormat.of().formatHex(cache.store().read(stored).orElseThrow()), e.getKey());
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ?> cast(Map<?, ?> m) {
        return (Map<String, ?>) m;
    }

    /** The committed ID of the page's commitment vector: RFC 8032's test key 1 signing map-a1-b2. */
    static String committedId() {
        try {
            KeyFactory kf = KeyFactory.getInstance("Ed25519");
            byte[] secret = HexFormat.of().parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
            KeyPair pair = new KeyPair(
                    kf.generatePublic(new EdECPublicKeySpec(NamedParameterSpec.ED25519, publicPoint())),
                    kf.generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, secret)));
            Map<String, Object> signed = MessageCache.commit(Map.of("a", "1", "b", "2"), pair);
            Map<?, ?> commitments = (Map<?, ?>) signed.get("commitments");
            return (String) commitments.keySet().iterator().next();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** RFC 8032 test 1's public key d75a9801…511a as the JDK's curve point. */
    private static java.security.spec.EdECPoint publicPoint() {
        byte[] raw = HexFormat.of().parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        boolean xOdd = (raw[31] & 0x80) != 0;
        raw[31] &= 0x7f;
        byte[] bigEndian = new byte[32];
        for (int i = 0; i < 32; i++) {
            bigEndian[i] = raw[31 - i];
        }
        return new java.security.spec.EdECPoint(xOdd, new java.math.BigInteger(1, bigEndian));
    }

    @Test
    void stringsDecodeExactlyAndMalformedUtf8IsRefused() {
        for (String s : List.of("", "ascii", "clé", "\uFFFD", "a\uFFFDb", "😀 \uFFFD 日本")) {
            byte[] utf8 = s.getBytes(UTF_8);
            assertEquals(s, MessageFormat.decodeUtf8(utf8, 0, utf8.length), "a U+FFFD in the input is kept");
        }
        for (byte[] bad : List.of(new byte[] {(byte) 0xC3}, new byte[] {'a', (byte) 0x80, 'b'},
                new byte[] {(byte) 0xC0, (byte) 0x80}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                new byte[] {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD, (byte) 0xFF})) {
            assertEquals(null, MessageFormat.decodeUtf8(bad, 0, bad.length), HexFormat.of().formatHex(bad) + " is not UTF-8");
        }
    }

    @Test
    void sha256AndIdsFollowTheirSpecifications() {
        assertEquals("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0", ContentIds.id("abc".getBytes(UTF_8)), "FIPS 180-2 'abc'");
        assertTrue(ContentIds.isId("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"));
        assertFalse(ContentIds.isId("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa1"), "stray low bits in the last character");
        assertFalse(ContentIds.isId("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"), "not base64url");
        assertFalse(ContentIds.isId("short"));
        assertFalse(ContentIds.isId("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFaé"), "not ASCII, last");
        assertFalse(ContentIds.isId("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAF\u0100A"), "not ASCII, inside");
        assertFalse(ContentIds.isId("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAF/A"), "a path");
    }

    @Test
    void encodingsThatBreakTheRulesAreRefusedWithTheReason() {
        byte[] good = MessageFormat.encodeComposite(MessageFormat.MAP, List.of(
                new MessageFormat.Child("a", MessageFormat.STRING, new byte[32]),
                new MessageFormat.Child("b", MessageFormat.STRING, new byte[32])));
        assertEquals(2, MessageFormat.decodeComposite(good).size());
        byte[] unsorted = MessageFormat.encodeComposite(MessageFormat.MAP, List.of(
                new MessageFormat.Child("b", MessageFormat.STRING, new byte[32]),
                new MessageFormat.Child("a", MessageFormat.STRING, new byte[32])));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MessageFormat.decodeComposite(unsorted))
                .getMessage().contains("keys must be sorted by their UTF-8 bytes, each once"));
        byte[] extra = java.util.Arrays.copyOf(good, good.length + 1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MessageFormat.decodeComposite(extra))
                .getMessage().contains("1 bytes after the last child"));
        byte[] count = good.clone();
        ByteBuffer.wrap(count).order(ByteOrder.LITTLE_ENDIAN).putInt(1, 1_000_000);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MessageFormat.decodeComposite(count))
                .getMessage().contains("the count is 1000000 children"));
        assertThrows(IllegalArgumentException.class, () -> MessageFormat.decodeScalar(new byte[] {'i', 1, 2}));
        assertThrows(IllegalArgumentException.class, () -> MessageFormat.decodeScalar(new byte[] {'z', 2}));
        assertThrows(IllegalArgumentException.class, () -> MessageFormat.decodeScalar(new byte[] {'q'}));
        assertThrows(IllegalArgumentException.class, () -> MessageFormat.decodeScalar(new byte[] {'s', (byte) 0xff}));
        byte[] nan = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN).put((byte) 'd').putLong(0x7ff0000000000001L).array();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MessageFormat.decodeScalar(nan))
                .getMessage().contains("canonical 0x7ff8000000000000"));
    }

    // ---------------------------------------------------------------------------------------------
    // The second implementation

    @Test
    void pythonWrittenFromThePageComputesTheSameIds() throws Exception {
        List<String> out = python("vectors");
        Map<String, String> fromPython = new TreeMap<>();
        for (String line : out) {
            fromPython.put(line.split(" ")[0], line.split(" ")[1]);
        }
        Map<String, String> fromJava = new TreeMap<>();
        vectors().forEach((name, value) -> fromJava.put(name, MessageCache.id(value)));
        assertEquals(fromJava, fromPython);
    }

    @Test
    void pythonReadsACacheJavaWrote() throws Exception {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("name", "build-42");
        message.put("artifact", new byte[] {1, 2, 3, (byte) 0xfe});
        message.put("deps", List.of("a", "b", Map.of("pinned", true, "version", 3L)));
        message.put("config", Map.of("port", 8080, "ratio", 0.25, "empty", Map.of(), "none", List.of()));
        message.put("ünïcødé", "値");
        Path cacheDir = dir.resolve("cache");
        String id;
        try (MessageCache cache = MessageCache.over(FileSystemStore.open(cacheDir))) {
            id = cache.write(message);
        }
        assertEquals(List.of(dump(message)), python("read", cacheDir.toString(), id));
    }

    /** The dump message_ids.py prints: typed, keys by UTF-8 bytes, strings and keys as hex. */
    static String dump(Object v) {
        return switch (v) {
            case byte[] b -> "b:" + HexFormat.of().formatHex(b);
            case String s -> "s:" + HexFormat.of().formatHex(s.getBytes(UTF_8));
            case Boolean z -> "z:" + z;
            case Integer i -> "i:" + i;
            case Long l -> "j:" + l;
            case Double d -> "d:" + String.format("%016x", Double.doubleToLongBits(d));
            case List<?> l -> "[" + String.join(",", l.stream().map(MessageFormatTest::dump).toList()) + "]";
            case Map<?, ?> m -> {
                List<String> keys = new ArrayList<>();
                m.keySet().forEach(k -> keys.add((String) k));
                keys.sort(MessageFormat::compareKeys);
                List<String> parts = new ArrayList<>();
                for (String k : keys) {
                    parts.add(HexFormat.of().formatHex(k.getBytes(UTF_8)) + "=" + dump(m.get(k)));
                }
                yield "{" + String.join(",", parts) + "}";
            }
            default -> throw new IllegalArgumentException(v.getClass().getName());
        };
    }

    private List<String> python(String... args) throws Exception {
        Path script = dir.resolve("message_ids.py");
        try (InputStream in = getClass().getResourceAsStream("message_ids.py")) {
            Files.copy(in, script);
        }
        return Python.run(Duration.ofSeconds(60), script, args);
    }
}
