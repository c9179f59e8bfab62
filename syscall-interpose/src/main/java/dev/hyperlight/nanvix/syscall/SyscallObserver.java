package dev.hyperlight.nanvix.syscall;

import dev.hyperlight.nanvix.abi.Sysno;

/**
 * Told about every call a {@link SyscallTable} decides ({@link SyscallTable#withObserver}), for
 * metrics: unlike a {@link SyscallAudit} it gets no arguments, only numbers, so that telling it
 * allocates nothing. Called on the vCPU thread inside every forwarded call: an implementation
 * must be quick and thread-safe (concurrent runs share it). What it throws is logged and ignored:
 * an observer watches the calls, it never decides one (the audit does, failing closed).
 */
@FunctionalInterface
public interface SyscallObserver {

    /**
     * One decided call.
     *
     * @param number the call's number, as the guest passed it ({@link Sysno#of} names it; a
     *     hostile guest may pass any number, so an observer that keys on it must bound what it keeps)
     * @param decision how the table decided it
     * @param result the value the guest got, or {@code -errno}
     * @param nanos how long deciding and running it took, in nanoseconds (0 for {@link
     *     SyscallDecision#NO_ENTRY})
     */
    void callDecided(long number, SyscallDecision decision, long result, long nanos);
}
