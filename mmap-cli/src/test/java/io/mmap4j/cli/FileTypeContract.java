package io.mmap4j.cli;

import static io.mmap4j.cli.Run.NL;
import static io.mmap4j.cli.Run.TIMEOUT;
import static io.mmap4j.cli.Run.jar;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.cli.Run.Frame;
import io.mmap4j.testkit.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tool must do with every type of file, run as users run it: the jar this build
 * packaged, in a process of its own, its output compared with what the library reports of the same
 * file. One run per type is {@code java -jar mmap4j.jar} itself ({@link Run#jar}); the others run the
 * jar's classes in the one JVM the tests share ({@link Run#tool}), or, where only the words matter,
 * in this JVM ({@link Run#inProcess}), so that the suite does not pay a JVM start per run. A type's test is one subclass, its fixture: how to write a
 * fresh file, what the library reports of it, a writer that goes on using it from a child JVM, and
 * the damage its {@code verify} must name. The contract then checks:
 * <ul>
 * <li>a fresh file: {@code stat} prints the library's figures, as text and as JSON, {@code verify}
 *     finds nothing, exit status 0;</li>
 * <li>the file while a child JVM writes it: {@code stat --watch} follows it, {@code verify} finds
 *     nothing (no false problem from a live writer); once the writer is killed, {@code stat} prints
 *     exactly what the library reports;</li>
 * <li>each damage: {@code verify} prints every problem the library's {@code verify} reports, with
 *     its offset, names the damage, and exits 1; {@code stat} (run in this JVM: its process and exit
 *     status are the same code as verify's) prints its figures, or, where the library refuses to
 *     open the file, the library's reason in one line, exit 1;</li>
 * <li>a damaged magic: the file is not recognised, and {@code verify --type} checks it all the same.</li>
 * </ul>
 */
abstract class FileTypeContract {
    /** A title line of {@code stat}: time, then two spaces before the file. */
    static final String TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,3})?Z";

    @TempDir
    Path dir;

    /** The type under test. */
    abstract FileType type();

    /** Writes a fresh file of the type at {@code file}, with some content, and closes it. */
    abstract void writeFresh(Path file) throws Exception;

    /** The figures {@code stat} must print of {@code file}, label to text, from what the library reports. */
    abstract Map<String, String> figures(Path file) throws Exception;

    /** Checks the named items {@code stat} printed of {@code file} against the library's; nothing for types without any. */
    void assertItems(Path file, Frame frame) throws Exception {
        assertEquals(Map.of(), frame.rows(), "a " + type().label + " file has no named items");
    }

    /**
     * The main class of a child JVM that uses the file named by its one argument until killed,
     * writing it where the type can be written, and prints {@code writing} once it has begun: the
     * fixture's nested class {@code Writer}.
     */
    Class<?> writer() throws ClassNotFoundException {
        return Class.forName(getClass().getName() + "$Writer");
    }

    /** Checks the samples {@code stat --watch} printed while {@link #writer()} ran: that they moved. */
    abstract void assertFollowed(List<Frame> frames);

    /** The problems the library's {@code verify} reports of {@code file}, each printed as "at byte offset N: ...". */
    abstract List<?> libraryProblems(Path file) throws IOException;

    /** The message of the library's exception when it refuses to open {@code file}, or null if it opens it. */
    abstract String openFailure(Path file);

    /** The file whose first bytes name the store's type: the store's file, or, for a store that is a directory, the file in it that names it. */
    Path magicFile(Path store) {
        return store;
    }

    /** The damages {@code verify} must report, each done to a fresh file. */
    abstract List<Damage> damages();

    /**
     * One way to damage a file.
     *
     * @param name   what is done, for the test's name
     * @param damage does it to a fresh file
     * @param named  phrases that {@code verify}'s output must hold: the field, the value found
     */
    record Damage(String name, Damager damage, String... named) {
    }

    /** The format version, the {@code u32} at byte 8 of every mmap4j file, set to 2: {@code verify} must say so in {@code named}. */
    static Damage version2(String... named) {
        return version(2, named);
    }

    /** The format version, the {@code u32} at byte 8 of every mmap4j file, set to {@code version}, one this library does not read. */
    static Damage version(int version, String... named) {
        return new Damage("version " + version, file -> rewrite(file, b -> b.putInt(8, version)), named);
    }

    /** Damages a file in place. */
    @FunctionalInterface
    interface Damager {
        void damage(Path file) throws IOException;
    }

    /** Changes the bytes of {@code file}, little-endian, and writes them back. */
    static void rewrite(Path file, Consumer<ByteBuffer> change) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        change.accept(bytes);
        Files.write(file, bytes.array());
    }

    /** Cuts the last {@code bytes} bytes off {@code file}. */
    static void truncateBy(Path file, long bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() - bytes);
        }
    }

    /** The offset of the first occurrence of the ASCII {@code text} in {@code file}. */
    static int find(Path file, String text) throws IOException {
        int at = new String(Files.readAllBytes(file), ISO_8859_1).indexOf(text);
        assertTrue(at > 0, text + " is in " + file);
        return at;
    }

    /** One step of a child JVM's work on a store. */
    @FunctionalInterface
    interface Step {
        void run(int i) throws Exception;
    }

    /**
     * The body of a {@link #writer()}: prints {@code writing}, then runs {@code step} with 0, 1, 2,
     * ... until killed, resting a millisecond every {@code perRest} steps so that the tool gets a
     * share of the two cores.
     */
    static void untilKilled(int perRest, Step step) throws Exception {
        System.out.println("writing");
        for (int i = 0; ; i++) {
            step.run(i);
            if (i % perRest == 0) {
                Thread.sleep(1);
            }
        }
    }

    /** Checks each sample against the one before it. */
    static void eachAfterTheFirst(List<Frame> frames, BiConsumer<Map<String, String>, Map<String, String>> check) {
        for (int i = 1; i < frames.size(); i++) {
            check.accept(frames.get(i - 1).figures(), frames.get(i).figures());
        }
    }

    /** A figure as a whole number. */
    static long number(Map<String, String> figures, String label) {
        return Long.parseLong(figures.get(label));
    }

    /** A figure's rate per second. */
    static double rate(Map<String, String> figures, String label) {
        return Double.parseDouble(figures.get(label + " rate").replace("/s", ""));
    }

    /** An open of a file, or a read of its figures, that the library may refuse. */
    @FunctionalInterface
    interface Opening {
        void open() throws Exception;
    }

    /**
     * The message with which the library refuses a file, or null if {@code open} succeeds: the body
     * of each type's {@link #openFailure}. The refusal must be one of {@code expected} (an
     * {@link UncheckedIOException} is unwrapped first).
     */
    @SafeVarargs
    static String refusal(Opening open, Class<? extends Exception>... expected) {
        try {
            open.open();
            return null;
        } catch (Exception e) {
            Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
            assertTrue(Arrays.stream(expected).anyMatch(c -> c.isInstance(cause)), cause::toString);
            return cause.getMessage();
        }
    }

    /**
     * Figures as {@code stat} prints them, from label and value pairs: whole numbers as they are,
     * fractions with three decimals, text as it is.
     */
    static Map<String, String> figures(Object... labelsAndValues) {
        Map<String, String> figures = new LinkedHashMap<>();
        for (int i = 0; i < labelsAndValues.length; i += 2) {
            Object value = labelsAndValues[i + 1];
            figures.put((String) labelsAndValues[i], value instanceof Double d ? String.format(Locale.ROOT, "%.3f", d)
                    : value.toString());
        }
        return figures;
    }

    @BeforeAll
    static void theJarIsBuilt() {
        assertTrue(Files.isRegularFile(Run.JAR), Run.JAR + " is missing: run the package phase first");
    }

    private Path fresh(String name) throws Exception {
        Path file = dir.resolve(name + "." + type().label);
        writeFresh(file);
        return file;
    }

    /**
     * {@code stat} once, in this JVM, its rates over 50 ms rather than the second a plain
     * {@code stat} of a file with rates waits ({@link #aFreshFile} runs the plain one).
     */
    static Run statOnce(Path file, String... options) {
        List<String> args = new ArrayList<>(List.of("stat", file.toString(), "--watch", "0.05", "--count", "1"));
        args.addAll(List.of(options));
        return Run.inProcess(args.toArray(String[]::new));
    }

    @Test
    void aFreshFile() throws Exception {
        Path file = fresh("fresh");
        Run r = Run.tool("stat", file.toString()).assertOk();
        List<Frame> frames = r.frames();
        assertEquals(1, frames.size(), r.out());
        assertTrue(frames.getFirst().title().matches(TIME + "  \\Q" + file + "\\E  " + type().label), r.out());
        assertEquals(figures(file), withoutRates(frames.getFirst()), r.out());
        frames.getFirst().figures().forEach((label, value) -> assertTrue(!label.endsWith(" rate") || value.equals("0.0/s"),
                "nothing changes in a fresh file: " + r.out()));
        assertItems(file, frames.getFirst());

        String json = statOnce(file, "--json").assertOk().out();
        assertTrue(json.matches("\\{\"time\":\"" + TIME + "\",\"file\":\"\\Q" + file + "\\E\",\"type\":\"" + type().label
                + "\",.*}" + NL), json);
        assertEquals(1, json.lines().count(), json);
        for (String label : figures(file).keySet()) {
            assertTrue(json.contains(",\"" + new Sample.Figure(label, 0L, false).key() + "\":"), label + " in " + json);
        }

        assertEquals(file + ": " + type().label + " file, no problems" + NL, jar("verify", file.toString()).assertOk().out());
        assertEquals("{\"file\":\"" + file + "\",\"type\":\"" + type().label + "\",\"problems\":[]}" + NL,
                Run.inProcess("verify", "--json", file.toString()).assertOk().out());
    }

    @Test
    void aFileUnderConcurrentWritesFromAChildJvm() throws Exception {
        Path file = fresh("live");
        try (ChildJvm writer = ChildJvm.start(writer(), file.toString())) {
            writer.awaitLine("writing", TIMEOUT);
            Run watched = Run.tool("stat", file.toString(), "--watch", "0.2", "--count", "3").assertOk();
            List<Frame> frames = watched.frames();
            assertEquals(3, frames.size(), watched.out());
            assertFollowed(frames);
            for (int i = 0; i < 2; i++) {
                assertEquals(file + ": " + type().label + " file, no problems" + NL,
                        Run.tool("verify", file.toString()).assertOk().out(), "verify while the writer runs, round " + i);
            }
            assertTrue(writer.isAlive(), "the writer ran throughout: " + writer.output());
            writer.kill();
        }
        Run after = statOnce(file).assertOk();
        assertEquals(figures(file), withoutRates(after.frames().getFirst()), after.out());
        assertItems(file, after.frames().getFirst());
        assertEquals(List.of(), libraryProblems(file));
        Run.inProcess("verify", file.toString()).assertOk();
    }

    @TestFactory
    Stream<DynamicTest> damagedFiles() {
        return damages().stream().map(d -> DynamicTest.dynamicTest(d.name(), () -> {
            Path file = fresh(d.name().replaceAll("\\W+", "-"));
            d.damage().damage(file);
            List<?> problems = libraryProblems(file);
            assertFalse(problems.isEmpty(), "the library finds the damage");
            Run r = Run.tool("verify", file.toString());
            assertEquals("", r.err());
            assertEquals(1, r.status(), r.out());
            assertEquals(verifyOutput(file, problems), r.out());
            for (String phrase : d.named()) {
                assertTrue(r.out().contains(phrase), phrase + " in " + r.out());
            }

            String refused = openFailure(file);
            Run s = statOnce(file); // verify above ran the jar's classes; this checks stat's words
            if (refused == null) {
                s.assertOk();
                assertEquals(figures(file), withoutRates(s.frames().getFirst()), s.out());
                assertItems(file, s.frames().getFirst());
            } else {
                s.assertFailed("stat", refused);
            }
        }));
    }

    /** The figures of a sample of {@code stat}, without the rates of those it rates. */
    static Map<String, String> withoutRates(Frame frame) {
        Map<String, String> figures = new LinkedHashMap<>(frame.figures());
        figures.keySet().removeIf(label -> label.endsWith(" rate"));
        return figures;
    }

    /** What {@code verify} prints of {@code file}, given the library's problems. */
    String verifyOutput(Path file, List<?> problems) {
        StringBuilder expected = new StringBuilder(file + ": " + type().label + " file, "
                + (problems.size() == 1 ? "1 problem:" : problems.size() + " problems:") + NL);
        problems.forEach(p -> expected.append("  ").append(p).append(NL));
        return expected.toString();
    }

    /** A damaged magic hides the type, and {@code --type} checks the file as that type all the same. */
    @Test
    void aDamagedMagic() throws Exception {
        Path file = fresh("magic");
        Path magicFile = magicFile(file);
        byte[] bytes = Files.readAllBytes(magicFile);
        bytes[7] = 'X';
        Files.write(magicFile, bytes);
        Run.inProcess("verify", file.toString()).assertFailed("verify", magicFile + ": an mmap4j file of a kind this tool does not know"
                + " (magic \"MMAP4J" + (char) bytes[6] + "X\"; it knows " + FileType.labels() + ")");
        Run r = Run.tool("verify", "--type", type().label, file.toString());
        assertEquals(1, r.status(), r.out());
        List<?> problems = libraryProblems(file);
        assertEquals(verifyOutput(file, problems), r.out());
        assertTrue(r.out().contains("at byte offset 0: magic is "), r.out());
    }
}
