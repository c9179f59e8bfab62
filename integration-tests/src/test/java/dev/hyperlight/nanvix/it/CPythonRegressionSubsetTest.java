package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.Termination;
import dev.hyperlight.nanvix.io.Mount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A representative subset of the compatibility harness (scripts/python-compat runs all of it on
 * demand): CPython's own regression tests for a few modules, in one micro-VM with the
 * python-tests image at {@code /} and a writable working directory, as the harness runs them.
 */
class CPythonRegressionSubsetTest {

    @TempDir
    Path tmp;

    @Test
    void regressionTestsOfSeveralModulesPassInTheGuest() throws Exception {
        Path image = Path.of(System.getProperty("images.dir", "../guest-runtimes/target/images"), "python-tests", "root")
                .toAbsolutePath();
        Path work = Files.createDirectories(tmp.resolve("work"));
        RuntimeConfig config = RuntimeConfig.builder()
                .tmpDirectory(tmp.resolve("runs"))
                .timeout(Duration.ofMinutes(5))
                .memorySize(512L << 20)
                .mount(Mount.readOnly("/", image))
                .mount(Mount.writable("/app", work))
                .build();
        try (Sandbox sandbox = new Sandbox(config)) {
            RunResult result = sandbox.run(image.resolve("usr/bin/python3.11"), "-m", "unittest",
                    "test.test_math", "test.test_bisect", "test.test_abc", "test.test_fractions", "test.test_structseq");

            assertThat(result.stderrText()).containsPattern("Ran \\d{3} tests in").contains("\nOK");
            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
        }
    }
}
