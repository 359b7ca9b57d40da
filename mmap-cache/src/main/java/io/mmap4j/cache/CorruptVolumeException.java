package io.mmap4j.cache;

import io.mmap4j.CorruptFileException;
import java.io.Serial;
import java.nio.file.Path;

/**
 * A file that is not a cache volume, or whose volume header fails a check, was refused by
 * {@link CacheVolume#open}. The message names the file, the byte offset, the field, the value found
 * and what was expected, worded {@code <file>: not a sound cache volume: at byte offset <offset>,
 * <field> is <found>, expected <expected>}. As with every {@link CorruptFileException}, the file is
 * left exactly as it was found.
 *
 * <p>Damage inside a volume (a directory copy, a record) is never an exception: it is what the
 * volume recovers from, reported by {@link CacheVolume#recovery()}, counted in
 * {@link CacheVolume.Stats#corruptDropped()}, and listed by {@link CacheVolume#verify(Path)}.
 */
public final class CorruptVolumeException extends CorruptFileException {
    @Serial
    private static final long serialVersionUID = 1L;

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
        // this format's message reads "not a sound cache volume: at byte offset N, F is X, expected Y"
        super(file, offset, field, field + " is " + found + ", expected " + expected,
                file + ": not a sound cache volume: at byte offset " + offset + ", ");
    }
}
