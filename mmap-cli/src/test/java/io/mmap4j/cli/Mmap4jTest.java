package io.mmap4j.cli;

import static io.mmap4j.cli.Run.NL;
import static io.mmap4j.cli.Run.inProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.counters.Counters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line: help, version, wrong arguments, and files the tool refuses, each with its exit status. */
class Mmap4jTest {
    @TempDir
    Path dir;

    @Test
    void helpListsTheCommandsAndExitStatuses() {
        Run r = inProcess("--help").assertOk();
        assertTrue(r.out().startsWith("Usage: mmap4j [-hV] [COMMAND]" + NL + "A read-only look inside the files mmap4j writes."),
                r.out());
        assertTrue(r.out().contains(NL + "  stat    Prints what an mmap4j file holds"), r.out());
        assertTrue(r.out().contains(NL + "  verify  Checks an mmap4j file in full"), r.out());
        assertTrue(r.out().contains(NL + "Exit status:" + NL + "  0     done"), r.out());
        assertTrue(r.out().contains(NL + "  141   stat stopped because the reader of its output went away"), r.out());
        assertEquals(r.out(), inProcess("-h").out());
    }

    @Test
    void eachCommandHasItsHelp() {
        String stat = inProcess("stat", "--help").assertOk().out();
        assertTrue(stat.startsWith("Usage: mmap4j stat [-hV] [--json] [--count=N] [--filter=REGEX]"), stat);
        for (String option : new String[] {"--watch=SECONDS", "--count=N", "--filter=REGEX", "--json"}) {
            assertTrue(stat.contains(NL + "      " + option + " "), option + " in " + stat);
        }
        assertEquals(stat, inProcess("help", "stat").assertOk().out());
        String verify = inProcess("verify", "--help").assertOk().out();
        assertTrue(verify.startsWith("Usage: mmap4j verify [-hV] [--json] [--type=TYPE] FILE"), verify);
        assertTrue(verify.contains("counters"), "--type lists the types: " + verify);
    }

    @Test
    void versionNamesTheToolAndTheJava() {
        Run r = inProcess("--version").assertOk();
        assertTrue(r.out().matches("mmap4j \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?" + NL + "Java \\Q" + Runtime.version()
                + "\\E \\(.*\\) at .*" + NL), r.out());
        assertEquals(r.out(), inProcess("stat", "-V").out());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''                           | mmap4j        | no command given: stat or verify",
        "status x                     | mmap4j        | Unmatched arguments from index 0: 'status', 'x'",
        "--frobnicate                 | mmap4j        | Unknown option: '--frobnicate'",
        "stat                         | mmap4j stat   | Missing required parameter: 'FILE'",
        "stat f --verbose             | mmap4j stat   | Unknown option: '--verbose'",
        "stat f g                     | mmap4j stat   | Unmatched argument at index 2: 'g'",
        "stat f --watch               | mmap4j stat   | Missing required parameter for option '--watch' (SECONDS)",
        "stat f --watch 0             | mmap4j stat   | --watch 0: expected seconds from 0.05 to 86400",
        "stat f --watch soon          | mmap4j stat   | --watch soon: expected seconds from 0.05 to 86400",
        "stat f --watch NaN           | mmap4j stat   | --watch NaN: expected seconds from 0.05 to 86400",
        "stat f --watch 86401         | mmap4j stat   | --watch 86401: expected seconds from 0.05 to 86400",
        "stat f --watch 1 --watch 2   | mmap4j stat   | option '--watch' (SECONDS) should be specified only once",
        "stat f --count 0             | mmap4j stat   | --count 0: expected a whole number from 1 to 9223372036854775807",
        "stat f --count -3            | mmap4j stat   | --count -3: expected a whole number from 1 to 9223372036854775807",
        "stat f --count 1e3           | mmap4j stat   | --count 1e3: expected a whole number from 1 to 9223372036854775807",
        "stat f --filter (            | mmap4j stat   | --filter (: not a regular expression: Unclosed group near index 1",
        "verify                       | mmap4j verify | Missing required parameter: 'FILE'",
        "verify f --watch 1           | mmap4j verify | Unknown options: '--watch', '1'"})
    void aWrongArgumentPrintsTheUsageAndExitsWithTwo(String line, String command, String message) {
        Run r = inProcess(line.isEmpty() ? new String[0] : line.split(" "));
        r.assertWrongArgument(command, message);
    }

    @Test
    void anUnknownTypeListsTheTypes() {
        inProcess("verify", "f", "--type", "tape").assertWrongArgument("mmap4j verify",
                "Invalid value for option '--type': no file type \"tape\"; the types are " + FileType.labels());
        assertEquals("counters, static-store, queue, shared-map, cache-volume, blocks, message-cache", FileType.labels());
    }

    @Test
    void aMissingFileIsOneLine() {
        Path missing = dir.resolve("missing.counters");
        inProcess("stat", missing.toString()).assertFailed("stat", missing + ": no such file");
        inProcess("verify", missing.toString()).assertFailed("verify", missing + ": no such file");
        inProcess("verify", "--type", "counters", missing.toString()).assertFailed("verify", missing + ": no such file");
    }

    /** What a directory that is no store is said to lack. */
    static final String LOOKED_FOR = "a shared-map's holds \"map\"; a message-cache's holds \"data\", a directory of IDs,"
            + " or a shared map whose root holds the group \"data\"";

    @Test
    void aForeignFileIsOneLine() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.txt"), "not counters");
        inProcess("stat", text.toString()).assertFailed("stat", text
                + ": not an mmap4j file (it starts with 6e 6f 74 20 63 6f 75 6e, where every mmap4j file starts with \"MMAP4J\")");
        Path tiny = Files.writeString(dir.resolve("tiny"), "MM");
        inProcess("verify", tiny.toString()).assertFailed("verify", tiny
                + ": not an mmap4j file (it starts with 4d 4d, where every mmap4j file starts with \"MMAP4J\")");
        Path empty = Files.createFile(dir.resolve("empty"));
        inProcess("stat", empty.toString()).assertFailed("stat", empty + ": an empty file, not an mmap4j file");
        Path future = Files.writeString(dir.resolve("future"), "MMAP4JZZ and more");
        inProcess("stat", future.toString()).assertFailed("stat", future
                + ": an mmap4j file of a kind this tool does not know (magic \"MMAP4JZZ\"; it knows " + FileType.labels() + ")");
        inProcess("stat", dir.toString()).assertFailed("stat", dir + ": a directory, not an mmap4j store (" + LOOKED_FOR + ")");
        inProcess("verify", "--type", "counters", dir.toString()).assertFailed("verify", dir + ": a directory, not an mmap4j file");
        inProcess("verify", "/dev/null").assertFailed("verify",
                "/dev/null: a character device, not an mmap4j file (those are regular files)");
    }

    /** A FIFO would block the open until some process writes to it: the tool must not open it at all. */
    @Test
    void aFifoIsRefusedWithoutOpeningIt() throws Exception {
        Path fifo = dir.resolve("fifo.counters");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor());
        Path link = Files.createSymbolicLink(dir.resolve("link.counters"), fifo);
        String refused = ": a FIFO (named pipe), not an mmap4j file (those are regular files)";
        inProcess("stat", fifo.toString()).assertFailed("stat", fifo + refused);
        inProcess("stat", link.toString()).assertFailed("stat", link + refused);
        inProcess("verify", "--type", "counters", fifo.toString()).assertFailed("verify", fifo + refused);
    }

    @Test
    void aFileNameIsEscapedInMessages() throws IOException {
        Path hostile = dir.resolve("x\u001b[2Jy\n.counters");
        inProcess("stat", hostile.toString()).assertFailed("stat", hostile.toString()
                .replace("\u001b", "\\x1b").replace("\n", "\\n") + ": no such file");
        try (Counters c = Counters.open(hostile)) {
            c.counter("a");
        }
        Run r = inProcess("verify", hostile.toString()).assertOk();
        assertEquals(dir + "/x\\x1b[2Jy\\n.counters: counters file, no problems" + NL, r.out());
    }
}
