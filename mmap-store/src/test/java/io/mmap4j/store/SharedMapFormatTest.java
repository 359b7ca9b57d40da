package io.mmap4j.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test vectors of docs/shared-map-format.md, read from the page and compared with the files Java writes. */
class SharedMapFormatTest {
    private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

    @TempDir
    Path dir;

    /** The hex bytes of the code block after {@code heading} in the format page, comments dropped. */
    private static String block(String page, String heading) {
        int at = page.indexOf(heading);
        assertTrue(at >= 0, "the format page has \"" + heading + "\"");
        int start = page.indexOf("```\n", at) + 4;
        int end = page.indexOf("```", start);
        StringBuilder hex = new StringBuilder();
        Matcher bytes = Pattern.compile("^(?:slot \\d+ \\(offset \\d+\\): )?((?:[0-9a-f]{2} ?)+)", Pattern.MULTILINE)
                .matcher(page.substring(start, end));
        while (bytes.find()) {
            hex.append(bytes.group(1).trim()).append(' ');
        }
        return hex.toString().trim();
    }

    @Test
    void theFilesMatchTheVectorsOfTheFormatPage() throws Exception {
        String page = Files.readString(Path.of("..", "docs", "shared-map-format.md"));
        try (SharedMap map = SharedMap.open(dir, SharedMap.Options.DEFAULT.withSeed(7).withExpectedKeys(0).withExpectedBytes(0))) {
            map.put("a", "1".getBytes(UTF_8));
            map.put("key", "value".getBytes(UTF_8));
            map.remove("key");
        }
        byte[] control = Files.readAllBytes(dir.resolve("map"));
        byte[] data = Files.readAllBytes(dir.resolve("data.1"));
        assertEquals(4096, control.length);
        assertEquals(70656, data.length);
        assertEquals(block(page, "`map`, bytes 0 to 39"), HEX.formatHex(control, 0, 40));
        assertEquals(block(page, "`data.1` (70656 bytes"), HEX.formatHex(data, 0, 104));
        assertEquals(block(page, "The two used slots"), HEX.formatHex(data, 4688, 4704) + " " + HEX.formatHex(data, 4832, 4848));
        assertEquals(block(page, "The records at 5120"), HEX.formatHex(data, 5120, 5168));
        assertEquals(0xdc6349d489e0f965L, StaticKeyHash.hash(java.lang.foreign.MemorySegment.ofArray("a".getBytes(UTF_8)), 0, 1, 7));
        assertEquals(0x4b6f4aac42778deeL, StaticKeyHash.hash(java.lang.foreign.MemorySegment.ofArray("key".getBytes(UTF_8)), 0, 3, 7));
        for (int i = 104; i < 4096; i++) {
            assertEquals(0, data[i], "unused header byte " + i);
        }
    }
}
