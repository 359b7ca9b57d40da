package io.mmap4j.bench;

import io.mmap4j.counters.Counters;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/** An mmap4j counters file of the default layout (1024 counters), new for a trial, in the trial files' directory. */
final class CountersFile implements Closeable {
    final Counters counters;
    private final Path directory;

    private CountersFile(Counters counters, Path directory) {
        this.counters = counters;
        this.directory = directory;
    }

    /** Creates the file (Counters.open creates it complete, then links it into place) and opens it. */
    static CountersFile create() throws IOException {
        Path directory = TrialFile.createDirectory("counters");
        return new CountersFile(Counters.open(directory.resolve("bench.counters")), directory);
    }

    @Override
    public void close() throws IOException {
        counters.close();
        TrialFile.deleteDirectory(directory);
    }
}
