/**
 * The optional LangChain4j binding of Hyperlight-Nanvix: {@link
 * dev.hyperlight.nanvix.langchain4j.SandboxCodeExecutionEngine}, a {@code CodeExecutionEngine}
 * for Python or JavaScript, and {@link dev.hyperlight.nanvix.langchain4j.SandboxCodeTools}, tools
 * for {@code AiServices}, both running model-written code in micro-VMs.
 */
package dev.hyperlight.nanvix.langchain4j;
