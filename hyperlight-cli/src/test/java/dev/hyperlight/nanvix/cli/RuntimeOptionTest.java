package dev.hyperlight.nanvix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scripts by file type and {@code --runtime NAME [ARGS...]}, in process, on real VMs. */
class RuntimeOptionTest {

    private static final Path EXAMPLES = Path.of(System.getProperty("examples.dir", "../guest-examples"));

    @TempDir
    Path tmp;

    private record Outcome(int status, String out, String err) {}

    private Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = RunCommand.execute(args, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aJavaScriptFileRunsByItsType() {
        Outcome outcome = run("--tmp-dir", tmp.toString(), EXAMPLES.resolve("hello.js").toString(), "--memory", "x");

        assertThat(outcome.status()).as(outcome.err()).isZero();
        assertThat(outcome.out()).contains("Hello from JavaScript in a Hyperlight-Nanvix micro-VM!")
                .contains("\"arguments\":[\"--memory\",\"x\"]");
    }

    @Test
    void everythingAfterTheRuntimeNameGoesToTheInterpreter() {
        Outcome outcome = run("--tmp-dir", tmp.toString(), "--runtime", "js", "--bignum", "-e",
                "console.log(typeof BigFloat, scriptArgs.join('|'))", "one", "--two");

        assertThat(outcome.status()).as(outcome.err()).isZero();
        assertThat(outcome.out()).isEqualTo("function one|--two\n");

        Outcome ours = run("--tmp-dir", tmp.toString(), "--runtime", "js", "--timeout", "1s", "-e", "0");
        assertThat(ours.status()).isEqualTo(1);
        assertThat(ours.err()).as("qjs, not the command, saw --timeout").contains("qjs: unknown option '--timeout'");
    }

    @Test
    void theInterpretersExitStatusIsTheCommands() {
        Outcome outcome = run("--tmp-dir", tmp.toString(), "--runtime", "javascript", "--std", "-e", "std.exit(3)");

        assertThat(outcome.status()).as(outcome.err()).isEqualTo(3);
    }

    @Test
    void badRuntimeUsageIsOneSentence() {
        Outcome unknown = run("--runtime", "cobol", "x.cob");
        assertThat(unknown.status()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err().lines()).hasSize(1).first().asString()
                .contains("unknown runtime 'cobol'").contains("javascript, js");

        assertThat(run("--runtime").status()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("--timeout", "1s").status()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void helpShowsBothForms() {
        Outcome help = run("--help");

        assertThat(help.status()).isZero();
        assertThat(help.out()).contains("hyperlight-nanvix [OPTIONS] FILE [ARGS...]",
                "hyperlight-nanvix [OPTIONS] --runtime NAME [ARGS...]", "--runtime=NAME", ".js and .mjs");
    }
}
