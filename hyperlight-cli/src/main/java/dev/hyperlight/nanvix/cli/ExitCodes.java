package dev.hyperlight.nanvix.cli;

import dev.hyperlight.nanvix.SandboxException;

/**
 * Exit statuses of the command when it could not run the program, or when a run reached a limit
 * that its own status does not tell. Otherwise a program that ran exits with its own status (124
 * on timeout, 152 past the CPU time limit, 128+N when killed by a fault, 125 when the VM failed).
 */
final class ExitCodes {

    /** 128 + SIGXFSZ: how Linux ends a process that writes past RLIMIT_FSIZE. */
    static final int OUTPUT_LIMIT = 128 + 25;
    /**
     * The program failed (exited non-zero or was killed) after the guest memory ran out. Not a
     * signal's status: Linux's out-of-memory killer would give 137, which says nothing of memory.
     */
    static final int MEMORY_LIMIT = 154;

    static final int USAGE = 2;
    static final int UNKNOWN_FILE_TYPE = 65;
    static final int FILE_NOT_FOUND = 66;
    static final int MALFORMED_PROGRAM = 67;
    static final int NO_HYPERVISOR = 69;
    static final int HOST_ERROR = 70;
    static final int RUNTIME_UNAVAILABLE = 72;
    static final int NO_PERMISSION = 77;

    private ExitCodes() {}

    static int of(SandboxException.Reason reason) {
        return switch (reason) {
            case PROGRAM_NOT_FOUND -> FILE_NOT_FOUND;
            case UNKNOWN_FILE_TYPE -> UNKNOWN_FILE_TYPE;
            case MALFORMED_PROGRAM -> MALFORMED_PROGRAM;
            case RUNTIME_UNAVAILABLE -> RUNTIME_UNAVAILABLE;
            case HYPERVISOR_MISSING, HYPERVISOR_UNSUPPORTED -> NO_HYPERVISOR;
            case HYPERVISOR_PERMISSION -> NO_PERMISSION;
            case INVALID_CONFIGURATION -> USAGE;
            case HOST_ERROR -> HOST_ERROR;
        };
    }
}
