package dev.hyperlight.nanvix.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.RuntimeConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One {@code POST /v1/run} body as the caller sent it, checked and with its limits capped by the
 * server's: a limit asked for above the server's is lowered to it, not refused, so that a client
 * need not know the server's settings.
 *
 * @param runtime the language's runtime
 * @param code the whole program
 * @param args its arguments ({@code sys.argv[1:]}, {@code scriptArgs})
 * @param stdin its whole standard input, UTF-8; empty: none
 * @param timeout the run's time limit
 * @param memoryBytes the guest memory asked for, at most the server's
 * @param outputLimit the most bytes of each stream returned, at most the server's
 */
record RunBody(GuestRuntime runtime, String code, List<String> args, Optional<String> stdin, Duration timeout,
        long memoryBytes, int outputLimit) {

    /** The fields a body may have; the OpenAPI document's RunRequest schema names the same. */
    static final Set<String> FIELDS = Set.of("language", "code", "args", "stdin", "timeoutMs", "memoryMb",
            "maxOutputBytes");

    RunBody {
        args = List.copyOf(args);
    }

    /**
     * Checks {@code body} against the server's {@code limits}.
     *
     * @throws ApiError 400 naming the field that is missing, unknown or malformed
     */
    static RunBody parse(JsonNode body, RuntimeConfig limits) {
        if (body == null || !body.isObject()) {
            throw ApiError.invalid("the body must be a JSON object");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw ApiError.invalid("unknown field '" + name + "' (known: " + String.join(", ", FIELDS.stream().sorted().toList()) + ")");
            }
        }
        GuestRuntime runtime = switch (text(body, "language").orElse("")) {
            case "python" -> GuestRuntime.PYTHON;
            case "javascript" -> GuestRuntime.JAVASCRIPT;
            default -> throw ApiError.invalid("'language' must be \"python\" or \"javascript\"");
        };
        String code = text(body, "code").filter(source -> !source.isBlank())
                .orElseThrow(() -> ApiError.invalid("'code' must be the program's source, a non-empty string"));
        if (code.indexOf('\0') >= 0) {
            throw ApiError.invalid("'code' must not contain a NUL character: no command line holds one");
        }
        List<String> args = new ArrayList<>();
        JsonNode argsNode = body.get("args");
        if (argsNode != null && !argsNode.isNull()) {
            if (!argsNode.isArray()) {
                throw ApiError.invalid("'args' must be an array of strings");
            }
            for (JsonNode arg : argsNode) {
                if (!arg.isTextual() || arg.textValue().indexOf('\0') >= 0) {
                    throw ApiError.invalid("'args' must be an array of strings without NUL characters");
                }
                args.add(arg.textValue());
            }
        }
        Optional<String> stdin = text(body, "stdin");
        if (body.hasNonNull("stdin") && stdin.isEmpty()) {
            throw ApiError.invalid("'stdin' must be a string");
        }
        Duration timeout = limits.timeout();
        Optional<Long> timeoutMs = integer(body, "timeoutMs", 1);
        if (timeoutMs.isPresent() && (timeout.isZero() || timeoutMs.get() < timeout.toMillis())) {
            timeout = Duration.ofMillis(timeoutMs.get());
        }
        long memoryBytes = limits.memorySize();
        Optional<Long> memoryMb = integer(body, "memoryMb", RuntimeConfig.MIN_MEMORY >> 20);
        if (memoryMb.isPresent() && memoryMb.get() < memoryBytes >> 20) {
            memoryBytes = memoryMb.get() << 20;
        }
        int outputLimit = limits.outputLimit();
        Optional<Long> maxOutput = integer(body, "maxOutputBytes", 0);
        if (maxOutput.isPresent() && maxOutput.get() < outputLimit) {
            outputLimit = Math.toIntExact(maxOutput.get());
        }
        return new RunBody(runtime, code, args, stdin, timeout, memoryBytes, outputLimit);
    }

    private static Optional<String> text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        return node != null && node.isTextual() ? Optional.of(node.textValue()) : Optional.empty();
    }

    /** A whole number of at least {@code minimum}; absent when the field is absent or null. */
    private static Optional<Long> integer(JsonNode body, String field, long minimum) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < minimum) {
            throw ApiError.invalid("'" + field + "' must be an integer of at least " + minimum);
        }
        // Beyond any limit a server has: capping it needs no arithmetic that could overflow.
        return Optional.of(Math.min(node.longValue(), Long.MAX_VALUE >> 20));
    }
}
