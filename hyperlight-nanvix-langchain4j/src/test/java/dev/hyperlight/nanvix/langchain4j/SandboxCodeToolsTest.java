package dev.hyperlight.nanvix.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.langchain4j.ScriptedChatModel.Call;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.service.AiServices;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** AiServices with a scripted model that calls the tools: what reaches the model for good and hostile code. */
class SandboxCodeToolsTest {

    interface Assistant {
        String chat(String message);
    }

    private static Sandbox sandbox;

    @BeforeAll
    static void openSandbox() throws Exception {
        sandbox = new Sandbox(AgentSandboxes.strict(AgentSandboxes.GENEROUS).build());
    }

    @AfterAll
    static void closeSandbox() {
        sandbox.close();
    }

    /** The tool results the model was given, after AiServices ran the whole script. */
    private static List<String> play(SandboxCodeTools tools, Call... calls) {
        ScriptedChatModel model = new ScriptedChatModel(calls);
        Assistant assistant = AiServices.builder(Assistant.class).chatModel(model).tools(tools).build();

        String answer = assistant.chat("run my code");

        List<String> results = model.results().stream().map(ToolExecutionResultMessage::text).toList();
        assertThat(results).hasSize(calls.length);
        assertThat(answer).isEqualTo(String.join("---\n", results));
        return results;
    }

    @Test
    void theModelReadsTheOutputOfItsPythonAndJavaScript() {
        List<String> results = play(new SandboxCodeTools(sandbox),
                new Call("run_python", "import sys\nprint(6 * 7)\nprint('careful', file=sys.stderr)"),
                new Call("run_javascript", "console.log([1, 2, 3].map(x => x * 2).join(','))"));

        assertThat(results.get(0)).isEqualTo("""
                exit status: 0
                stdout:
                42
                stderr:
                careful
                """);
        assertThat(results.get(1)).isEqualTo("exit status: 0\nstdout:\n2,4,6\nstderr:\n");
    }

    @Test
    void anErrorComesBackAsTheTracebackAndItsStatus() {
        List<String> results = play(new SandboxCodeTools(sandbox), new Call("run_python", "print('before')\n1 / 0"));

        assertThat(results.get(0)).startsWith("exit status: 1\nstdout:\nbefore\nstderr:\nTraceback")
                .contains("ZeroDivisionError: division by zero");
    }

    @Test
    void anEndlessLoopEndsAsATimeoutTheModelCanRead() throws Exception {
        try (SandboxCodeTools tools = SandboxCodeTools.open(AgentSandboxes.strict(StrictConfig.TIMEOUT).build())) {
            List<String> results = play(tools, new Call("run_python", "while True:\n    pass"));

            assertThat(results.get(0)).isEqualTo("""
                    exit status: 124 (the program timed out after 10s and was stopped)
                    stdout:
                    stderr:
                    """);
        }
    }

    @Test
    void aMemoryFloodEndsWithinTheStrictMemoryLimit() {
        List<String> results = play(new SandboxCodeTools(sandbox), new Call("run_python", """
                chunks = []
                while True:
                    chunks.append(bytearray(1 << 20))
                """));

        assertThat(results.get(0)).doesNotStartWith("exit status: 0").contains("limits reached: memory");
    }

    @Test
    void aFileWrittenOutsideTmpIsRefusedAndTmpIsTheRunsOwn() {
        List<String> results = play(new SandboxCodeTools(sandbox),
                new Call("run_python", "open('/usr/lib/python3.11/planted.py', 'w').write('x')"),
                new Call("run_python", "open('/tmp/notes.txt', 'w').write('kept')\nprint(open('/tmp/notes.txt').read())"),
                new Call("run_python", "import os\nprint(os.path.exists('/usr/lib/python3.11/planted.py'),"
                        + " os.path.exists('/tmp/notes.txt'))"));

        assertThat(results.get(0)).startsWith("exit status: 1\n")
                .containsPattern("\\[Errno (30|13)\\] [^\\n]*planted\\.py");
        assertThat(results.get(1)).isEqualTo("exit status: 0\nstdout:\nkept\nstderr:\n");
        assertThat(results.get(2)).isEqualTo("exit status: 0\nstdout:\nFalse False\nstderr:\n");
    }

    @Test
    void aConnectionAttemptFailsInsideTheProgramAndReachesNoListener() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<String> results = play(new SandboxCodeTools(sandbox), new Call("run_python",
                    "import socket\nsocket.create_connection(('127.0.0.1', " + listener.getLocalPort() + "), timeout=5)"));

            assertThat(results.get(0)).startsWith("exit status: 1\n").containsPattern("(PermissionError|OSError)");
            listener.setSoTimeout(200);
            assertThatThrownBy(listener::accept).isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void codeLeftOutIsAskedForAgain() {
        List<String> results = play(new SandboxCodeTools(sandbox), new Call("run_javascript", " "));

        assertThat(results.get(0)).isEqualTo("no code was given: pass the whole program as the code argument\n");
    }
}
