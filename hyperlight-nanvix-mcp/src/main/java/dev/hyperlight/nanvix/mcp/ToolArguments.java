package dev.hyperlight.nanvix.mcp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One tool call's arguments as the client sent them, checked: {@code code} a non-blank string,
 * {@code args} absent or a list of strings (neither holding a NUL, which no command line can), {@code timeout_seconds} absent or a positive number,
 * capped by the server's limit.
 *
 * @param code the program's source
 * @param args its arguments ({@code sys.argv[1:]}, {@code scriptArgs} in code)
 * @param timeout the run's time limit: the one asked for, at most the server's
 */
record ToolArguments(String code, List<String> args, Duration timeout) {

    ToolArguments {
        args = List.copyOf(args);
    }

    /**
     * Checks {@code arguments} (as decoded from the request's JSON; {@code null} when it had none).
     *
     * @throws IllegalArgumentException naming the argument that is missing or malformed
     */
    static ToolArguments parse(Map<String, Object> arguments, Duration limit) {
        Map<String, Object> given = arguments == null ? Map.of() : arguments;
        for (String name : given.keySet()) {
            if (!List.of("code", "args", "timeout_seconds").contains(name)) {
                throw new IllegalArgumentException("unknown argument '" + name + "' (known: code, args, timeout_seconds)");
            }
        }
        if (!(given.get("code") instanceof String code) || code.isBlank()) {
            throw new IllegalArgumentException("'code' must be the program's source, a non-empty string");
        }
        if (code.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("'code' must not contain a NUL character: no command line holds one");
        }
        List<String> args = new ArrayList<>();
        Object argsValue = given.get("args");
        if (argsValue != null) {
            if (!(argsValue instanceof List<?> list)) {
                throw new IllegalArgumentException("'args' must be a list of strings");
            }
            for (Object element : list) {
                if (!(element instanceof String arg) || arg.indexOf('\0') >= 0) {
                    throw new IllegalArgumentException("'args' must be a list of strings without NUL characters");
                }
                args.add(arg);
            }
        }
        Duration timeout = limit;
        Object timeoutValue = given.get("timeout_seconds");
        if (timeoutValue != null) {
            if (!(timeoutValue instanceof Number seconds) || !(seconds.doubleValue() > 0)
                    || Double.isInfinite(seconds.doubleValue())) {
                throw new IllegalArgumentException("'timeout_seconds' must be a positive number");
            }
            // Compared in milliseconds, so that no double can overflow the Duration.
            double millis = Math.ceil(seconds.doubleValue() * 1000);
            timeout = millis >= limit.toMillis() ? limit : Duration.ofMillis((long) millis);
        }
        return new ToolArguments(code, args, timeout);
    }
}
