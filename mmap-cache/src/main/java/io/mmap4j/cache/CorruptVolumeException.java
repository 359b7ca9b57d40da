package io.mmap4j.cache;

import java.io.IOException;
import java.io.Serial;
import java.nio.file.Path;

/**
 * A file that is not a cache volume, or whose volume header fails a check, was refused by
 * {@link CacheVolume#open}. The message names the file, the byte offset, the field, the value found
 * and what was expected. The file is left exactly as it was found.
 *
 * <p>Damage inside a volume (a directory copy, a record) is never an exception: it is what the
 * volume recovers from, reported by {@link CacheVolume#recovery()}, counted in
 * {@link CacheVolume.Stats#corruptDropped()}, and listed by {@link CacheVolume#verify(Path)}.
 */
public final class CorruptVolumeException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;
    private final String field;

    /**
     * Reports one bad field.
     *
     * @param file     the file
     * @param offset   the byte offset of the field in the file
     * @param field    the field's name, as {@code docs/cache-volume-format.md} spells it
     * @param found    the value found, as text
     * @param expected what the format allows there, as text
     */
    public CorruptVolumeException(Path file, long offset, String field, String found, String expected) {
        super(file + ": not a sound cache volume: at byte offset " + offset + ", " + field + " is " + found
                + ", expected " + expected);
        this.file = file;
        this.offset = offset;
        this.field = field;
    }

    /**
     * The file.
     *
     * @return the file, or null in a deserialized copy (the path is not serialized)
     */
    public Path file() {
        return file;
    }

    /**
     * The byte offset of the bad field.
     *
     * @return the offset, in bytes from the start of the file
     */
    public long offset() {
        return offset;
    }

    /**
     * The bad field's name, as the format document spells it.
     *
     * @return the field's name
     */
    public String field() {
        return field;
    }
}
