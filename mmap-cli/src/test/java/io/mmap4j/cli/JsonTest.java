package io.mmap4j.cli;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    private final Json json = new Json(new Terminal(UTF_8));

    @Test
    void values() {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("long", Long.MIN_VALUE);
        object.put("int", 7);
        object.put("double", 2.5);
        object.put("nan", Double.NaN);
        object.put("infinite", Double.POSITIVE_INFINITY);
        object.put("null", null);
        object.put("true", true);
        object.put("list", List.of(1L, "two", List.of(), Map.of()));
        assertEquals("{\"long\":-9223372036854775808,\"int\":7,\"double\":2.5,\"nan\":null,\"infinite\":null,"
                + "\"null\":null,\"true\":true,\"list\":[1,\"two\",[],{}]}", json.write(object));
        assertEquals("[null]", json.write(Arrays.asList((Object) null)));
        assertThrows(IllegalArgumentException.class, () -> json.write(new Object()));
    }

    @Test
    void stringsAreValidJsonAndCannotDriveATerminal() {
        assertEquals("\"q\\\"b\\\\n\\nr\\rt\\t\"", json.write("q\"b\\n\nr\rt\t"));
        assertEquals("\"\\u001b[2J\\u0000\\u007f\\u009b\\u2028\\u202e\"", json.write("\u001b[2J\u0000\u007f\u009b\u2028\u202E"));
        assertEquals("\"名前 🚀\"", json.write("名前 🚀"));
        assertEquals("\"\\u540d \\ud83d\\ude80\"", new Json(new Terminal(US_ASCII)).write("名 🚀"), "surrogate pairs where ASCII only");
    }
}
