package dev.hyperlight.nanvix.examples;

import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.SandboxException;
import dev.hyperlight.nanvix.langchain4j.SandboxCodeTools;
import dev.hyperlight.nanvix.langchain4j.StrictConfig;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.service.AiServices;

/**
 * An agent loop with LangChain4j: the model answers a question by writing Python, the {@code
 * run_python} tool runs that program in a fresh micro-VM, the model reads the program's exit
 * status, output and errors, fixes its code if it failed, and answers from what the program
 * printed. The model's code never runs on the host: it gets no network, no host file, its own
 * {@code /tmp}, and the {@linkplain StrictConfig strict} time and memory limits unless the
 * caller gives another configuration.
 *
 * <p>Any {@link ChatModel} that can call tools will do. With Ollama on this machine
 * ({@code dev.langchain4j:langchain4j-ollama}):
 *
 * <pre>{@code
 * ChatModel model = OllamaChatModel.builder()
 *         .baseUrl("http://localhost:11434")
 *         .modelName("qwen2.5-coder:7b")
 *         .build();
 * try (PythonAgent agent = PythonAgent.open(model)) {
 *     System.out.println(agent.ask("What is the sum of the first 100 prime numbers?"));
 * }
 * }</pre>
 *
 * <p>With OpenAI ({@code dev.langchain4j:langchain4j-open-ai}), the same with
 * {@code OpenAiChatModel.builder().apiKey(System.getenv("OPENAI_API_KEY")).modelName("gpt-4o-mini").build()}.
 * {@code PythonAgentTest} drives it with a scripted model instead, on real micro-VMs.
 */
public final class PythonAgent implements AutoCloseable {

    /** Tool calls the model may make for one question before LangChain4j stops the loop with an error. */
    public static final int MAX_TOOL_CALLS = 5;

    static final String INSTRUCTIONS = """
            You answer questions by computing the answer, never by guessing it.
            Write a complete Python program that prints the answer and run it with the run_python tool.
            Read its exit status, standard output and standard error. If the program failed,
            correct it and run it again. Then answer in one sentence from what the program printed.""";

    /** What AiServices implements: one question in, the model's final answer out. */
    interface Assistant {
        String chat(String question);
    }

    private final SandboxCodeTools tools;
    private final Assistant assistant;

    private PythonAgent(SandboxCodeTools tools, ChatModel model) {
        this.tools = tools;
        this.assistant = AiServices.builder(Assistant.class)
                .chatModel(model)
                .systemMessage(INSTRUCTIONS)
                .tools(tools)
                .maxSequentialToolsInvocations(MAX_TOOL_CALLS)
                .build();
    }

    /** An agent whose programs run under the strict configuration. */
    public static PythonAgent open(ChatModel model) throws SandboxException {
        return open(model, StrictConfig.builder().build());
    }

    /** An agent whose programs run under {@code config} (start from {@link StrictConfig#builder()} to adjust it). */
    public static PythonAgent open(ChatModel model, RuntimeConfig config) throws SandboxException {
        return new PythonAgent(SandboxCodeTools.open(config), model);
    }

    /**
     * Runs the loop for one question: the model's turns and its programs' runs until the model
     * answers without calling a tool. Each question starts a new conversation.
     */
    public String ask(String question) {
        return assistant.chat(question);
    }

    /** Closes the sandbox the programs ran in. */
    @Override
    public void close() {
        tools.close();
    }
}
