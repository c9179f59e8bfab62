package dev.hyperlight.nanvix;

import java.time.Duration;

/** How a run ended. Every way is a value the caller can switch over; none is an exception. */
public sealed interface Termination {

    /** The exit status a shell would report for this ending. */
    int exitCode();

    /** One line for a human, e.g. {@code "exited with status 3"}. */
    String describe();

    /**
     * The kind of ending, for metrics and events: {@code exited}, {@code timed_out}, {@code
     * cpu_time_exceeded}, {@code faulted}, {@code audit_failed} or {@code vm_failed}.
     */
    default String kind() {
        return switch (this) {
            case Exited ignored -> "exited";
            case TimedOut ignored -> "timed_out";
            case CpuTimeExceeded ignored -> "cpu_time_exceeded";
            case Faulted ignored -> "faulted";
            case AuditFailed ignored -> "audit_failed";
            case VmFailed ignored -> "vm_failed";
        };
    }

    /** The program called {@code exit}/{@code exit_group}. */
    record Exited(int status) implements Termination {
        @Override
        public int exitCode() {
            return status;
        }

        @Override
        public String describe() {
            return "exited with status " + status;
        }
    }

    /** The run exceeded its time limit and the VM was stopped. */
    record TimedOut(Duration limit) implements Termination {
        /** Status 124, as coreutils {@code timeout} reports. */
        public static final int EXIT_CODE = 124;

        @Override
        public int exitCode() {
            return EXIT_CODE;
        }

        @Override
        public String describe() {
            return "timed out after " + Durations.format(limit);
        }
    }

    /**
     * The run used more CPU time than {@link Limits#cpuTime()} and the VM was stopped.
     *
     * @param limit the CPU time limit
     */
    record CpuTimeExceeded(Duration limit) implements Termination {
        /** Status 152, 128 + SIGXCPU: how Linux ends a process past RLIMIT_CPU. */
        public static final int EXIT_CODE = 128 + 24;

        @Override
        public int exitCode() {
            return EXIT_CODE;
        }

        @Override
        public String describe() {
            return "used more than " + Durations.format(limit) + " of CPU time";
        }
    }

    /**
     * The program faulted (e.g. a bad memory access or a privileged instruction in user mode).
     *
     * @param signal the Linux signal the fault corresponds to (11 for SIGSEGV, 4 for SIGILL...)
     * @param detail what the guest kernel or the host saw, e.g. {@code "page fault at 0x0"}
     * @param instructionPointer where it happened
     */
    record Faulted(int signal, String detail, long instructionPointer) implements Termination {
        @Override
        public int exitCode() {
            return 128 + signal;
        }

        @Override
        public String describe() {
            return "killed by " + Signals.name(signal) + " (" + detail + " at rip 0x"
                    + Long.toHexString(instructionPointer) + ")";
        }
    }

    /**
     * The audit ({@code SyscallTable.withAudit}, CLI {@code --audit}) could not record a call, and
     * the run was stopped there: the audit fails closed, no call goes unrecorded. The call had run
     * (it is recorded with its result), but its process never saw the result; every process of
     * the run was stopped.
     *
     * @param reason the call that was not recorded, and why
     */
    record AuditFailed(String reason) implements Termination {
        /** Status 74, sysexits' EX_IOERR: the host could not write a file it must write. */
        public static final int EXIT_CODE = 74;

        @Override
        public int exitCode() {
            return EXIT_CODE;
        }

        @Override
        public String describe() {
            return "was stopped: " + reason;
        }
    }

    /** The guest kernel or the VM itself failed: a kernel panic, a triple fault, a bad exit. */
    record VmFailed(String reason) implements Termination {
        /** Status 125: the sandbox, not the program, failed. */
        public static final int EXIT_CODE = 125;

        @Override
        public int exitCode() {
            return EXIT_CODE;
        }

        @Override
        public String describe() {
            return "virtual machine failed: " + reason;
        }
    }
}
