package io.mmap4j.cli;

import io.mmap4j.content.CorruptContentException;
import io.mmap4j.store.CorruptEntryException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code mmap4j}, the command-line tool for the files mmap4j writes: {@code mmap4j stat FILE} shows
 * what a file holds while other processes write it, {@code mmap4j verify FILE} checks it in full.
 * Both recognise the file by its magic and only ever read it.
 *
 * <p>Exit status: 0 when done (for {@code verify}: the file is sound); 1 when the file is missing,
 * not an mmap4j file, damaged (for {@code verify}: has problems) or truncated while watched, said
 * in one line on standard error; 2 for a wrong argument, with the usage; 141 when {@code stat}
 * stops because the reader of its output went away ({@code stat --watch 1 | head}). Nothing the tool prints
 * can drive the terminal: text from files is escaped ({@link Terminal}).
 */
@Command(name = "mmap4j", mixinStandardHelpOptions = true, versionProvider = Mmap4j.Version.class,
        subcommands = {StatCommand.class, VerifyCommand.class, HelpCommand.class},
        description = "A read-only look inside the files mmap4j writes.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:done; for verify, the file is sound",
            "1:the file is missing, not an mmap4j file, damaged (verify: has problems) or truncated while watched",
            "2:a wrong argument",
            "141:stat stopped because the reader of its output went away (as a tool killed by SIGPIPE)"})
public final class Mmap4j implements Callable<Integer> {
    /** Set to see the stack trace of an unexpected error. */
    static final String DEBUG_VARIABLE = "MMAP4J_DEBUG";

    @Spec
    private CommandSpec spec;

    /** The exit status when the reader of the output has gone: 128 + SIGPIPE, as a shell reports a tool it killed. */
    static final int OUTPUT_CLOSED = 141;

    /** What the subcommands escape and align their output with. */
    final Terminal terminal;
    private final PrintStream out;

    private Mmap4j(Terminal terminal, PrintStream out) {
        this.terminal = terminal;
        this.out = out;
    }

    /**
     * Whether the standard output can no longer be written: its reader has gone ({@code stat
     * --watch | head}). The JVM ignores {@code SIGPIPE} and a {@link PrintStream} keeps the error
     * to itself, so without this check a watch would go on forever, printing to no one.
     */
    boolean outputClosed() {
        return out.checkError();
    }

    /**
     * Runs one command line and exits the JVM with its exit status (see above).
     *
     * @param args the command line, e.g. {@code stat app.counters --watch 1}
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command line, printing to {@code out} and {@code err} in their own encodings; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Mmap4j tool = new Mmap4j(new Terminal(out.charset()), out);
        CommandLine commandLine = new CommandLine(tool);
        StatCommand.describeTypes(commandLine.getSubcommands().get("stat").getCommandSpec());
        commandLine.setOut(new PrintWriter(new OutputStreamWriter(out, out.charset()), true));
        commandLine.setErr(new PrintWriter(new OutputStreamWriter(err, err.charset()), true));
        commandLine.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        commandLine.setParameterExceptionHandler((e, arguments) -> {
            CommandLine command = e.getCommandLine();
            command.getErr().println(tool.terminal.escape(command.getCommandSpec().qualifiedName() + ": " + e.getMessage()));
            command.usage(command.getErr());
            return command.getCommandSpec().exitCodeOnInvalidInput();
        });
        commandLine.setExecutionExceptionHandler((e, command, parsed) -> {
            command.getErr().println(tool.terminal.escape(command.getCommandSpec().qualifiedName() + ": " + oneLine(e)));
            if (System.getenv(DEBUG_VARIABLE) != null) {
                e.printStackTrace(command.getErr());
            }
            command.getErr().flush();
            return 1;
        });
        return commandLine.execute(args);
    }

    /** What went wrong, in the one line the operator sees. */
    private static String oneLine(Exception e) {
        return switch (e) {
            case Failure f -> f.getMessage();
            case NoSuchFileException n -> n.getFile() + ": no such file";
            case AccessDeniedException a -> a.getFile() + ": permission denied";
            case UncheckedIOException u -> u.getCause().getMessage();
            case CorruptContentException c -> c.getMessage(); // names the store, the entry and the damage
            case CorruptEntryException c -> c.getMessage(); // names the file, the offset and the damage
            case IOException io -> io.getMessage(); // the stores' messages name the file, the offset and the problem
            default -> "unexpected " + e + " (set " + DEBUG_VARIABLE + "=1 to see where)";
        };
    }

    /** {@code mmap4j} without a command. */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "no command given: stat or verify");
    }

    /** {@code --version}: this tool's version, and the Java that runs it. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties properties = new Properties();
            try (InputStream in = Mmap4j.class.getResourceAsStream("version.properties")) {
                properties.load(in);
            }
            return new String[] {
                "mmap4j " + properties.getProperty("version"),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ") at "
                        + System.getProperty("java.home"),
            };
        }
    }
}
