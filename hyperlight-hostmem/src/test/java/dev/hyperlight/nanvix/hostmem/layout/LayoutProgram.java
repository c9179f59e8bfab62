package dev.hyperlight.nanvix.hostmem.layout;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the layout tests of the FFM bindings share (this module's {@code LibcLayoutTest}, the
 * backends' {@code KvmLayoutTest} and {@code MshvLayoutTest}): a C program compiled against the
 * real headers that prints {@code "key value"} lines (sizes, offsets, constants), and the
 * hand-written constants of binding classes that such a test must check.
 */
public final class LayoutProgram {

    private LayoutProgram() {}

    /** Compiles {@code source} with gcc ({@code -Wall -Werror} and the options) into {@code binary}, runs it, and returns its lines. */
    public static Map<String, Long> output(Path source, Path binary, String... gccOptions)
            throws IOException, InterruptedException {
        List<String> compile = new ArrayList<>(List.of("gcc", "-Wall", "-Werror"));
        compile.addAll(Arrays.asList(gccOptions));
        compile.addAll(List.of("-o", binary.toString(), source.toString()));
        run(compile.toArray(String[]::new));
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : run(binary.toAbsolutePath().toString()).split("\n")) {
            int space = line.lastIndexOf(' ');
            values.put(line.substring(0, space), Long.parseLong(line.substring(space + 1)));
        }
        return values;
    }

    /** The public static final integer constants of the classes. */
    public static List<Field> constants(List<Class<?>> types) {
        return types.stream()
                .flatMap(type -> Arrays.stream(type.getDeclaredFields()))
                .filter(field -> Modifier.isPublic(field.getModifiers()) && Modifier.isStatic(field.getModifiers())
                        && Modifier.isFinal(field.getModifiers()))
                .filter(field -> field.getType() == int.class || field.getType() == long.class)
                .toList();
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("The layout test needs " + command[0] + " on the PATH: " + e.getMessage(), e);
        }
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command[0]).isTrue();
        String text = new String(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("%s failed:%n%s", String.join(" ", command), text).isZero();
        return text.strip();
    }
}
