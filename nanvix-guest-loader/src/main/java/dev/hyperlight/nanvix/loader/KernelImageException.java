package dev.hyperlight.nanvix.loader;

/** The guest kernel image is broken: a build or packaging fault, never the user's input. */
public final class KernelImageException extends GuestImageException {

    private static final long serialVersionUID = 1L;

    public KernelImageException(String message) {
        super(message);
    }

    public KernelImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
