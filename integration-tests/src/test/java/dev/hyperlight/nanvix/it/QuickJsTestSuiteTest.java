package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * QuickJS's own tests (from the qjsc@0.3.0 package the runtime is built from), each in a fresh
 * micro-VM, run as the QuickJS Makefile runs them: {@code qjs TEST} or {@code qjs --bignum TEST}.
 * A test that fails throws, and qjs exits with status 1.
 */
class QuickJsTestSuiteTest {

    /** Generous: the guest kernel is emulated under PVM here. */
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "'', test_builtin.js",
        "'', test_language.js",
        "'', test_closure.js",
        "'', test_loop.js",
        "--bignum, test_bignum.js",
        "--bignum, test_op_overloading.js",
    })
    void passesInsideTheMicroVm(String option, String test) throws Exception {
        Path tests = Path.of(System.getProperty("quickjs.tests.dir", "../guest-runtimes/target/quickjs-tests"));
        assertThat(tests.resolve(test)).as("QuickJS test script (built by guest-runtimes)").exists();
        List<String> commandLine = new ArrayList<>();
        if (!option.isEmpty()) {
            commandLine.add(option);
        }
        commandLine.add(test);

        try (Sandbox sandbox = new Sandbox(Suite.config().timeout(TIMEOUT).tmpDirectory(tmp).build())) {
            RunResult result = sandbox.runInterpreter(GuestRuntime.JAVASCRIPT, tests, commandLine.toArray(String[]::new));

            assertThat(result.exitCode()).as("%s%n%s", result.stdoutText(), result.stderrText()).isZero();
            assertThat(result.stderrText()).isEmpty();
        }
    }
}
