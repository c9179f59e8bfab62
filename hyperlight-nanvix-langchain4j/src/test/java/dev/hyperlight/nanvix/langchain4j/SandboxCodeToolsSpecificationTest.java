package dev.hyperlight.nanvix.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.agent.tool.ToolSpecifications;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What a model is told about the tools: LangChain4j's own reading of the annotations. */
@Tag("no-vm")
class SandboxCodeToolsSpecificationTest {

    @Test
    void eachToolTakesOneRequiredCodeArgumentAndSaysWhatTheSandboxWithholds() {
        List<ToolSpecification> tools = ToolSpecifications.toolSpecificationsFrom(SandboxCodeTools.class);

        assertThat(tools).extracting(ToolSpecification::name).containsExactlyInAnyOrder("run_python", "run_javascript");
        for (ToolSpecification tool : tools) {
            assertThat(tool.parameters().properties()).containsOnlyKeys("code");
            assertThat(tool.parameters().required()).containsExactly("code");
            assertThat(tool.description()).contains("no network").contains("only /tmp is writable");
        }
    }
}
