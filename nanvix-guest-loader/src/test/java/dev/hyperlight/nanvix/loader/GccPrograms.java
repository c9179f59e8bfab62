package dev.hyperlight.nanvix.loader;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real programs, compiled by the installed gcc at test time. A test that cannot compile its program
 * fails, saying why: gcc and the static C library are part of what the build needs.
 */
final class GccPrograms {

    private static final String HELLO = """
            #include <stdio.h>
            int main(int argc, char **argv) {
                printf("hello from %s with %d arguments\\n", argv[0], argc);
                return 0;
            }
            """;

    private GccPrograms() {}

    /** Compiles the hello program into {@code directory} with the given linking flags. */
    static byte[] hello(Path directory, String name, String... flags)
            throws IOException, InterruptedException {
        Path source = directory.resolve("hello.c");
        Files.writeString(source, HELLO, StandardCharsets.UTF_8);
        Path output = directory.resolve(name);
        List<String> command = new ArrayList<>(List.of("gcc", "-O2", "-o", output.toString()));
        command.addAll(List.of(flags));
        command.add(source.toString());
        Process gcc;
        try {
            gcc = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return fail("this test compiles a real program with gcc, which cannot be started (install gcc and"
                    + " the C library's static archives, e.g. Debian's libc6-dev): " + e.getMessage(), e);
        }
        String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!gcc.waitFor(120, TimeUnit.SECONDS)) {
            gcc.destroyForcibly();
            return fail("gcc did not finish within 120 s: " + String.join(" ", command));
        }
        if (gcc.exitValue() != 0) {
            return fail("this test needs gcc to build a real program, and it failed (status %d): %s%n%s",
                    gcc.exitValue(), String.join(" ", command), log);
        }
        return Files.readAllBytes(output);
    }
}
