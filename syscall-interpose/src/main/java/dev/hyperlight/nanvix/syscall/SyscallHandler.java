package dev.hyperlight.nanvix.syscall;

import dev.hyperlight.nanvix.io.HostIo;

/**
 * The host's implementation of one system call. It returns the call's value (>= 0) or fails by
 * throwing {@link ErrnoException}; a guest address outside RAM surfaces as {@link
 * BadGuestAddressException}. {@link SyscallTable#dispatch} turns both into {@code -errno}.
 */
@FunctionalInterface
public interface SyscallHandler {

    long handle(SyscallRequest request, GuestMemory memory, HostIo io);
}
