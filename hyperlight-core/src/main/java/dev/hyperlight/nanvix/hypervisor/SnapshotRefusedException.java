package dev.hyperlight.nanvix.hypervisor;

/**
 * A snapshot file that cannot be used, with a one-sentence message and a {@link Reason} the caller
 * can act on; every reason means "start cold instead".
 */
public class SnapshotRefusedException extends Exception {

    /** Why the file was refused. */
    public enum Reason {
        /** It cannot be read (missing, no permission, an I/O error). */
        UNREADABLE,
        /** It does not start with the snapshot magic. */
        NOT_A_SNAPSHOT,
        /** It is a snapshot in a format version this build does not read. */
        UNSUPPORTED_VERSION,
        /** It is shorter (or longer) than its header says. */
        TRUNCATED,
        /** A digest does not match or a field is out of bounds: the bytes were changed. */
        DAMAGED,
        /** Another backend or flavour took it (e.g. {@code kvm} on PVM, loaded on hardware KVM). */
        OTHER_HYPERVISOR,
        /** A tag the caller requires (e.g. the kernel's digest) is missing or differs. */
        MISMATCHED_TAG
    }

    private final Reason reason;

    public SnapshotRefusedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public SnapshotRefusedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
