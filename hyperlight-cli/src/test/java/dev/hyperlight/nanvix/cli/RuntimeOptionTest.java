package dev.hyperlight.nanvix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scripts by file type and {@code --runtime NAME [ARGS...]}, in process, on real VMs. */
class RuntimeOptionTest {

    private static final Path EXAMPLES = Path.of(System.getProperty("examples.dir", "../guest-examples"));

    @TempDir
    Path tmp;

    private static CommandOutcome run(String... args) {
        return CommandOutcome.run(args);
    }

    @Test
    void aJavaScriptFileRunsByItsType() {
        CommandOutcome outcome = run("--tmp-dir", tmp.toString(), EXAMPLES.resolve("hello.js").toString(), "--memory", "x");

        assertThat(outcome.status()).as(outcome.err()).isZero();
        assertThat(outcome.out()).contains("Hello from JavaScript in a Hyperlight-Nanvix micro-VM!")
                .contains("\"arguments\":[\"--memory\",\"x\"]");
    }

    @Test
    void everythingAfterTheRuntimeNameGoesToTheInterpreter() {
        CommandOutcome outcome = run("--tmp-dir", tmp.toString(), "--runtime", "js", "--bignum", "-e",
                "console.log(typeof BigFloat, scriptArgs.join('|'))", "one", "--two");

        assertThat(outcome.status()).as(outcome.err()).isZero();
        assertThat(outcome.out()).isEqualTo("function one|--two\n");

        CommandOutcome ours = run("--tmp-dir", tmp.toString(), "--runtime", "js", "--timeout", "1s", "-e", "0");
        assertThat(ours.status()).isEqualTo(1);
        assertThat(ours.err()).as("qjs, not the command, saw --timeout").contains("qjs: unknown option '--timeout'");
    }

    @Test
    void theInterpretersExitStatusIsTheCommands() {
        CommandOutcome outcome = run("--tmp-dir", tmp.toString(), "--runtime", "javascript", "--std", "-e", "std.exit(3)");

        assertThat(outcome.status()).as(outcome.err()).isEqualTo(3);
    }

    @Test
    void badRuntimeUsageIsOneSentence() {
        CommandOutcome unknown = run("--runtime", "cobol", "x.cob");
        assertThat(unknown.status()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err().lines()).hasSize(1).first().asString()
                .contains("unknown runtime 'cobol'").contains("javascript, js");

        assertThat(run("--runtime").status()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("--timeout", "1s").status()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void helpShowsBothForms() {
        CommandOutcome help = run("--help");

        assertThat(help.status()).isZero();
        assertThat(help.out()).contains("hyperlight-nanvix [OPTIONS] FILE [ARGS...]",
                "hyperlight-nanvix [OPTIONS] --runtime NAME [ARGS...]", "--runtime=NAME", ".js and .mjs");
    }
}
