package dev.hyperlight.nanvix.syscall;

/** A guest-supplied address range that is not entirely inside guest RAM (the guest sees EFAULT). */
public final class BadGuestAddressException extends RuntimeException {

    public BadGuestAddressException(String message) {
        super(message);
    }
}
