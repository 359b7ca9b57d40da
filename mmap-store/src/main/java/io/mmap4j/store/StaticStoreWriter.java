package io.mmap4j.store;

import static io.mmap4j.store.StaticFormat.ALIGNED_VALUE_MIN;
import static io.mmap4j.store.StaticFormat.DATA_OFFSET;
import static io.mmap4j.store.StaticFormat.KEY_LENGTH;
import static io.mmap4j.store.StaticFormat.PAGE;
import static io.mmap4j.store.StaticFormat.RECORD_ALIGNMENT;
import static io.mmap4j.store.StaticFormat.RECORD_CRC;
import static io.mmap4j.store.StaticFormat.RECORD_HEADER_BYTES;
import static io.mmap4j.store.StaticFormat.SLOT_BYTES;
import static io.mmap4j.store.StaticFormat.SLOT_LONG;
import static io.mmap4j.store.StaticFormat.VALUE_LENGTH;
import static io.mmap4j.store.StaticFormat.roundUp;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import io.mmap4j.MMap;
import io.mmap4j.internal.TempFiles;
import io.mmap4j.store.StaticStore.WriterOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32C;

/** {@link StaticStore.Writer}: see its description for the contract. */
final class StaticStoreWriter implements StaticStore.Writer {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final SecureRandom SEEDS = new SecureRandom();
    /** A temporary file older than this, whose writer is not running, is left over from a crash. */
    private static final Duration STALE_AFTER = Duration.ofMinutes(1);
    /** The kind in the temporary names of static stores ({@link TempFiles}). */
    static final String TEMP_KIND = "static";
    private static final FileAttribute<?> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private final Path target;
    private final WriterOptions options;
    private final long seed;
    private final Xxh3 keyHash;
    private final Resources resources;
    private final Cleaner.Cleanable cleanable;
    private final StaticOutput out;
    /** For streamed values: the first 64 KiB, to learn whether the value is page-aligned. */
    private byte[] streamBuffer;
    private long keyBytes;
    private long valueBytes;
    private long largestValue;
    private State state = State.OPEN;
    private Throwable failure;

    private enum State { OPEN, FAILED, DONE }

    /**
     * What must be released however the writer ends, and nothing that refers to the writer, so that
     * the cleaner can run it once the writer is unreachable: an abandoned writer deletes its file.
     */
    private record Resources(FileChannel channel, Path temp, StaticIndexBuilder index) implements Runnable {
        @Override
        public void run() {
            try {
                channel.close();
                Files.deleteIfExists(temp); // gone already once published: renamed
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                index.close();
            }
        }
    }

    private StaticStoreWriter(Path target, WriterOptions options, Path temp, FileChannel channel) {
        this.target = target;
        this.options = options;
        this.seed = options.seed().orElseGet(SEEDS::nextLong);
        this.keyHash = new Xxh3(seed);
        this.resources = new Resources(channel, temp, new StaticIndexBuilder());
        this.cleanable = CLEANER.register(this, resources);
        this.out = new StaticOutput(channel, DATA_OFFSET);
    }

    static StaticStoreWriter create(Path target, WriterOptions options) throws IOException {
        if (Files.isDirectory(target)) {
            throw new FileSystemException(target.toString(), null, "is a directory, not a place for a static store");
        }
        Path dir = target.toAbsolutePath().getParent();
        TempFiles.deleteAbandoned(target, TEMP_KIND, STALE_AFTER);
        Path temp = TempFiles.newPath(target, TEMP_KIND);
        FileAttribute<?>[] attributes = dir.getFileSystem().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {OWNER_ONLY} : new FileAttribute<?>[0];
        FileChannel channel = FileChannel.open(temp, Set.of(CREATE_NEW, READ, WRITE), attributes);
        return new StaticStoreWriter(target, options, temp, channel);
    }

    // ---------------------------------------------------------------------------------------------
    // Puts

    @Override
    public StaticStore.Writer put(byte[] key, byte[] value) throws IOException {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        return put(MemorySegment.ofArray(key), MemorySegment.ofArray(value));
    }

    @Override
    public StaticStore.Writer put(String key, byte[] value) throws IOException {
        return put(Objects.requireNonNull(key, "key").getBytes(UTF_8), value);
    }

    @Override
    public StaticStore.Writer put(MemorySegment key, MemorySegment value) throws IOException {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        checkPut(key.byteSize());
        try {
            long record = startRecord(key, value.byteSize());
            out.append(value, 0, value.byteSize(), true);
            endRecord(record, key, value.byteSize());
        } catch (IOException | RuntimeException | Error e) {
            fail(e);
            throw e;
        }
        return this;
    }

    @Override
    public StaticStore.Writer put(byte[] key, InputStream value) throws IOException {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        checkPut(key.length);
        MemorySegment keySegment = MemorySegment.ofArray(key);
        try {
            if (streamBuffer == null) {
                streamBuffer = new byte[ALIGNED_VALUE_MIN];
            }
            int head = value.readNBytes(streamBuffer, 0, streamBuffer.length);
            if (head < streamBuffer.length) { // the whole value, and too short to be page-aligned
                long record = startRecord(keySegment, head);
                out.append(streamBuffer, 0, head, true);
                endRecord(record, keySegment, head);
                return this;
            }
            // At least 64 KiB: page-aligned, its length known only at the end, then written into the header.
            long record = startRecord(keySegment, Long.MAX_VALUE);
            long length = 0;
            for (int n = head; n > 0; n = value.readNBytes(streamBuffer, 0, streamBuffer.length)) {
                out.append(streamBuffer, 0, n, true);
                length += n;
            }
            out.patchLong(record + VALUE_LENGTH, length);
            endRecord(record, keySegment, length);
        } catch (IOException | RuntimeException | Error e) {
            fail(e);
            throw e;
        }
        return this;
    }

    @Override
    public <V> StaticStore.Writer put(String key, V value, Codec<V> codec) throws IOException {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        return put(key, Objects.requireNonNull(codec, "codec").encode(value));
    }

    @Override
    public <K, V> StaticStore.Writer putAll(Map<? extends K, ? extends V> entries, Codec<K> keys, Codec<V> values)
            throws IOException {
        Objects.requireNonNull(entries, "entries");
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(values, "values");
        for (Map.Entry<? extends K, ? extends V> entry : entries.entrySet()) {
            put(keys.encode(entry.getKey()), values.encode(entry.getValue()));
        }
        return this;
    }

    /**
     * Writes a record's header and key, and the padding before a page-aligned value; returns the
     * record's offset. The CRC is patched by {@link #endRecord}, a streamed value's length too.
     */
    private long startRecord(MemorySegment key, long valueLength) throws IOException {
        long record = out.position();
        out.resetSum();
        out.appendInt((int) key.byteSize());
        out.appendInt(0); // the CRC, once the value is written
        out.appendLong(valueLength);
        out.append(key, 0, key.byteSize(), true);
        if (valueLength >= ALIGNED_VALUE_MIN) {
            out.padTo(PAGE);
        }
        return record;
    }

    private void endRecord(long record, MemorySegment key, long valueLength) throws IOException {
        out.patchInt(record + RECORD_CRC, out.sum());
        out.padTo(RECORD_ALIGNMENT);
        resources.index().add(keyHash.hash(key, 0, key.byteSize()), record);
        keyBytes += key.byteSize();
        valueBytes += valueLength;
        largestValue = Math.max(largestValue, valueLength);
    }

    private void checkPut(long keyLength) {
        checkUsable();
        StaticStore.checkKeyLength(keyLength);
    }

    private void checkUsable() {
        switch (state) {
            case OPEN -> {
            }
            case FAILED -> throw new IllegalStateException("the writer of " + target + " failed earlier and can only be"
                    + " closed (which publishes nothing): " + failure, failure);
            case DONE -> throw new IllegalStateException("the writer of " + target + " is closed");
        }
    }

    private void fail(Throwable e) {
        state = State.FAILED;
        failure = e;
    }

    @Override
    public long records() {
        return resources.index().count();
    }

    @Override
    public Path path() {
        return target;
    }

    // ---------------------------------------------------------------------------------------------
    // Ending

    @Override
    public void abort() throws IOException {
        if (state == State.DONE) {
            return;
        }
        state = State.DONE;
        release();
    }

    @Override
    public void close() throws IOException {
        switch (state) {
            case DONE -> {
                return;
            }
            case FAILED -> {
                state = State.DONE;
                IOException e = new IOException("the store " + target + " was not published: a put failed", failure);
                try {
                    release();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            case OPEN -> {
            }
        }
        state = State.DONE;
        try {
            publish();
        } catch (IOException | RuntimeException | Error e) {
            try {
                release();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        release();
    }

    private void publish() throws IOException {
        out.flush();
        long dataEnd = out.position();
        long indexOffset = roundUp(dataEnd, PAGE);
        StaticIndexBuilder index = resources.index();
        long slots = StaticFormat.slotsFor(index.count(), options.loadFactor());
        FileChannel channel = resources.channel();
        try (MMap indexMap = MMap.open(resources.temp(), indexOffset, slots * SLOT_BYTES, READ, WRITE)) {
            MemorySegment slotsSegment = indexMap.segment();
            long fingerprintMask = StaticFormat.fingerprintMask(dataEnd);
            StaticIndexBuilder.Result built = index.build(slotsSegment, slots, fingerprintMask, this::sameKey);
            if (built.replaced().length > 0) {
                recountReplaced(built.replaced(), slotsSegment, slots, fingerprintMask);
            }
            StaticHeader header = new StaticHeader(seed, built.entries(), index.count(), dataEnd, indexOffset, slots,
                    indexOffset + slots * SLOT_BYTES, keyBytes, valueBytes, largestValue, built.maxDisplacement(),
                    ALIGNED_VALUE_MIN, crc32c(slotsSegment));
            ByteBuffer page = header.encode();
            while (page.hasRemaining()) {
                channel.write(page, page.position());
            }
            if (options.force()) {
                indexMap.force(); // msync of the index, then fsync: the records and the header too
            }
        }
        channel.close();
        try {
            Files.move(resources.temp(), target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw (IOException) new FileSystemException(resources.temp().toString(), target.toString(),
                    "cannot publish the store: this file system cannot rename atomically").initCause(e);
        }
        if (options.force()) {
            TempFiles.syncDirectory(target.toAbsolutePath().getParent());
        }
    }

    /** Whether the records at two offsets hold the same key: read back from the file (equal fingerprints only). */
    private boolean sameKey(long record, long otherRecord) throws IOException {
        int length = out.readInt(record + KEY_LENGTH);
        return length == out.readInt(otherRecord + KEY_LENGTH)
                && Arrays.equals(out.read(record + RECORD_HEADER_BYTES, length), out.read(otherRecord + RECORD_HEADER_BYTES, length));
    }

    /** Takes the records that later puts replaced out of the totals, and finds the largest value again. */
    private void recountReplaced(long[] replaced, MemorySegment index, long slots, long fingerprintMask) throws IOException {
        for (long record : replaced) {
            keyBytes -= out.readInt(record + KEY_LENGTH);
            valueBytes -= out.readLong(record + VALUE_LENGTH);
        }
        largestValue = 0;
        for (long slot = 0; slot < slots; slot++) {
            long record = StaticFormat.record(index.get(SLOT_LONG, slot * SLOT_BYTES), fingerprintMask);
            if (record != 0) {
                largestValue = Math.max(largestValue, out.readLong(record + VALUE_LENGTH));
            }
        }
    }

    private static int crc32c(MemorySegment segment) {
        CRC32C crc = new CRC32C();
        for (long at = 0; at < segment.byteSize(); at += StaticFormat.BUFFER_LIMIT) {
            crc.update(segment.asSlice(at, Math.min(StaticFormat.BUFFER_LIMIT, segment.byteSize() - at)).asByteBuffer());
        }
        return (int) crc.getValue();
    }

    /** Closes the channel, deletes the temporary file if it is still there, frees the native memory. */
    private void release() throws IOException {
        try {
            cleanable.clean();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public String toString() {
        return "StaticStore.Writer[" + target + ", " + records() + " records, " + state.name().toLowerCase() + "]";
    }
}
