package dev.hyperlight.nanvix.hypervisor;

/** A failure of the hypervisor backend, with a kind the caller can map to a clear message. */
public class HypervisorException extends Exception {

    /** What went wrong, coarse enough for the CLI to pick an exit status. */
    public enum Kind {
        /** The device file (e.g. /dev/kvm) does not exist. */
        DEVICE_MISSING,
        /** The device file exists but this process may not open it. */
        PERMISSION_DENIED,
        /** The hypervisor's API version or a required capability is missing. */
        UNSUPPORTED,
        /** Any other failure of a hypervisor call. */
        FAILED
    }

    private final Kind kind;

    public HypervisorException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public HypervisorException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
