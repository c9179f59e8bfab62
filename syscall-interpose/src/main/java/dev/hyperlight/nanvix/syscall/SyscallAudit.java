package dev.hyperlight.nanvix.syscall;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.vfs.GuestNames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Told about every call a {@link SyscallTable} decides. Called on the vCPU thread of the run, so
 * an implementation shared by concurrent runs must be thread-safe, and a slow one slows the guest.
 *
 * <p>The audit fails closed: when {@link #record} throws, the table throws {@link
 * AuditFailedException} and the run stops, its guest never seeing the call's result.
 */
@FunctionalInterface
public interface SyscallAudit {

    void record(Record record);

    /**
     * A path argument of a call, exactly as the guest passed it.
     *
     * @param argument the argument's name ({@code pathname}, {@code oldpath}...)
     * @param path the path as {@link SyscallCall#path()} gives it: bytes that are not UTF-8 stand
     *     as U+DC80..U+DCFF ({@link GuestNames#decode})
     */
    record PathArgument(String argument, String path) {
        public PathArgument {
            Objects.requireNonNull(argument, "argument");
            Objects.requireNonNull(path, "path");
        }

        /** The path's bytes, as the guest passed them. */
        public byte[] bytes() {
            return GuestNames.encode(path);
        }
    }

    /**
     * One decided call.
     *
     * @param call Linux's name of the call
     * @param arguments the argument summary for people to read ({@link SyscallCall#summary()})
     * @param paths the path arguments the host could read, exactly
     * @param action {@code accept}, {@code intercept}, {@code block}, or {@code none} when the table
     *     has no entry
     * @param result the value the guest got, or {@code -errno}
     * @param duration how long deciding and running it took
     */
    record Record(String call, String arguments, List<PathArgument> paths, String action, long result,
            Duration duration) {

        private static final JsonFactory JSON = new JsonFactory();

        public Record {
            Objects.requireNonNull(call, "call");
            Objects.requireNonNull(arguments, "arguments");
            paths = List.copyOf(paths);
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(duration, "duration");
        }

        /**
         * The record as one line of JSON, e.g. {@code {"call":"mkdirat","arguments":"dirfd=AT_FDCWD,
         * pathname=\"/tmp/d\\xff\", mode=448","paths":{"pathname_b64":"L3RtcC9k/w=="},
         * "action":"accept","result":0,"duration_us":12}}. Each path argument is a member of
         * {@code paths}: the path as a string when its bytes are UTF-8, else {@code NAME_b64}, its
         * bytes in base64 (docs/security.md, "Audit"). {@code errno} names a failure's error.
         */
        public String toJson() {
            ByteArrayOutputStream line = new ByteArrayOutputStream(128 + arguments.length());
            // Jackson's UTF-8 writer escapes every control character, quote and backslash, and
            // writes any surrogate as a \\u escape: the line is always well-formed JSON in UTF-8.
            try (JsonGenerator json = JSON.createGenerator(line, JsonEncoding.UTF8)) {
                json.writeStartObject();
                json.writeStringField("call", call);
                json.writeStringField("arguments", arguments);
                if (!paths.isEmpty()) {
                    json.writeObjectFieldStart("paths");
                    for (PathArgument path : paths) {
                        byte[] bytes = path.bytes();
                        Optional<String> text = utf8(bytes);
                        if (text.isPresent()) {
                            json.writeStringField(path.argument(), text.get());
                        } else {
                            json.writeStringField(path.argument() + "_b64", Base64.getEncoder().encodeToString(bytes));
                        }
                    }
                    json.writeEndObject();
                }
                json.writeStringField("action", action);
                json.writeNumberField("result", result);
                if (result < 0 && result >= -4095) {
                    json.writeStringField("errno", Errno.of((int) -result).map(Errno::name).orElse("E" + -result));
                }
                json.writeNumberField("duration_us", duration.toNanos() / 1000);
                json.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write an audit record as JSON", e); // in memory: never
            }
            return line.toString(StandardCharsets.UTF_8);
        }

        /** {@code bytes} as text, if they are well-formed UTF-8. */
        private static Optional<String> utf8(byte[] bytes) {
            try {
                return Optional.of(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString());
            } catch (CharacterCodingException e) {
                return Optional.empty();
            }
        }
    }
}
