package dev.hyperlight.nanvix.memory;

/** A guest-supplied address range that is not entirely inside guest RAM (the guest sees EFAULT). */
public final class BadGuestAddressException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BadGuestAddressException(String message) {
        super(message);
    }
}
