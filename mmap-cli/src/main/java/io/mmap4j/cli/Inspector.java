package io.mmap4j.cli;

import java.io.IOException;
import java.util.regex.Pattern;

/**
 * A file open for {@code stat}: read-only, sampled again and again while other processes write it.
 * Closing it unmaps the file.
 */
interface Inspector extends AutoCloseable {
    /**
     * Reads the file's figures and rows now.
     *
     * @param filter the rows to keep, those whose name holds a match; null for every row (and always
     *               null for a file without rows)
     * @return what the file holds now
     * @throws IOException if the file is damaged
     */
    Sample sample(Pattern filter) throws IOException;

    /** Unmaps the file. */
    @Override
    void close();
}
