/**
 * Key-value stores in mapped files, shared by every process that opens them.
 *
 * <p>{@code StaticStore} is an immutable hash-indexed file, built once by a
 * streaming writer and mapped by any number of processes; {@code SharedMap} is a
 * persistent map that many processes read and write at once. Both take typed keys and values
 * through a {@link io.mmap4j.store.Codec}. Their file formats are specified byte by byte in
 * {@code docs/static-store-format.md} and {@code docs/shared-map-format.md}.
 */
module io.mmap4j.store {
    requires transitive io.mmap4j;

    exports io.mmap4j.store;
}
