package io.mmap4j.cache;

import static io.mmap4j.cache.CacheFormat.BUCKET_DEPTH;
import static io.mmap4j.cache.CacheFormat.COPY_HEADER_BYTES;
import static io.mmap4j.cache.CacheFormat.ENTRY_BYTES;
import static io.mmap4j.cache.CacheFormat.FOOTER_BYTES;
import static io.mmap4j.cache.CacheFormat.HEADER_BYTES;
import static io.mmap4j.cache.CacheFormat.MAX_DATA_UNITS;
import static io.mmap4j.cache.CacheFormat.MAX_SEGMENT_ENTRIES;
import static io.mmap4j.cache.CacheFormat.PAGE;
import static io.mmap4j.cache.CacheFormat.UNIT;
import static io.mmap4j.cache.CacheFormat.roundUp;

/**
 * Where everything is in a volume of a given size, and how big the directory is: the sizing
 * arithmetic of {@code docs/cache-volume-format.md}, "Sizing".
 *
 * @param volumeBytes       the file's length
 * @param averageObject     the average object size the directory was sized for
 * @param segments          directory segments
 * @param bucketsPerSegment buckets in each segment
 * @param copyBytes         the bytes of one directory copy, a multiple of a page
 * @param dataOffset        where the data region starts
 * @param dataBytes         the data region's length, a multiple of 512
 */
record VolumeGeometry(long volumeBytes, int averageObject, int segments, int bucketsPerSegment, long copyBytes,
                      long dataOffset, long dataBytes) {
    /** The smallest volume: a header, two small directories and 1 MiB of data. */
    static final long MIN_VOLUME_BYTES = 2L << 20;
    static final int MIN_AVERAGE_OBJECT = UNIT;
    static final int MAX_AVERAGE_OBJECT = 1 << 30;

    /**
     * Sizes a new volume: about one directory entry per {@code averageObject} bytes of data, in
     * buckets of four, in as few segments of at most 65,536 entries as hold them.
     */
    static VolumeGeometry of(long volumeBytes, int averageObject) {
        if (volumeBytes < MIN_VOLUME_BYTES) {
            throw new IllegalArgumentException("volume size " + volumeBytes + " is below the minimum of "
                    + MIN_VOLUME_BYTES + " bytes");
        }
        if (averageObject < MIN_AVERAGE_OBJECT || averageObject > MAX_AVERAGE_OBJECT) {
            throw new IllegalArgumentException("average object size " + averageObject + " is outside ["
                    + MIN_AVERAGE_OBJECT + ", " + MAX_AVERAGE_OBJECT + "]");
        }
        // Each object costs its bytes of data and an entry in each of the two copies.
        long wanted = Math.max(BUCKET_DEPTH, (volumeBytes - HEADER_BYTES) / (averageObject + 2L * ENTRY_BYTES));
        long buckets = (wanted + BUCKET_DEPTH - 1) / BUCKET_DEPTH;
        long maxBuckets = MAX_SEGMENT_ENTRIES / BUCKET_DEPTH;
        long segments = (buckets + maxBuckets - 1) / maxBuckets;
        if (segments > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("volume size " + volumeBytes + " with average object size "
                    + averageObject + " needs " + segments + " directory segments, more than " + Integer.MAX_VALUE);
        }
        long bucketsPerSegment = (buckets + segments - 1) / segments;
        long entries = segments * bucketsPerSegment * BUCKET_DEPTH;
        long copyBytes = roundUp(COPY_HEADER_BYTES + entries * ENTRY_BYTES + FOOTER_BYTES, PAGE);
        long dataOffset = HEADER_BYTES + 2 * copyBytes;
        long dataBytes = (volumeBytes - dataOffset) / UNIT * UNIT;
        if (dataBytes < MIN_VOLUME_BYTES / 2) {
            throw new IllegalArgumentException("volume size " + volumeBytes + " leaves " + dataBytes
                    + " bytes of data after a directory for average objects of " + averageObject
                    + " bytes; at least " + MIN_VOLUME_BYTES / 2 + " are needed (a larger average object size"
                    + " makes the directory smaller)");
        }
        if (dataBytes / UNIT > MAX_DATA_UNITS) {
            throw new IllegalArgumentException("volume size " + volumeBytes + " is over the limit of "
                    + (MAX_DATA_UNITS * UNIT + dataOffset) + " bytes (40-bit offsets in 512-byte units)");
        }
        return new VolumeGeometry(volumeBytes, averageObject, (int) segments, (int) bucketsPerSegment, copyBytes,
                dataOffset, dataBytes);
    }

    long entries() {
        return (long) segments * bucketsPerSegment * BUCKET_DEPTH;
    }

    int entriesPerSegment() {
        return bucketsPerSegment * BUCKET_DEPTH;
    }

    long copyOffset(int copy) {
        return HEADER_BYTES + copy * copyBytes;
    }

    long footerOffset(int copy) {
        return copyOffset(copy) + COPY_HEADER_BYTES + entries() * ENTRY_BYTES;
    }

    /** The file offset of the data at ring position {@code linear}. */
    long fileOffset(long linear) {
        return dataOffset + Math.floorMod(linear, dataBytes);
    }
}
