package dev.hyperlight.nanvix.syscall;

import java.time.Duration;

/**
 * Told about every call a {@link SyscallTable} decides. Called on the vCPU thread of the run, so
 * an implementation shared by concurrent runs must be thread-safe, and a slow one slows the guest.
 */
@FunctionalInterface
public interface SyscallAudit {

    void record(Record record);

    /**
     * One decided call.
     *
     * @param call Linux's name of the call
     * @param arguments the argument summary ({@link SyscallCall#summary()})
     * @param action {@code accept}, {@code intercept}, {@code block}, or {@code none} when the table
     *     has no entry
     * @param result the value the guest got, or {@code -errno}
     * @param duration how long deciding and running it took
     */
    record Record(String call, String arguments, String action, long result, Duration duration) {

        /** The record as one line of JSON: {@code {"call":"openat","arguments":"...",...}}. */
        public String toJson() {
            StringBuilder json = new StringBuilder(96 + arguments.length());
            json.append("{\"call\":");
            quote(json, call);
            json.append(",\"arguments\":");
            quote(json, arguments);
            json.append(",\"action\":");
            quote(json, action);
            json.append(",\"result\":").append(result);
            if (result < 0 && result >= -4095) {
                json.append(",\"errno\":");
                quote(json, Errno.of((int) -result).map(Errno::name).orElse("E" + -result));
            }
            json.append(",\"duration_us\":").append(duration.toNanos() / 1000).append('}');
            return json.toString();
        }

        private static void quote(StringBuilder json, String text) {
            json.append('"');
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                switch (c) {
                    case '"' -> json.append("\\\"");
                    case '\\' -> json.append("\\\\");
                    case '\n' -> json.append("\\n");
                    case '\r' -> json.append("\\r");
                    case '\t' -> json.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            json.append(String.format("\\u%04x", (int) c));
                        } else {
                            json.append(c);
                        }
                    }
                }
            }
            json.append('"');
        }
    }
}
