package dev.hyperlight.nanvix.loader;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Real programs, compiled by the installed gcc at test time (tests are skipped without gcc). */
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
            assumeTrue(false, "gcc is not installed");
            throw e;
        }
        String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(gcc.waitFor(120, TimeUnit.SECONDS), "gcc timed out");
        assumeTrue(gcc.exitValue() == 0, () -> "gcc " + String.join(" ", flags) + " failed: " + log);
        return Files.readAllBytes(output);
    }
}
