package io.mmap4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code mmap4j verify FILE}: a full read-only check of a file through its store's own
 * {@code verify}, every problem printed with its byte offset, like {@code fsck -n}. Exit status
 * 0 only for a sound file.
 */
@Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = Mmap4j.Version.class, sortOptions = false,
        description = {
            "Checks an mmap4j file in full, read-only, and prints every problem with its byte offset.",
            "Exit status 0 only for a sound file. Safe while other processes use the file.",
        })
final class VerifyCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @ParentCommand
    private Mmap4j tool;

    @Parameters(paramLabel = "FILE", description = "an mmap4j file, recognised by its first bytes, or the directory of a store of several files")
    private Path file;

    @Option(names = "--type", paramLabel = "TYPE", order = 1, converter = TypeConverter.class, description = {
        "check the file as this type, whatever its first bytes say",
        "(for a file whose magic is damaged): ${COMPLETION-CANDIDATES}"},
            completionCandidates = TypeLabels.class)
    private FileType type;

    @Option(names = "--json", order = 2, description = "the result as one line of JSON")
    private boolean json;

    @Override
    public Integer call() throws Failure, IOException {
        FileType checked = type;
        if (checked == null) {
            checked = FileType.of(file);
        } else {
            checked.requireKind(file);
        }
        List<Problem> problems = check(file, checked::verify);
        PrintWriter out = spec.commandLine().getOut();
        Terminal terminal = tool.terminal;
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("file", file.toString());
            result.put("type", checked.label);
            result.put("problems", problems.stream().map(p -> {
                Map<String, Object> problem = new LinkedHashMap<>();
                if (p.location() != null) {
                    problem.put("location", p.location());
                }
                if (p.offset() >= 0) {
                    problem.put("offset", p.offset());
                }
                problem.put("problem", p.text());
                return problem;
            }).toList());
            out.println(new Json(terminal).write(result));
        } else {
            out.println(terminal.escape(file + ": " + checked.label + " file, " + switch (problems.size()) {
                case 0 -> "no problems";
                case 1 -> "1 problem:";
                default -> problems.size() + " problems:";
            }));
            for (Problem p : problems) {
                out.println(terminal.escape("  " + p));
            }
        }
        out.flush();
        return problems.isEmpty() ? 0 : 1;
    }

    /**
     * Runs {@code verifier} on {@code path}, and if it fails because another process truncated a
     * file under it (a fault reading a mapped page past the new end, or a store's own check
     * tripping on it), checks the file once more as it is now: the truncation is then the first
     * problem, at the new end of the file, followed by what the check finds there.
     *
     * @throws Failure     if the file changes again during the second check
     * @throws IOException for a fault with no truncation to explain it, in one line
     */
    static List<Problem> check(Path path, FileType.Verifier verifier) throws Failure, IOException {
        FileSizes before = FileSizes.of(path);
        try {
            return verifier.verify(path);
        } catch (InternalError | RuntimeException e) {
            FileSizes.Shrunk shrunk = before.shrunk();
            if (shrunk == null) {
                if (e instanceof InternalError fault) { // a fault on a mapped page: a disk gone, or a hole that cannot be filled
                    throw new IOException(path + ": a fault reading the mapped file (" + fault.getMessage() + ")", fault);
                }
                throw e;
            }
            String what = shrunk.describe("checked");
            List<Problem> problems = new ArrayList<>();
            problems.add(new Problem(shrunk.file().equals(path) ? null : shrunk.file().toString(), shrunk.after(), what));
            try {
                problems.addAll(verifier.verify(path));
            } catch (InternalError | RuntimeException again) {
                throw new Failure(shrunk.file() + ": " + what + ", and changed again while checked once more");
            }
            return problems;
        }
    }

    /** {@code --type}: a file type by its label. */
    static final class TypeConverter implements ITypeConverter<FileType> {
        @Override
        public FileType convert(String label) {
            FileType type = FileType.labelled(label);
            if (type == null) {
                throw new TypeConversionException("no file type \"" + label + "\"; the types are " + FileType.labels());
            }
            return type;
        }
    }

    /** The labels {@code --type} takes, for the help. */
    static final class TypeLabels implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(FileType.values()).map(t -> t.label).iterator();
        }
    }
}
