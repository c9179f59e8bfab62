package dev.hyperlight.nanvix.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.langchain4j.StrictConfig;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The agent loop on real micro-VMs, with a scripted model: its programs run, and their output is its answer. */
class PythonAgentTest {

    /** CPython's first start (the template's) runs partly under PVM's instruction emulation: seconds, not ms. */
    private static final Duration GENEROUS = Duration.ofMinutes(3);

    @Test
    void theSandboxsOutputFlowsIntoTheModelsAnswer() throws Exception {
        Path templates = Files.createDirectories(Path.of("target", "agent-templates")).toAbsolutePath();
        RuntimeConfig config = StrictConfig.builder().timeout(GENEROUS).templateDirectory(templates).build();
        ScriptedAnalyst model = new ScriptedAnalyst();

        String answer;
        try (PythonAgent agent = PythonAgent.open(model, config)) {
            answer = agent.ask(ScriptedAnalyst.QUESTION);
        }

        assertThat(answer).isEqualTo("The sum of the first 100 prime numbers is " + sumOfFirstPrimes(100) + ".");
        List<ChatRequest> requests = model.requests();
        assertThat(requests).hasSize(3);
        ChatRequest first = requests.getFirst();
        assertThat(first.messages().getFirst()).isInstanceOfSatisfying(SystemMessage.class,
                system -> assertThat(system.text()).isEqualTo(PythonAgent.INSTRUCTIONS));
        assertThat(first.messages().getLast()).isInstanceOfSatisfying(UserMessage.class,
                user -> assertThat(user.singleText()).isEqualTo(ScriptedAnalyst.QUESTION));
        assertThat(first.toolSpecifications()).extracting(ToolSpecification::name).contains("run_python");
        List<String> results = ScriptedAnalyst.toolResults(requests.getLast());
        assertThat(results).hasSize(2);
        assertThat(results.get(0)).as("the first program's traceback, read by the model")
                .startsWith("exit status: 1\nstdout:\nstderr:\nTraceback")
                .contains("NameError: name 'prime' is not defined");
        assertThat(results.get(1)).isEqualTo("exit status: 0\nstdout:\n" + sumOfFirstPrimes(100) + "\nstderr:\n");
    }

    /** Computed here, not by the model: the sum its answer must carry from the sandbox. */
    private static int sumOfFirstPrimes(int count) {
        return IntStream.iterate(2, n -> n + 1)
                .filter(n -> IntStream.rangeClosed(2, (int) Math.sqrt(n)).noneMatch(d -> n % d == 0))
                .limit(count)
                .sum();
    }
}
