package dev.hyperlight.nanvix;

/**
 * A run could not start, or the host failed. Its message is one sentence fit to show a user as
 * is; {@link #reason()} tells the cases apart (the CLI maps each to its own exit status).
 * How a program ended, even badly, is never an exception: see {@link Termination}.
 */
public class SandboxException extends Exception {

    /** Why the sandbox could not do what was asked. */
    public enum Reason {
        PROGRAM_NOT_FOUND,
        UNKNOWN_FILE_TYPE,
        MALFORMED_PROGRAM,
        /** A runtime's files (e.g. QuickJS's) are missing or cannot be extracted. */
        RUNTIME_UNAVAILABLE,
        HYPERVISOR_MISSING,
        HYPERVISOR_PERMISSION,
        HYPERVISOR_UNSUPPORTED,
        INVALID_CONFIGURATION,
        HOST_ERROR
    }

    private final Reason reason;

    public SandboxException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public SandboxException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
