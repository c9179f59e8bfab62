package dev.hyperlight.nanvix.it;

import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.Mount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Runs CPython's own regression tests in one micro-VM as scripts/python-compat does: the
 * python-tests image at {@code /}, read-only, and a writable working directory at /app.
 */
final class CPythonRegressionTests {

    private CPythonRegressionTests() {}

    /** Runs {@code python3.11 -m unittest TESTS...}; {@code scratch} holds the run's files. */
    static RunResult run(Path scratch, String... tests) throws Exception {
        Path image = Path.of(System.getProperty("images.dir", "../guest-runtimes/target/images"), "python-tests", "root")
                .toAbsolutePath();
        Path work = Files.createDirectories(scratch.resolve("work"));
        RuntimeConfig config = Suite.config()
                .tmpDirectory(scratch.resolve("runs"))
                .timeout(Duration.ofMinutes(5))
                .memorySize(512L << 20)
                .mount(Mount.readOnly("/", image))
                .mount(Mount.writable("/app", work))
                .build();
        String[] arguments = new String[tests.length + 2];
        arguments[0] = "-m";
        arguments[1] = "unittest";
        System.arraycopy(tests, 0, arguments, 2, tests.length);
        try (Sandbox sandbox = new Sandbox(config)) {
            return sandbox.run(image.resolve("usr/bin/python3.11"), arguments);
        }
    }
}
