package dev.hyperlight.nanvix.langchain4j;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A model with no network that plays a script: it calls the given tools in order, one per turn,
 * and then answers with every tool result it was given, so that a test sees exactly what
 * reached the model.
 */
final class ScriptedChatModel implements ChatModel {

    /** One tool call the model makes: the tool's name and its {@code code} argument. */
    record Call(String tool, String code) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Call> script;
    private final List<ToolExecutionResultMessage> results = new ArrayList<>();

    ScriptedChatModel(Call... script) {
        this.script = List.of(script);
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        List<ToolExecutionResultMessage> seen = new ArrayList<>();
        for (ChatMessage message : request.messages()) {
            if (message instanceof ToolExecutionResultMessage result) {
                seen.add(result);
            }
        }
        results.clear();
        results.addAll(seen);
        if (seen.size() < script.size()) {
            Call call = script.get(seen.size());
            ToolExecutionRequest toolCall = ToolExecutionRequest.builder()
                    .id("call-" + seen.size())
                    .name(call.tool())
                    .arguments(arguments(call.code()))
                    .build();
            return ChatResponse.builder().aiMessage(AiMessage.from(toolCall)).build();
        }
        String answer = seen.stream().map(ToolExecutionResultMessage::text).collect(Collectors.joining("---\n"));
        return ChatResponse.builder().aiMessage(AiMessage.from(answer)).build();
    }

    /** The tool results the model was given in its last turn, in order. */
    List<ToolExecutionResultMessage> results() {
        return List.copyOf(results);
    }

    private static String arguments(String code) {
        try {
            return JSON.writeValueAsString(Map.of("code", code));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
