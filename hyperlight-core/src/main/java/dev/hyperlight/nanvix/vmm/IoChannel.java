package dev.hyperlight.nanvix.vmm;

import dev.hyperlight.nanvix.syscall.FastCalls;
import dev.hyperlight.nanvix.syscall.SyscallRequest;

/**
 * Where forwarded system calls are served. Today in the VMM's own process; the seam lets a
 * separate I/O process (shared-memory ring) or a System VM serve them later without touching
 * the run loop.
 */
interface IoChannel extends AutoCloseable {

    /**
     * Serves one call and returns its result: a value, or {@code -errno}.
     *
     * @param cr3 0 when the pointer arguments are guest-physical addresses; else the page-table
     *     root under which they are the program's own addresses
     * @throws dev.hyperlight.nanvix.memory.UserPageFault when the program's page tables do not let
     *     the host access an argument: the call has not run
     */
    long call(SyscallRequest request, long cr3);

    /** What {@link FastCalls} may ask of the program running under page-table root {@code cr3}. */
    FastCalls.Program program(long cr3);

    @Override
    void close();
}
