package dev.hyperlight.nanvix.syscall;

import java.util.Locale;

/**
 * How a {@link SyscallTable} decided one forwarded call: what {@link SyscallObserver}s, the
 * {@code dev.hyperlight.nanvix.ForwardedCall} Flight Recorder event and metrics report.
 */
public enum SyscallDecision {
    /**
     * The default implementation ran: an {@link SyscallAction.Accept} entry, or a {@link
     * SyscallAction.BlockNetwork} entry on a local socket.
     */
    ACCEPTED,
    /** A Java handler decided it ({@link SyscallAction.Intercept}), whatever it returned. */
    INTERCEPTED,
    /** It failed with the entry's errno without running anything. */
    BLOCKED,
    /** The table has no entry for the call's number: it failed with ENOSYS. */
    NO_ENTRY;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The lower-case name ({@code accepted}, {@code no_entry}...), for event fields and metric tags. */
    public String label() {
        return label;
    }
}
