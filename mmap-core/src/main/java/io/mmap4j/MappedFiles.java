package io.mmap4j;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnmappableCharacterException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The {@link Files} methods for reading and writing whole files and streams, on memory-mapped
 * files: same arguments, same options, same results, same exceptions, at the speed of memory.
 * Replace {@code Files.lines(path)} with {@code MappedFiles.lines(path)} and nothing else changes.
 *
 * <pre>{@code
 * try (Stream<String> lines = MappedFiles.lines(access_log)) {       // lazy; unmapped at close
 *     long errors = lines.filter(l -> l.contains(" 500 ")).count();
 * }
 * MappedFiles.write(copy, MappedFiles.readAllBytes(path));
 * }</pre>
 *
 * <h2>What is the same as {@code Files}</h2>
 * The options and their defaults ({@code newOutputStream} and {@code write} create, truncate and
 * write unless told otherwise; {@code APPEND} writes at the end), the bytes and the lines read
 * (a line ends at {@code "\n"}, {@code "\r\n"} or a lone {@code '\r'}), the file left behind (a
 * written file ends at its last byte; a new file gets the permissions {@code Files} gives it, not
 * {@link MMap}'s owner-only default), and the exceptions: {@link java.nio.file.NoSuchFileException}
 * for a missing file, {@link java.nio.file.FileAlreadyExistsException} for {@code CREATE_NEW},
 * {@link java.nio.charset.MalformedInputException} for text that is not valid in its charset,
 * {@link UnmappableCharacterException} (or, as {@code Files} has it, {@code MalformedInputException})
 * for text its charset cannot encode, the
 * same {@link IllegalArgumentException}s and {@link UnsupportedOperationException}s for options
 * that do not go together, and {@link java.nio.channels.ClosedChannelException} after close.
 * {@link MapOption}s may be passed along ({@code POPULATE} reads the file in at once).
 *
 * <h2>What differs, and why</h2>
 * <ul>
 * <li>A directory opened for reading fails at once with {@code IOException("Is a directory")},
 *     where {@code Files.newInputStream}, {@code newByteChannel} and {@code lines} open it and fail
 *     with that exception (in {@code lines}, wrapped in an {@link UncheckedIOException}) on the
 *     first read. A mapping needs a regular file; failing early is the same failure, sooner.</li>
 * <li>Mapping needs read permission even to write, so a file its owner may write but not read
 *     cannot be opened for writing.</li>
 * <li>{@code APPEND} writes at the end of the file as this stream or channel sees it, not
 *     atomically at the end as other processes append to it ({@code O_APPEND}).</li>
 * <li>While a stream or channel writes past the end (so also during {@code write} and
 *     {@code writeString}), with any options, the file grows in
 *     {@link MMap#grow()}'s steps and holds zeros from the last byte written up to the step (10
 *     bytes written to a new file: 4096 bytes on disk) until close cuts them off. Other processes
 *     see that size and those zeros meanwhile, and a crash or kill before close leaves them in the
 *     file, where {@code Files} would leave exactly the bytes written. With {@code SYNC} or
 *     {@code DSYNC} every write is also forced to the device ({@code msync}) before it returns.</li>
 * <li>{@code DELETE_ON_CLOSE} deletes the file when the stream or channel is closed, where the
 *     JDK unlinks it right after opening it: the file is visible, and can be opened by name, while
 *     it is in use, and a crash or kill before close leaves it behind.</li>
 * <li>A stream, channel or {@code lines} reads the file as it was when opened: bytes another
 *     process appends later are not read, where {@code Files}' streams read to the file's end as
 *     it is at each read. A file cut short by another process while it is read makes the next
 *     read past the cut throw an {@link IOException} ("a fault at position ... the file was cut
 *     short by another party while mapped"; in {@code lines}, an {@link UncheckedIOException}
 *     around it), where {@code Files} reads to the new end; the JVM's own report of the fault, an
 *     {@link InternalError}, is its cause.</li>
 * <li>A write to a file system that has run out of space faults when it touches a new page of
 *     the file: an {@link IOException} of the same kind, where {@code Files} throws one saying
 *     "No space left on device". The JVM carries on.</li>
 * <li>A file a map cannot show is read as {@code Files} reads it, through {@code Files}' own
 *     stream, with the same answers: a FIFO or device (opening a FIFO to read waits for a writer,
 *     as with {@code Files}), and a file that reports 0 bytes but reads more (under {@code /proc}
 *     and {@code /sys}), for {@code newInputStream}, {@code readAllBytes}, {@code readString},
 *     {@code readAllLines} and {@code lines}. {@code newByteChannel}, which returns a
 *     {@link MappedChannel}, and the writing methods refuse such a file with a
 *     {@link java.nio.file.FileSystemException} saying so (writing to a FIFO at once, where
 *     {@code Files} waits for a reader). Telling an empty file from a {@code /proc} file costs
 *     one {@code pread} of a byte when a file opened to read is empty.</li>
 * </ul>
 *
 * <h2>Memory and cost</h2>
 * Opening costs as {@link MMap#open(Path, OpenOption...)} (an {@code open}, a {@code stat}, a few
 * {@code fstat}s and an {@code mmap}) and, for reading, a {@code stat} to refuse a directory.
 * Streams, channels and {@link #lines} copy only what is asked for from the mapped memory, so a
 * file larger than the heap streams through it; {@link #readAllBytes}, {@link #readString} and {@link #readAllLines}
 * hold the whole file on the heap, as their {@code Files} namesakes do. A written file grows by
 * {@link MMap#grow()}'s steps (doubling up to 64 MiB, then 64 MiB at a time), each an
 * {@code ftruncate} and an {@code mmap}.
 *
 * <p>Each step maps the file anew at its new size and keeps the older mappings until close, so
 * writing a file of S MiB takes virtual address space (not memory: the pages are the page
 * cache's) of about the sum of the sizes it passed through: 128 MiB for the doublings, then
 * 128 + 192 + ... + S, about S&sup2;/128 MiB. Writing 1 GiB reserves about 8 GiB of address space,
 * 10 GiB about 800 GiB, and near 128 GiB the 128 TiB of a Linux x86-64 process run out. To write
 * a file of many GiB, map it once at its final size ({@code MMap.open(path, size, CREATE, WRITE)})
 * and write through that map or its {@link MMap#channel()}, which then never grows; or, when the
 * size is not known, use {@code Files.newOutputStream}. {@link MapOption#AUTO_UNMAP} lets the
 * garbage collector release the older mappings instead, when it gets to them.
 */
public final class MappedFiles {
    private static final FileAttribute<?>[] NO_ATTRIBUTES = {};

    private MappedFiles() {}

    /**
     * Opens a file to read as a stream, as {@link Files#newInputStream}. The stream reads straight
     * from the mapped memory and unmaps the file when closed.
     *
     * @param path    the file to read
     * @param options {@code READ} (the default), {@code NOFOLLOW_LINKS}, {@code DELETE_ON_CLOSE},
     *                {@link MapOption}s; creation and sync options are ignored, as for reading
     * @return a stream at the start of the file; closing it unmaps the file
     * @throws UnsupportedOperationException if {@code options} contains {@code WRITE} or {@code APPEND}
     * @throws java.nio.file.NoSuchFileException if the file does not exist
     * @throws IOException                   if the file is a directory, or cannot be opened or mapped
     */
    public static InputStream newInputStream(Path path, OpenOption... options) throws IOException {
        for (OpenOption option : options) {
            if (option == APPEND || option == WRITE) {
                throw new UnsupportedOperationException("'" + option + "' not allowed");
            }
        }
        Set<OpenOption> set = new HashSet<>(Arrays.asList(options));
        MappedChannel channel = openToRead(path, set);
        return channel != null ? new MappedInputStream(channel) : Files.newInputStream(path, forFiles(set));
    }

    /**
     * Opens or creates a file to write as a stream, as {@link Files#newOutputStream}: without
     * options, {@code CREATE}, {@code TRUNCATE_EXISTING} and {@code WRITE}; with options,
     * {@code WRITE} and those given. Writes go straight to the mapped memory; the file grows in
     * steps as it is written, and ends at the last byte written when the stream is closed.
     *
     * @param path    the file to write
     * @param options as for {@link Files#newOutputStream}, plus {@link MapOption}s
     * @return a stream at the start of the file, or at its end with {@code APPEND}; closing it
     *         unmaps the file
     * @throws IllegalArgumentException if {@code options} contains {@code READ}, or both
     *                                  {@code APPEND} and {@code TRUNCATE_EXISTING}
     * @throws java.nio.file.NoSuchFileException        if the file (or its directory) does not exist and is not to be created
     * @throws java.nio.file.FileAlreadyExistsException if {@code CREATE_NEW} is given and the file exists
     * @throws IOException                              if the file cannot be opened or mapped
     */
    public static OutputStream newOutputStream(Path path, OpenOption... options) throws IOException {
        Set<OpenOption> set = new HashSet<>();
        if (options.length == 0) {
            set.add(CREATE);
            set.add(TRUNCATE_EXISTING);
        }
        for (OpenOption option : options) {
            if (option == READ) {
                throw new IllegalArgumentException("READ not allowed");
            }
            set.add(option);
        }
        set.add(WRITE);
        return new MappedOutputStream(open(path, set, NO_ATTRIBUTES));
    }

    /**
     * Opens or creates a file as a seekable channel, as {@link Files#newByteChannel(Path, OpenOption...)}:
     * for reading unless {@code WRITE} or {@code APPEND} is given. The channel also reads lines,
     * seeks from the end, and gives its map for search ({@link MappedChannel#map()}).
     *
     * @param path    the file
     * @param options as for {@link Files#newByteChannel(Path, OpenOption...)}, plus {@link MapOption}s
     * @return a channel at position 0 (at the end with {@code APPEND}); closing it unmaps the file
     * @throws IllegalArgumentException                 if {@code options} contains both {@code READ} and
     *                                                  {@code APPEND}, or both {@code APPEND} and
     *                                                  {@code TRUNCATE_EXISTING}
     * @throws UnsupportedOperationException            if {@code options} holds an option that is not a
     *                                                  {@link java.nio.file.StandardOpenOption},
     *                                                  {@code NOFOLLOW_LINKS} or a {@link MapOption}
     * @throws java.nio.file.NoSuchFileException        if the file does not exist and is not to be created
     * @throws java.nio.file.FileAlreadyExistsException if {@code CREATE_NEW} is given and the file exists
     * @throws IOException                              if the file is a directory opened for reading, or
     *                                                  cannot be opened or mapped
     * @see #newByteChannel(Path, Set, FileAttribute[])
     */
    public static MappedChannel newByteChannel(Path path, OpenOption... options) throws IOException {
        return open(path, new HashSet<>(Arrays.asList(options)), NO_ATTRIBUTES);
    }

    /**
     * Opens or creates a file as a seekable channel, as
     * {@link Files#newByteChannel(Path, Set, FileAttribute[])}: {@code attributes} apply to a file
     * it creates. The channel unmaps the file when closed.
     *
     * @param path       the file
     * @param options    as for {@link Files#newByteChannel(Path, Set, FileAttribute[])}, plus
     *                   {@link MapOption}s
     * @param attributes attributes for a file this call creates; without any, a new file gets the
     *                   permissions {@code Files} gives it ({@code rw-rw-rw-} less the umask)
     * @return a channel at position 0 (at the end with {@code APPEND})
     * @throws IllegalArgumentException                 if {@code options} contains both {@code READ} and
     *                                                  {@code APPEND}, or both {@code APPEND} and
     *                                                  {@code TRUNCATE_EXISTING}
     * @throws UnsupportedOperationException            if {@code options} holds an option that is not a
     *                                                  {@link java.nio.file.StandardOpenOption},
     *                                                  {@code NOFOLLOW_LINKS} or a {@link MapOption}
     * @throws java.nio.file.NoSuchFileException        if the file does not exist and is not to be created
     * @throws java.nio.file.FileAlreadyExistsException if {@code CREATE_NEW} is given and the file exists
     * @throws IOException                              if the file is a directory opened for reading, or
     *                                                  cannot be opened or mapped
     */
    public static MappedChannel newByteChannel(Path path, Set<? extends OpenOption> options,
                                               FileAttribute<?>... attributes) throws IOException {
        return open(path, options, attributes);
    }

    /**
     * Reads a whole file, as {@link Files#readAllBytes}: one copy from the mapped memory.
     *
     * @param path the file
     * @return the file's bytes; the file is unmapped before this returns
     * @throws OutOfMemoryError                  if the file is larger than an array can be
     * @throws java.nio.file.NoSuchFileException if the file does not exist
     * @throws IOException                       if the file is a directory, or cannot be opened or mapped
     */
    public static byte[] readAllBytes(Path path) throws IOException {
        MappedChannel mapped = openToRead(path, Set.of(READ));
        if (mapped == null) {
            return Files.readAllBytes(path);
        }
        try (MappedChannel channel = mapped) {
            return channel.readNBytes(Integer.MAX_VALUE);
        }
    }

    /**
     * Reads a whole file as UTF-8 text, as {@link Files#readString(Path)}.
     *
     * @param path the file
     * @return the file's text
     * @throws java.nio.charset.CharacterCodingException if the file is not valid UTF-8
     * @throws java.nio.file.NoSuchFileException        if the file does not exist
     * @throws IOException                               if the file is a directory, or cannot be opened or mapped
     */
    public static String readString(Path path) throws IOException {
        return readString(path, StandardCharsets.UTF_8);
    }

    /**
     * Reads a whole file as text, as {@link Files#readString(Path, Charset)}.
     *
     * @param path    the file
     * @param charset the file's charset
     * @return the file's text
     * @throws java.nio.charset.CharacterCodingException if the file is not valid text in {@code charset}
     * @throws java.nio.file.NoSuchFileException        if the file does not exist
     * @throws IOException                               if the file is a directory, or cannot be opened or mapped
     */
    public static String readString(Path path, Charset charset) throws IOException {
        Objects.requireNonNull(charset, "charset");
        return LineDecoder.decodeWhole(readAllBytes(path), charset);
    }

    /**
     * Reads the lines of a UTF-8 file into a list, as {@link Files#readAllLines(Path)}.
     *
     * @param path the file
     * @return the lines without their terminators, in a modifiable list
     * @throws java.nio.charset.CharacterCodingException if the file is not valid UTF-8
     * @throws java.nio.file.NoSuchFileException        if the file does not exist
     * @throws IOException                               if the file is a directory, or cannot be opened or mapped
     */
    public static List<String> readAllLines(Path path) throws IOException {
        return readAllLines(path, StandardCharsets.UTF_8);
    }

    /**
     * Reads the lines of a file into a (modifiable) list, as {@link Files#readAllLines(Path, Charset)}.
     *
     * @param path    the file
     * @param charset the file's charset
     * @return the lines without their terminators
     * @throws java.nio.charset.CharacterCodingException if the file is not valid text in {@code charset}
     * @throws java.nio.file.NoSuchFileException        if the file does not exist
     * @throws IOException                               if the file is a directory, or cannot be opened or mapped
     */
    public static List<String> readAllLines(Path path, Charset charset) throws IOException {
        try (Stream<String> lines = lines(path, charset)) {
            List<String> result = new ArrayList<>();
            lines.forEachOrdered(result::add);
            return result;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * The lines of a UTF-8 file as a lazy stream, as {@link Files#lines(Path)}; see
     * {@link #lines(Path, Charset)}.
     *
     * @param path the file
     * @return the lines without their terminators; close the stream to unmap the file
     * @throws java.nio.file.NoSuchFileException if the file does not exist
     * @throws IOException                       if the file is a directory, or cannot be opened or mapped
     */
    public static Stream<String> lines(Path path) throws IOException {
        return lines(path, StandardCharsets.UTF_8);
    }

    /**
     * The lines of a file as a lazy stream, as {@link Files#lines(Path, Charset)}: each line is
     * found in the mapped memory and decoded when the stream reaches it, so only the current line
     * is on the heap, whatever the size of the file. Close the stream (try-with-resources) to
     * unmap the file. A bad byte sequence throws an {@link UncheckedIOException} around a
     * {@link java.nio.charset.CharacterCodingException} when the stream reaches its line. Splits
     * at line boundaries for parallel streams. In UTF-8, US-ASCII and other charsets in which
     * {@code '\n'} and {@code '\r'} are single bytes that mean nothing else, lines are found by
     * scanning bytes, eight at a time; other charsets (UTF-16) are decoded through a reader.
     *
     * @param path    the file
     * @param charset the file's charset
     * @return the lines without their terminators; close the stream to unmap the file
     * @throws java.nio.file.NoSuchFileException if the file does not exist
     * @throws IOException                       if the file is a directory, or cannot be opened or mapped
     */
    public static Stream<String> lines(Path path, Charset charset) throws IOException {
        Objects.requireNonNull(charset, "charset");
        MappedChannel channel = openToRead(path, Set.of(READ));
        if (channel == null) {
            // Not Files.lines: it opens the file once to read its size and, finding none, closes
            // it and opens it again, so a FIFO's writer can meet the first open, write and leave,
            // and its bytes go with the first descriptor; the second open then waits for ever.
            BufferedReader reader = Files.newBufferedReader(path, charset);
            return reader.lines().onClose(() -> closeUnchecked(reader));
        }
        try {
            if (LineDecoder.splitsOnBytes(charset)) {
                MMap map = channel.map();
                MemorySegment segment = map.segment();
                LineSpliterator lines = new LineSpliterator(map, segment, charset, 0, segment.byteSize());
                return StreamSupport.stream(lines, false).onClose(() -> closeUnchecked(channel));
            }
            BufferedReader reader = new BufferedReader(
                    new InputStreamReader(new MappedInputStream(channel), charset.newDecoder()));
            return reader.lines().onClose(() -> closeUnchecked(reader));
        } catch (RuntimeException | Error e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Writes bytes to a file, as {@link Files#write(Path, byte[], OpenOption...)}: without options,
     * creates the file or truncates it; the file ends at the last byte written.
     *
     * @param path    the file to write
     * @param bytes   the bytes to write
     * @param options as for {@link #newOutputStream}
     * @return {@code path}
     * @throws IllegalArgumentException if {@code options} contains {@code READ}, or both
     *                                  {@code APPEND} and {@code TRUNCATE_EXISTING}
     * @throws IOException              if the file cannot be opened, grown or mapped
     */
    public static Path write(Path path, byte[] bytes, OpenOption... options) throws IOException {
        Objects.requireNonNull(bytes, "bytes");
        return writeBytes(path, bytes, 0, bytes.length, options);
    }

    /**
     * Writes lines of text to a file, as {@link Files#write(Path, Iterable, Charset, OpenOption...)}:
     * each line followed by {@link System#lineSeparator()}, encoded in {@code charset} as they
     * are written, through an 8 KiB buffer, so the text is never all on the heap at once. A
     * {@code null} line is written as {@code "null"}, as {@link java.io.Writer#append} does.
     *
     * @param path    the file to write
     * @param lines   the lines, without terminators
     * @param charset the charset to encode them in
     * @param options as for {@link #newOutputStream}
     * @return {@code path}
     * @throws NullPointerException     if {@code lines} or {@code charset} is null; the file is not touched
     * @throws IllegalArgumentException if {@code options} contains {@code READ}, or both
     *                                  {@code APPEND} and {@code TRUNCATE_EXISTING}
     * @throws java.nio.charset.CharacterCodingException if a line cannot be encoded in
     *                                  {@code charset}; as with {@code Files}, the file has then been
     *                                  opened (created, truncated) and holds what was written of
     *                                  the text before the bad character
     * @throws IOException              if the file cannot be opened, grown or mapped
     */
    public static Path write(Path path, Iterable<? extends CharSequence> lines, Charset charset, OpenOption... options)
            throws IOException {
        Objects.requireNonNull(lines, "lines");
        Objects.requireNonNull(charset, "charset");
        CharsetEncoder encoder = charset.newEncoder(); // reports what cannot be encoded, as Files' does
        try (OutputStream out = newOutputStream(path, options);
             Writer writer = new BufferedWriter(new OutputStreamWriter(out, encoder))) {
            String separator = System.lineSeparator();
            for (CharSequence line : lines) {
                writer.append(line).append(separator);
            }
        }
        return path;
    }

    /**
     * Writes lines of text to a file in UTF-8, as {@link Files#write(Path, Iterable, OpenOption...)};
     * see {@link #write(Path, Iterable, Charset, OpenOption...)}.
     *
     * @param path    the file to write
     * @param lines   the lines, without terminators
     * @param options as for {@link #newOutputStream}
     * @return {@code path}
     * @throws NullPointerException     if {@code lines} is null; the file is not touched
     * @throws IllegalArgumentException if {@code options} contains {@code READ}, or both
     *                                  {@code APPEND} and {@code TRUNCATE_EXISTING}
     * @throws java.nio.charset.CharacterCodingException if a line is not valid UTF-16 (a lone
     *                                  surrogate); the file then holds what was encoded before
     * @throws IOException              if the file cannot be opened, grown or mapped
     */
    public static Path write(Path path, Iterable<? extends CharSequence> lines, OpenOption... options)
            throws IOException {
        return write(path, lines, StandardCharsets.UTF_8, options);
    }

    /**
     * Writes text to a file in UTF-8, as {@link Files#writeString(Path, CharSequence, OpenOption...)};
     * see {@link #writeString(Path, CharSequence, Charset, OpenOption...)}.
     *
     * @param path    the file to write
     * @param text    the text
     * @param options as for {@link #newOutputStream}
     * @return {@code path}
     * @throws NullPointerException     if {@code path} or {@code text} is null
     * @throws IllegalArgumentException if {@code options} contains {@code READ}, or both
     *                                  {@code APPEND} and {@code TRUNCATE_EXISTING}
     * @throws java.nio.charset.UnmappableCharacterException if {@code text} is not valid UTF-16 (a
     *                                  lone surrogate); the file is not touched
     * @throws IOException              if the file cannot be opened, grown or mapped
     */
    public static Path writeString(Path path, CharSequence text, OpenOption... options) throws IOException {
        return writeString(path, text, StandardCharsets.UTF_8, options);
    }

    /**
     * Writes text to a file, as {@link Files#writeString(Path, CharSequence, Charset, OpenOption...)}:
     * encodes all of it first, so that text that cannot be encoded leaves the file untouched, then
     * writes the bytes as {@link #write(Path, byte[], OpenOption...)}. Costs, as with {@code Files},
     * the encoded text on the heap, and one copy of it into the mapped memory.
     *
     * @param path    the file to write
     * @param text    the text
     * @param charset the charset to encode it in
     * @param options as for {@link #newOutputStream}
     * @return {@code path}
     * @throws NullPointerException     if {@code path}, {@code text} or {@code charset} is null
     * @throws IllegalArgumentException if {@code options} contains {@code READ}, or both
     *                                  {@code APPEND} and {@code TRUNCATE_EXISTING}
     * @throws java.nio.charset.CharacterCodingException if {@code text} cannot be encoded in
     *                                  {@code charset}, the same subtype {@code Files} throws; the
     *                                  file is not touched
     * @throws OutOfMemoryError         if the encoded text is larger than an array can be
     * @throws IOException              if the file cannot be opened, grown or mapped
     */
    public static Path writeString(Path path, CharSequence text, Charset charset, OpenOption... options)
            throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(charset, "charset");
        ByteBuffer bytes = encode(text, charset);
        // CharsetEncoder.encode always returns a heap buffer
        return writeBytes(path, bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining(), options);
    }

    /**
     * {@code text} in {@code charset}, failing as {@code Files.writeString} does: the JDK encodes
     * UTF-8 and ISO-8859-1 itself and reports every failure in them (a lone surrogate too, which
     * an encoder calls malformed) as an {@link UnmappableCharacterException} of length 1; other
     * charsets fail as their encoder does.
     */
    private static ByteBuffer encode(CharSequence text, Charset charset) throws CharacterCodingException {
        try {
            return charset.newEncoder().encode(CharBuffer.wrap(text.toString())); // toString: what Files encodes
        } catch (CharacterCodingException e) {
            if (charset.equals(StandardCharsets.UTF_8) || charset.equals(StandardCharsets.ISO_8859_1)) {
                throw new UnmappableCharacterException(1);
            }
            throw e;
        }
    }

    private static Path writeBytes(Path path, byte[] bytes, int offset, int length, OpenOption... options)
            throws IOException {
        try (OutputStream out = newOutputStream(path, options)) {
            out.write(bytes, offset, length);
        }
        return path;
    }

    /**
     * Opens a channel that owns its map, with options sorted by {@code Files}' rules. A file a map
     * cannot show is an {@link IOException} saying so: one that is not a regular file (a FIFO, a
     * device), or one that reports 0 bytes and holds more ({@code /proc}, {@code /sys}).
     */
    private static MappedChannel open(Path path, Set<? extends OpenOption> options, FileAttribute<?>[] attributes)
            throws IOException {
        MappedChannel channel = openIfMappable(path, options, attributes);
        if (channel == null) {
            throw new FileSystemException(path.toString(), null, "not a file a map can show (a FIFO, a device, or"
                    + " a file whose content is not in its size, as under /proc): use Files.newByteChannel");
        }
        return channel;
    }

    /**
     * As {@link #open} for reading, or null if a map cannot show the file, which is then to be read
     * as {@code Files} reads it, as a stream: the same answers, never a silent empty one.
     */
    private static MappedChannel openToRead(Path path, Set<? extends OpenOption> options) throws IOException {
        return openIfMappable(path, options, NO_ATTRIBUTES);
    }

    private static MappedChannel openIfMappable(Path path, Set<? extends OpenOption> options,
                                                FileAttribute<?>[] attributes) throws IOException {
        Objects.requireNonNull(path, "path");
        OpenSpec spec = OpenSpec.forFiles(options);
        BasicFileAttributes file = attributesIfExists(path, spec);
        if (file != null && file.isDirectory() && !spec.channel().write()) {
            // Opening a directory for reading succeeds; only mapping it fails, with ENODEV ("No
            // such device"), or not at all if it reports size 0. Say what the JDK says on read.
            throw new IOException("Is a directory");
        }
        if (file != null && file.isOther()) {
            return null; // opening a FIFO would block, and its size says nothing of its content
        }
        MMap map = MMap.openFile(path, spec, attributes);
        try {
            if (file != null && map.size() == 0 && spec.channel().read() && map.holdsMoreThanItsSize()) {
                map.close();
                return null;
            }
        } catch (IOException | RuntimeException e) {
            map.close();
            throw e;
        }
        return new MappedChannel(map, 0, spec.channel(), true);
    }

    /** The file's attributes, as the options say to follow links; null if there is no file. */
    private static BasicFileAttributes attributesIfExists(Path path, OpenSpec spec) throws IOException {
        try {
            return spec.channelOptions().contains(LinkOption.NOFOLLOW_LINKS)
                    ? Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    : Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return null; // to be created, or reported by the open as Files reports it
        }
    }

    /** The options without this library's own, for a {@code Files} method that reads what a map cannot show. */
    private static OpenOption[] forFiles(Set<OpenOption> options) {
        return options.stream().filter(option -> !(option instanceof MapOption)).toArray(OpenOption[]::new);
    }

    private static void closeUnchecked(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
