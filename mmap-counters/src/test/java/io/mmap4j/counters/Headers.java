package io.mmap4j.counters;

import io.mmap4j.MMap;
import java.io.IOException;
import java.nio.file.Path;

/** Reads header fields of a counters file directly, for tests that check what the API does not show. */
final class Headers {
    private Headers() {
    }

    /** The file's allocated count: ids handed out so far, published or not. */
    static long allocated(Path file) throws IOException {
        try (MMap raw = MMap.open(file)) {
            return raw.getLongVolatile(CountersFormat.Header.ALLOCATED.offset());
        }
    }
}
