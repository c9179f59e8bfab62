package dev.hyperlight.nanvix.syscall;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import java.util.Objects;

/**
 * What the host does with one system call: run its default implementation over the sandbox's
 * virtual file system ({@link #accept()}), hand it to a Java handler ({@link #intercept}), or fail
 * it with an errno ({@link #block}), or, for the socket calls, fail only those that could reach a
 * network ({@link #blockNetwork}). Never "run it on the host with the host's privileges": the
 * default implementation only reaches what the sandbox's mounts expose.
 */
public sealed interface SyscallAction {

    /** Short name for audit lines: {@code accept}, {@code intercept}, {@code block} or {@code block-network}. */
    String kind();

    /** Runs the default implementation ({@code ENOSYS} for a call that has none). */
    record Accept() implements SyscallAction {
        @Override
        public String kind() {
            return "accept";
        }
    }

    /** Hands the call to {@code handler}, which may run the default implementation through {@code next}. */
    record Intercept(Interceptor handler) implements SyscallAction {
        public Intercept {
            Objects.requireNonNull(handler, "handler");
        }

        @Override
        public String kind() {
            return "intercept";
        }
    }

    /** Fails the call with {@code errno} without running anything. */
    record Block(Errno errno) implements SyscallAction {
        public Block {
            Objects.requireNonNull(errno, "errno");
        }

        @Override
        public String kind() {
            return "block";
        }
    }

    /**
     * For the socket calls: fails with {@code errno} a call that could reach a network, and runs
     * the default implementation for local sockets ({@code socket(AF_UNIX)}, or a call on an fd
     * that is a local socket), which reach nothing outside the sandbox.
     */
    record BlockNetwork(Errno errno) implements SyscallAction {
        public BlockNetwork {
            Objects.requireNonNull(errno, "errno");
        }

        @Override
        public String kind() {
            return "block-network";
        }
    }

    static SyscallAction accept() {
        return new Accept();
    }

    static SyscallAction intercept(Interceptor handler) {
        return new Intercept(handler);
    }

    /** Fails the call with EPERM, as a seccomp filter would. */
    static SyscallAction block() {
        return new Block(Errno.EPERM);
    }

    static SyscallAction block(Errno errno) {
        return new Block(errno);
    }

    /** Fails network socket calls with {@code errno}; local (AF_UNIX) sockets work. */
    static SyscallAction blockNetwork(Errno errno) {
        return new BlockNetwork(errno);
    }

    /**
     * A Java handler for one call. It gets the call with typed, validated arguments, and returns the
     * call's value or {@code -errno} (or throws {@link ErrnoException}). It may change arguments
     * ({@link SyscallCall#withPath}, {@link SyscallCall#withArgument}) before {@link Next#proceed},
     * or change what proceed returned. State a handler keeps (fields of its object, captured
     * variables) lives as long as the table, which belongs to the sandbox's configuration; the
     * vCPU thread of each run calls it, so state shared by concurrent runs must be thread-safe.
     */
    @FunctionalInterface
    interface Interceptor {
        long handle(SyscallCall call, Next next);
    }

    /** The default implementation, as seen by an interceptor. */
    @FunctionalInterface
    interface Next {
        /** Runs the default implementation of {@code call}; returns its value or {@code -errno}, never throws. */
        long proceed(SyscallCall call);
    }
}
