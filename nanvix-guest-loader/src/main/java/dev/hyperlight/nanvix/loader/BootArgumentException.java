package dev.hyperlight.nanvix.loader;

/** The exec path, argv or envp cannot be passed to the guest (NUL bytes, too large). */
public final class BootArgumentException extends GuestImageException {

    private static final long serialVersionUID = 1L;

    public BootArgumentException(String message) {
        super(message);
    }
}
