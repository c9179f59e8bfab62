package dev.hyperlight.nanvix.memory;

/**
 * A guest string with no NUL within the length its call allows (a path longer than PATH_MAX: the
 * guest sees ENAMETOOLONG). Distinct from {@link BadGuestAddressException}: the bytes were readable.
 */
public final class GuestStringTooLongException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public GuestStringTooLongException(String message) {
        super(message);
    }
}
