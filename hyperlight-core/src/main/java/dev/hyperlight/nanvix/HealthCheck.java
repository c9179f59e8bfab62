package dev.hyperlight.nanvix;

import java.util.Objects;
import java.util.Optional;

/**
 * One finding of {@link HostPlatform#healthChecks()}: whether a thing runs depend on works here.
 *
 * @param name what was checked, e.g. {@code device} or {@code runtime python}
 * @param status how it came out
 * @param detail what was found, one sentence
 * @param hint what to do about it; empty for {@link Status#OK}
 * @param failure for {@link Status#FAIL}, the reason every run would now fail with; else empty
 */
public record HealthCheck(String name, Status status, String detail, String hint,
        Optional<SandboxException.Reason> failure) {

    /** How a check came out. */
    public enum Status {
        /** Works. */
        OK,
        /** Some runs will fail or be slow, others work. */
        WARN,
        /** No run can work until this is fixed. */
        FAIL
    }

    /** Refuses a null part, and a failure reason on anything but {@link Status#FAIL} or its absence there. */
    public HealthCheck {
        Objects.requireNonNull(name, "name must not be null");
        Objects.requireNonNull(status, "status must not be null");
        Objects.requireNonNull(detail, "detail must not be null");
        Objects.requireNonNull(hint, "hint must not be null");
        Objects.requireNonNull(failure, "failure must not be null");
        if (failure.isPresent() != (status == Status.FAIL)) {
            throw new IllegalArgumentException("a failure reason goes with FAIL and only with it");
        }
    }

    static HealthCheck ok(String name, String detail) {
        return new HealthCheck(name, Status.OK, detail, "", Optional.empty());
    }

    static HealthCheck warn(String name, String detail, String hint) {
        return new HealthCheck(name, Status.WARN, detail, hint, Optional.empty());
    }

    static HealthCheck fail(String name, String detail, String hint, SandboxException.Reason reason) {
        return new HealthCheck(name, Status.FAIL, detail, hint, Optional.of(reason));
    }

    /** The check on one line, as {@code hyperlight-nanvix doctor} prints it: {@code WARN name: detail -- hint}. */
    public String line() {
        return String.format("%-4s %s: %s%s", status, name, detail, hint.isEmpty() ? "" : " -- " + hint);
    }
}
