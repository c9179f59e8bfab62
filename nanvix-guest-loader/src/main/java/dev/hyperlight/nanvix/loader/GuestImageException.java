package dev.hyperlight.nanvix.loader;

/**
 * The guest image cannot be built from what the caller gave. The message is one sentence a
 * command-line tool can print as it is; the subtype says whose input was wrong.
 */
public abstract sealed class GuestImageException extends Exception
        permits ElfFormatException, KernelImageException,
                GuestLayoutException, BootArgumentException {

    private static final long serialVersionUID = 1L;

    GuestImageException(String message) {
        super(message);
    }

    GuestImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
