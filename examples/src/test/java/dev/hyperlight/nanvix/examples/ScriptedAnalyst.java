package dev.hyperlight.nanvix.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A model with no network that plays an analyst asked for the sum of the first 100 primes. It
 * decides each turn from what it has read, as a real model would: with no tool result yet it
 * writes a program (with a typo); after a failure that names the typo it sends the corrected
 * program; after a run that exited 0 it answers with what the program printed. It never knows
 * the sum itself: the number in its answer can only have come from the sandbox.
 */
final class ScriptedAnalyst implements ChatModel {

    static final String QUESTION = "What is the sum of the first 100 prime numbers?";

    static final String FIRST_ATTEMPT = """
            primes = [n for n in range(2, 1000) if all(n % d for d in range(2, int(n ** 0.5) + 1))]
            print(sum(prime[:100]))
            """;

    static final String CORRECTED = """
            primes = [n for n in range(2, 1000) if all(n % d for d in range(2, int(n ** 0.5) + 1))]
            print(sum(primes[:100]))
            """;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<ChatRequest> requests = new ArrayList<>();

    @Override
    public ChatResponse doChat(ChatRequest request) {
        requests.add(request);
        List<String> results = toolResults(request);
        if (results.isEmpty()) {
            return runPython(FIRST_ATTEMPT, 0);
        }
        String last = results.getLast();
        if (last.startsWith("exit status: 0\n")) {
            return answer("The sum of the first 100 prime numbers is " + stdout(last).strip() + ".");
        }
        if (results.size() == 1 && last.contains("NameError: name 'prime' is not defined")) {
            return runPython(CORRECTED, 1);
        }
        return answer("I could not compute it; the sandbox said:\n" + last);
    }

    /** Every request the model was sent, in order. */
    List<ChatRequest> requests() {
        return List.copyOf(requests);
    }

    /** The tool results in a request's conversation, in order. */
    static List<String> toolResults(ChatRequest request) {
        return request.messages().stream()
                .filter(ToolExecutionResultMessage.class::isInstance)
                .map(message -> ((ToolExecutionResultMessage) message).text())
                .toList();
    }

    /** What a report (RunReport's text) shows under {@code stdout:}. */
    private static String stdout(String report) {
        int start = report.indexOf("stdout:\n") + "stdout:\n".length();
        return report.substring(start, report.indexOf("stderr:\n", start));
    }

    private static ChatResponse runPython(String code, int turn) {
        ToolExecutionRequest call = ToolExecutionRequest.builder()
                .id("call-" + turn)
                .name("run_python")
                .arguments(codeArgument(code))
                .build();
        return ChatResponse.builder().aiMessage(AiMessage.from(call)).build();
    }

    private static ChatResponse answer(String text) {
        return ChatResponse.builder().aiMessage(AiMessage.from(text)).build();
    }

    private static String codeArgument(String code) {
        try {
            return JSON.writeValueAsString(Map.of("code", code));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
