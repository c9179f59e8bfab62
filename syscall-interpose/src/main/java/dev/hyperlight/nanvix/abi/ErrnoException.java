package dev.hyperlight.nanvix.abi;

import dev.hyperlight.nanvix.syscall.SyscallTable;
import java.util.Objects;

/**
 * A system call failing with a Linux error: thrown by the host I/O code and turned into {@code
 * -errno} by {@link SyscallTable#dispatch}. Failures like ENOENT are ordinary answers to the guest,
 * not host faults, so no stack trace is captured.
 */
public final class ErrnoException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final Errno errno;

    public ErrnoException(Errno errno) {
        this(errno, errno.name());
    }

    public ErrnoException(Errno errno, String message) {
        super(message, null, false, false);
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    public Errno errno() {
        return errno;
    }
}
