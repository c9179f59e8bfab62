package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.Termination;
import java.nio.file.Path;
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
        RunResult result = CPythonRegressionTests.run(tmp,
                "test.test_math", "test.test_bisect", "test.test_abc", "test.test_fractions", "test.test_structseq");

        assertThat(result.stderrText()).containsPattern("Ran \\d{3} tests in").contains("\nOK");
        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
    }
}
