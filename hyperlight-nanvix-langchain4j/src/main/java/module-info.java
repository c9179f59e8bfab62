/**
 * The optional LangChain4j binding of Hyperlight-Nanvix: {@link
 * dev.hyperlight.nanvix.langchain4j.SandboxCodeExecutionEngine}, a {@code CodeExecutionEngine}
 * for Python or JavaScript, and {@link dev.hyperlight.nanvix.langchain4j.SandboxCodeTools}, tools
 * for {@code AiServices}, both running model-written code in micro-VMs.
 */
// langchain4j-core is an automatic module named after its jar (no module-info, no
// Automatic-Module-Name), and its CodeExecutionEngine is in this module's API: users must read it.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.hyperlight.nanvix.langchain4j {
    requires transitive dev.hyperlight.nanvix;
    requires transitive langchain4j.core;

    exports dev.hyperlight.nanvix.langchain4j;
}
