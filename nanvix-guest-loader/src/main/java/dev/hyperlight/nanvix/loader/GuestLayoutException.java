package dev.hyperlight.nanvix.loader;

/** Guest memory has an unusable size, or the kernel, program and buffers do not fit in it. */
public final class GuestLayoutException extends GuestImageException {

    private static final long serialVersionUID = 1L;

    public GuestLayoutException(String message) {
        super(message);
    }
}
