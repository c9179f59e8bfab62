package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.syscall.SyscallDecision;
import dev.hyperlight.nanvix.syscall.SyscallObserver;

/**
 * Told about a sandbox's runs and the calls their guests forward, for metrics
 * ({@code hyperlight-nanvix-micrometer} implements one; docs/observability.md). Given to {@link
 * RuntimeConfig.Builder#listener}; without one, nothing is called. Both methods do nothing unless
 * overridden.
 *
 * <p>Both are called on the run's vCPU threads, by concurrent runs at once: an implementation
 * must be thread-safe. What one throws is logged and ignored; it never changes a run.
 */
public interface SandboxListener extends SyscallObserver {

    /**
     * A run ended with a result (a run refused before its VM existed, or failed on the host,
     * ends with a {@link SandboxException} instead and is not reported). Called after the run's
     * VMs are destroyed and before its future completes.
     */
    default void runEnded(RunReport run) {}

    /**
     * The host decided a call a guest forwarded. Called inside every forwarded call, so it must
     * be quick and should not allocate. See {@link SyscallObserver#callDecided}.
     */
    @Override
    default void callDecided(long number, SyscallDecision decision, long result, long nanos) {}
}
