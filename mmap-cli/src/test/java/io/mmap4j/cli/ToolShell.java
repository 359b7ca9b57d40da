package io.mmap4j.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;

/**
 * The main class of {@link Run#tool}'s JVM: the tool's classes from the jar, run once per command
 * line read from standard input, each answered on standard output with its exit status and what it
 * printed. Requests: an int count, then each argument as modified UTF-8; answers: the status, then
 * stdout and stderr, each an int length and its UTF-8 bytes. Ends when its input does.
 */
public final class ToolShell {
    private ToolShell() {
    }

    public static void main(String[] ignored) throws Exception {
        DataInputStream in = new DataInputStream(new BufferedInputStream(System.in));
        DataOutputStream answers = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)));
        System.setOut(System.err); // nothing else may write into the answers
        while (true) {
            String[] args;
            try {
                args = new String[in.readInt()];
            } catch (EOFException end) {
                return;
            }
            for (int i = 0; i < args.length; i++) {
                args[i] = in.readUTF();
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = Mmap4j.run(args, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
            answers.writeInt(status);
            for (ByteArrayOutputStream printed : new ByteArrayOutputStream[] {out, err}) {
                answers.writeInt(printed.size());
                printed.writeTo(answers);
            }
            answers.flush();
        }
    }
}
