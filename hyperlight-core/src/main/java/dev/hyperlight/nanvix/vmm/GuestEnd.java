package dev.hyperlight.nanvix.vmm;

import java.time.Duration;

/**
 * How a guest process ended, as the VMM saw it. The VMM reports this; the public API turns it
 * into a {@code GuestEnd}, so the VMM never depends on the API it serves.
 */
public sealed interface GuestEnd {

    /** The process called {@code exit}/{@code exit_group}. */
    record Exited(int status) implements GuestEnd {}

    /** The run's wall-clock limit passed and the host stopped it. */
    record TimedOut(Duration limit) implements GuestEnd {}

    /** The run's processes used more CPU time than the limit and the host stopped them. */
    record CpuTimeExceeded(Duration limit) implements GuestEnd {}

    /** The process was ended by a signal: a fault of its own, or a kill. */
    record Faulted(int signal, String detail, long instructionPointer) implements GuestEnd {}

    /** The audit could not record a call, so the host stopped the run before the guest saw its result. */
    record AuditFailed(String reason) implements GuestEnd {}

    /** The guest kernel or the VM failed, or the host stopped the run for its own reason. */
    record VmFailed(String reason) implements GuestEnd {}
}
