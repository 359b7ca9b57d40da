package io.mmap4j.examples;

/**
 * A tour of mmap4j: each step runs real JVMs, says in one line what it proves, and checks it.
 * Exits non-zero if any check fails.
 *
 * <pre>mvn -B -q -DskipTests -Pdemo verify</pre>
 */
public final class Tour {
    interface Step {
        boolean run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        boolean ok = step(1, "Shared memory between JVMs: a write in one JVM shows at once through a zero-copy view in another",
                SharedMemoryExample::run);
        System.out.println(ok ? "All checks passed." : "Some checks FAILED.");
        System.exit(ok ? 0 : 1);
    }

    private static boolean step(int number, String title, Step step) {
        System.out.println("[" + number + "] " + title);
        boolean ok;
        try {
            ok = step.run();
        } catch (Exception e) {
            System.out.println("    error: " + e);
            ok = false;
        }
        System.out.println("    " + (ok ? "OK" : "FAILED"));
        return ok;
    }

    private Tour() {}
}
