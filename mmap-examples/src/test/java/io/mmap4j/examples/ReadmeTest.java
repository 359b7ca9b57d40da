package io.mmap4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java block in README.md compiles against the library, and those with a main run; the
 * blocks whose output says something are checked line by line.
 */
class ReadmeTest {
    /** What those blocks print, by class. */
    private static final Map<String, List<String>> OUTPUT = Map.of(
            // emmap's README sequence on counter 0, each call returning the old value (issue 4)
            "CountersQuickStart", List.of("0", "1", "6", "7", "9", "15"),
            // 3 records: a header page, 104 bytes of records, 4 slots of 8 bytes from 8192
            "StaticStoreQuickStart", List.of("Bonjour", "こんにちは", "42", "null", "3 keys, 8240 bytes"),
            "StaticCacheQuickStart", List.of("{\"debug\":false}", "180", "null", "bad_bucket: true"),
            "SharedMapQuickStart", List.of("fast", "2", "gold", "none", "true", "3 keys, 0 problems"),
            "QueueQuickStart", List.of("3", "resize photo 17", "send mail 42", "index page 9", "null",
                    "0 records, 1048576 bytes", "[]"),
            "OneToOneQueue", List.of("3", "true"),
            // the lowest free block each time; the view's write is seen by the next read
            "BlockStorageQuickStart", List.of("0 1 world", "true null", "0", "0 again", "1 World",
                    "2 of 64 blocks allocated", "[]"),
            // one record of 40 + 11 + 14 bytes takes one 512-byte unit of the ring
            "CacheVolumeQuickStart", List.of("<h1>hello</h1>", "null", "recovered: false", "true",
                    "1 object, cursor at 512"),
            "MessageCacheQuickStart", List.of("43", "build-42", "true", "25", "[core, store]", "true", "1.0", "[]"));

    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CLASS_NAME = Pattern.compile("(?m)^(?:public )?(?:final )?class (\\w+)");

    @TempDir
    Path dir;

    @Test
    void readmeJavaBlocksCompileAndRun() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        List<String> blocks = new ArrayList<>();
        for (Matcher m = JAVA_BLOCK.matcher(readme); m.find(); ) {
            blocks.add(m.group(1));
        }
        assertFalse(blocks.isEmpty(), "README.md has no ```java block");

        List<String> sources = new ArrayList<>();
        List<String> classes = new ArrayList<>();
        for (String block : blocks) {
            Matcher name = CLASS_NAME.matcher(block);
            assertTrue(name.find(), "each README block is a whole class:\n" + block);
            Path source = dir.resolve(name.group(1) + ".java");
            Files.writeString(source, block);
            sources.add(source.toString());
            classes.add(name.group(1));
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        List<String> arguments = new ArrayList<>(List.of("-d", dir.toString(), "-cp", System.getProperty("java.class.path")));
        arguments.addAll(sources);
        int result = javac.run(null, diagnostics, diagnostics, arguments.toArray(String[]::new));
        assertEquals(0, result, () -> "README code does not compile:\n" + diagnostics);

        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            for (String className : classes) {
                Class<?> type = loader.loadClass(className);
                Method main = findMain(type);
                if (main != null) {
                    List<String> printed =
                            Printed.by(() -> main.invoke(null, (Object) new String[0])).output().lines().toList();
                    if (OUTPUT.containsKey(className)) {
                        assertEquals(OUTPUT.get(className), printed, className + " in README.md");
                    }
                }
            }
        }
        assertTrue(classes.containsAll(OUTPUT.keySet()), "README.md lost a block whose output is checked: " + OUTPUT.keySet());
    }

    private static Method findMain(Class<?> type) {
        try {
            return type.getMethod("main", String[].class);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }
}
