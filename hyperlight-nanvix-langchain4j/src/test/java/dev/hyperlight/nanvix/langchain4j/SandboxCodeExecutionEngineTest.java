package dev.hyperlight.nanvix.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.Sandbox;
import dev.langchain4j.code.CodeExecutionEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SandboxCodeExecutionEngineTest {

    private static Sandbox sandbox;

    @BeforeAll
    static void openSandbox() throws Exception {
        sandbox = new Sandbox(AgentSandboxes.strict(AgentSandboxes.GENEROUS).build());
    }

    @AfterAll
    static void closeSandbox() {
        sandbox.close();
    }

    @Test
    void cleanRunsGiveTheirStandardOutputAlone() {
        CodeExecutionEngine python = SandboxCodeExecutionEngine.using(sandbox, GuestRuntime.PYTHON);
        CodeExecutionEngine javascript = SandboxCodeExecutionEngine.using(sandbox, GuestRuntime.JAVASCRIPT);

        assertThat(python.execute("print(sum(range(10)))")).isEqualTo("45\n");
        assertThat(javascript.execute("console.log(2 ** 10)")).isEqualTo("1024\n");
    }

    @Test
    void aFailingRunGivesTheWholeReport() {
        CodeExecutionEngine python = SandboxCodeExecutionEngine.using(sandbox, GuestRuntime.PYTHON);

        assertThat(python.execute("print('half')\nraise SystemExit('bad input')"))
                .isEqualTo("exit status: 1\nstdout:\nhalf\nstderr:\nbad input\n");
    }

    @Test
    void anEngineThatOpenedItsSandboxRunsUntilClosed() throws Exception {
        try (SandboxCodeExecutionEngine javascript =
                SandboxCodeExecutionEngine.javascript(AgentSandboxes.strict(AgentSandboxes.GENEROUS).build())) {
            assertThat(javascript.execute("console.log(typeof std.open)")).isEqualTo("function\n");
        }
    }
}
