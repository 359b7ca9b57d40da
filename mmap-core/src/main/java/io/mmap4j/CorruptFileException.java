package io.mmap4j;

import java.io.IOException;
import java.io.Serial;
import java.nio.file.Path;

/**
 * A file failed a check of its format: a wrong magic or version, a length or offset that
 * contradicts the header, a truncated region, a record that contradicts the rest. Each file format
 * built on this library reports its damage as a final subclass of this one, so a caller (a tool
 * that checks many files, say) can catch any of them in one place.
 *
 * <p>The message names the file, the byte offset and what is wrong there; most formats word it
 * {@code <file>: corrupt <format> at byte offset <offset>: <field> is <found>, expected <expected>}.
 * The library never repairs or resets such a file: it is left exactly as it was found.
 *
 * <p>The file is not serialized ({@link Path} is not serializable); the offset, field and problem are.
 */
public abstract class CorruptFileException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;
    private final String field;
    private final String problem;

    /**
     * Reports one bad field, in the common wording
     * {@code <file>: corrupt <format> at byte offset <offset>: <field> is <found>, expected <expected>}.
     *
     * @param file     the file
     * @param format   what the file should be, as the message names it (e.g. {@code store})
     * @param offset   the byte offset of the field in the file
     * @param field    the field's name, as the format document spells it
     * @param found    the value found, as text
     * @param expected what the format allows there, as text
     */
    protected CorruptFileException(Path file, String format, long offset, String field, String found,
                                   String expected) {
        this(file, offset, field, field + " is " + found + ", expected " + expected,
                file + ": corrupt " + format + " at byte offset " + offset + ": ");
    }

    /**
     * Reports a problem in a wording of the subclass's own; the message is {@code prefix + problem}.
     *
     * @param file    the file
     * @param offset  the byte offset in the file of the first bad byte or field
     * @param field   the bad field's name, as the format document spells it, or null when the problem
     *                is not one field
     * @param problem what is wrong there, without the file and offset
     * @param prefix  what the message says before the problem (the file and offset, in the
     *                format's wording)
     */
    protected CorruptFileException(Path file, long offset, String field, String problem, String prefix) {
        super(prefix + problem);
        this.file = file;
        this.offset = offset;
        this.field = field;
        this.problem = problem;
    }

    /**
     * The damaged file.
     *
     * @return the file, or null in a deserialized copy
     */
    public Path file() {
        return file;
    }

    /**
     * The byte offset of the bad field or the first bad byte.
     *
     * @return the offset, in bytes from the start of the file
     */
    public long offset() {
        return offset;
    }

    /**
     * The bad field's name, as the format document spells it.
     *
     * @return the field's name, or null when the problem is not one field (see {@link #problem()})
     */
    public String field() {
        return field;
    }

    /**
     * What is wrong, without the file and offset: the message's last part, for a list of problems.
     *
     * @return the problem, e.g. {@code magic is 0x1234, expected 0x4d4d}
     */
    public String problem() {
        return problem;
    }
}
