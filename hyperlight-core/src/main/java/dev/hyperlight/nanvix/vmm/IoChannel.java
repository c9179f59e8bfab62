package dev.hyperlight.nanvix.vmm;

import dev.hyperlight.nanvix.syscall.SyscallRequest;

/**
 * Where forwarded system calls are served. Today in the VMM's own process; the seam lets a
 * separate I/O process (shared-memory ring) or a System VM serve them later without touching
 * the run loop.
 */
interface IoChannel extends AutoCloseable {

    /** Serves one call and returns its result: a value, or {@code -errno}. */
    long call(SyscallRequest request);

    @Override
    void close();
}
