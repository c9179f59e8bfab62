package dev.hyperlight.nanvix.syscall;

import java.util.Objects;

/**
 * What the host does with one system call: run its default implementation over the sandbox's
 * virtual file system ({@link #accept()}), hand it to a Java handler ({@link #intercept}), or fail
 * it with an errno ({@link #block}). Never "run it on the host with the host's privileges": the
 * default implementation only reaches what the sandbox's mounts expose.
 */
public sealed interface SyscallAction {

    /** Short name for audit lines: {@code accept}, {@code intercept} or {@code block}. */
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
