package io.mmap4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The base of every format's "corrupt file" exception: its wordings, accessors and serialized form. */
class CorruptFileExceptionTest {
    private static final Path FILE = Path.of("/data/x.bin");

    /** A format that uses the common wording. */
    static final class CommonWording extends CorruptFileException {
        @Serial
        private static final long serialVersionUID = 1L;

        CommonWording(long offset, String field, String found, String expected) {
            super(FILE, "widget file", offset, field, found, expected);
        }
    }

    /** A format with a wording of its own and no field. */
    static final class OwnWording extends CorruptFileException {
        @Serial
        private static final long serialVersionUID = 1L;

        OwnWording(long offset, String problem) {
            super(FILE, offset, null, problem, "widget at " + offset + " -> ");
        }
    }

    @Test
    void commonWordingNamesFileFormatOffsetFieldFoundAndExpected() {
        CorruptFileException e = new CommonWording(16, "version", "7", "1 or 2");
        assertEquals("/data/x.bin: corrupt widget file at byte offset 16: version is 7, expected 1 or 2",
                e.getMessage());
        assertSame(FILE, e.file());
        assertEquals(16, e.offset());
        assertEquals("version", e.field());
        assertEquals("version is 7, expected 1 or 2", e.problem());
        assertInstanceOf(IOException.class, e);
    }

    @Test
    void ownWordingIsPrefixThenProblem() {
        CorruptFileException e = new OwnWording(4096, "record 3 names itself twice");
        assertEquals("widget at 4096 -> record 3 names itself twice", e.getMessage());
        assertNull(e.field());
        assertEquals("record 3 names itself twice", e.problem());
        assertEquals(4096, e.offset());
    }

    @Test
    void serializedCopyKeepsMessageOffsetFieldAndProblemButNotTheFile() throws Exception {
        CorruptFileException e = new CommonWording(8, "magic", "0x0", "0x4d4d");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(e);
        }
        CorruptFileException copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (CorruptFileException) in.readObject();
        }
        assertEquals(e.getMessage(), copy.getMessage());
        assertEquals(8, copy.offset());
        assertEquals("magic", copy.field());
        assertEquals("magic is 0x0, expected 0x4d4d", copy.problem());
        assertNull(copy.file());
    }
}
