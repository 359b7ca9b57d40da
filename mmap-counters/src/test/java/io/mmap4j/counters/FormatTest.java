package io.mmap4j.counters;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmap4j.MMap;
import io.mmap4j.testkit.Python;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bytes on disk are those docs/counters-format.md specifies, and a reader written from it agrees. */
class FormatTest {
    @TempDir
    Path dir;

    @Test
    void nameHashTestVectorsOfTheSpecification() {
        assertEquals(0xab3e7c0b, Names.hash(new byte[0]));
        assertEquals(0x1a80b1b3, Names.hash("a".getBytes(UTF_8)));
        assertEquals(0x5ea64d1b, Names.hash("http.hits".getBytes(UTF_8)));
        assertEquals(0x03c627e5, Names.hash("ü.€".getBytes(UTF_8)));
    }

    @Test
    void aDefaultFileByteByByte() throws IOException {
        Path path = dir.resolve("default.counters");
        try (Counters c = Counters.open(path)) {
            c.counter("http.hits").set(42);
            c.counter("a").set(-7);
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(413_696, b.capacity());
        assertEquals("MMAP4JCT", new String(b.array(), 0, 8, UTF_8));
        int[] u32 = {1, 4096, 1024, 2048, 256, 240, 128, 0}; // version .. flags, at 8 .. 36
        for (int i = 0; i < u32.length; i++) {
            assertEquals(u32[i], b.getInt(8 + 4 * i), "u32 at " + (8 + 4 * i));
        }
        assertEquals(4096, b.getLong(40));
        assertEquals(20_480, b.getLong(48));
        assertEquals(282_624, b.getLong(56));
        assertEquals(413_696, b.getLong(64));
        assertEquals(2, b.getLong(128), "allocated");

        // "http.hits" hashes to 0x5ea64d1b: home position 0x5ea64d1b & 2047 = 1307; id 0
        assertEquals(0x5ea64d1b_00000001L, b.getLong(4096 + 1307 * 8));
        assertEquals(0x1a80b1b3_00000002L, b.getLong(4096 + 435 * 8)); // "a": home 435, id 1
        assertRecord(b, 20_480, 9, 0x5ea64d1b, "http.hits");
        assertRecord(b, 20_480 + 256, 1, 0x1a80b1b3, "a");
        assertEquals(42, b.getLong(282_624));
        assertEquals(-7, b.getLong(282_624 + 128), "values are 128 bytes apart");
    }

    /**
     * The generation counts how many times a record was written, as a tool inspecting unpublished
     * records needs: a record that lost the race for its name and is written again for the next
     * name says 2. Nothing else reads it (CorruptionTest.aRecordsGenerationIsNotChecked).
     */
    @Test
    void theGenerationCountsTheWritesOfARecord() throws IOException {
        Path path = dir.resolve("generation.counters");
        try (Counters c = Counters.open(path)) {
            c.counter("a"); // id 0
        }
        int reused;
        try (MMap raw = MMap.open(path, READ, WRITE)) {
            CountersFormat format = CountersFormat.of(CountersLayout.DEFAULT);
            CounterTable table = new CounterTable(raw, format, path);
            byte[] a = "a".getBytes(UTF_8);
            byte[] b = "b".getBytes(UTF_8);
            reused = table.claim();
            table.write(reused, a, Names.hash(a));
            assertEquals(0, table.publish(a, Names.hash(a), reused), "loses the race: \"a\" is id 0");
            table.write(reused, b, Names.hash(b)); // as a creator does with a free record it takes
            assertEquals(reused, table.publish(b, Names.hash(b), reused));
            long generation = CountersFormat.NameRecord.GENERATION.offset();
            assertEquals(1, raw.getInt(format.recordOffset(0) + generation), "written once");
            assertEquals(2, raw.getInt(format.recordOffset(reused) + generation), "written twice");
        }
        try (Counters c = Counters.open(path)) {
            assertEquals(List.of("a", "b"), c.counters().stream().map(Counter::name).toList());
            assertEquals(reused, c.counter("b").id());
        }
    }

    private static void assertRecord(ByteBuffer b, int at, int length, int hash, String name) {
        assertEquals(CountersFormat.NameRecord.WRITTEN, b.getInt(at), "state");
        assertEquals(1, b.getInt(at + 4), "generation");
        assertEquals(length, b.getInt(at + 8), "name length");
        assertEquals(hash, b.getInt(at + 12), "name hash");
        assertEquals(name, new String(b.array(), at + 16, length, UTF_8));
    }

    @Test
    void aPythonReaderWrittenFromTheDocumentReadsWhatJavaWrote() throws Exception {
        Path path = dir.resolve("python.counters");
        List<String> expected = new ArrayList<>();
        try (Counters c = Counters.open(path, CountersLayout.DEFAULT.withCapacity(500).withValueSlotBytes(64))) {
            String[] special = {"http.hits", "ü.€.日本語.😀", "x".repeat(240), "with space = and \"quotes\""};
            for (String name : special) {
                c.counter(name);
            }
            for (int i = 0; i < 400; i++) { // 404 of 1024 index entries: collisions and probing
                c.counter("counter." + i);
            }
            long[] values = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE};
            for (Counter counter : c.counters()) {
                counter.set(counter.id() < values.length ? values[counter.id()] : counter.id() * 1_000_003L);
                expected.add(counter.id() + "\t" + counter.name() + "\t" + counter.get());
            }
        }
        Path script = Path.of(FormatTest.class.getResource("read_counters.py").toURI());
        assertEquals(expected, Python.run(Duration.ofSeconds(60), script, path.toString()));
    }
}
