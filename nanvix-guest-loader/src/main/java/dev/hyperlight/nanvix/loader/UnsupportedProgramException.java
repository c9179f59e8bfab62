package dev.hyperlight.nanvix.loader;

/** A well-formed program that needs something the guest does not offer yet. */
public final class UnsupportedProgramException extends GuestImageException {

    private static final long serialVersionUID = 1L;

    public UnsupportedProgramException(String message) {
        super(message);
    }
}
