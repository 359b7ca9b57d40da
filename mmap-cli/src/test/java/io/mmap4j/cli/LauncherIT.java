package io.mmap4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/mmap4j}, the launcher the README documents: it finds a Java 22 or newer and runs the jar. */
class LauncherIT {
    private static final Path LAUNCHER = Path.of(System.getProperty("mmap4j.launcher", "../bin/mmap4j"));
    /** The Java home of the java running the tests (22 or newer: the build's toolchain). */
    private static final Path JAVA_HOME = Path.of(ProcessHandle.current().info().command().orElseThrow())
            .toAbsolutePath().getParent().getParent();

    @TempDir
    Path dir;

    /**
     * A Java home whose release says 17, first in every place the launcher looks before the
     * directories of installed JDKs: it must be passed over, never run.
     */
    @Test
    void passesOverAnOldJava() throws Exception {
        Path old = dir.resolve("jdk-17");
        Files.createDirectories(old.resolve("bin"));
        Files.writeString(old.resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"17.0.15\"\n");
        Path java = Files.writeString(old.resolve("bin/java"), "#!/bin/sh\necho 'the old java ran' >&2\nexit 99\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Run r = launch(Map.of("JAVA_HOME", old.toString(),
                "PATH", old.resolve("bin") + ":" + JAVA_HOME.resolve("bin") + ":/usr/bin:/bin"), "--version").assertOk();
        assertTrue(r.out().startsWith("mmap4j "), r.out());
        assertTrue(r.out().contains(System.lineSeparator() + "Java " + Runtime.version().feature() + "."), r.out());
    }

    @Test
    void takesJavaWhenSet() throws Exception {
        Run r = launch(Map.of("JAVA", JAVA_HOME.resolve("bin/java").toString(), "JAVA_HOME", "/nonexistent"), "--version")
                .assertOk();
        assertTrue(r.out().contains(" at " + JAVA_HOME.toRealPath()), r.out());
    }

    @Test
    void passesTheArgumentsAndTheExitStatus() throws Exception {
        Run r = launch(Map.of(), "stat", dir.resolve("missing").toString());
        r.assertFailed("stat", dir.resolve("missing") + ": no such file");
        assertEquals(2, launch(Map.of(), "stat", "--count", "0", "x").status());
    }

    @Test
    void saysWhenTheJarIsNotBuilt() throws Exception {
        Path copy = Files.createDirectories(dir.resolve("checkout/bin")).resolve("mmap4j");
        Files.copy(LAUNCHER, copy);
        Run r = Run.process(new ProcessBuilder(copy.toString(), "--help"), Map.of(), "launcher without a jar");
        assertEquals(1, r.status());
        assertEquals("mmap4j: " + dir.toRealPath().resolve("checkout/mmap-cli/target/mmap4j.jar")
                + " is missing; build it first, from " + dir.toRealPath().resolve("checkout")
                + ": mvn -B -q -DskipTests -Pdemo verify" + System.lineSeparator(), r.err());
    }

    private static Run launch(Map<String, String> environment, String... args) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(LAUNCHER.toString());
        builder.command().addAll(List.of(args));
        return Run.process(builder, environment, "bin/mmap4j " + String.join(" ", args));
    }
}
