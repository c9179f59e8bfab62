package dev.hyperlight.nanvix.loader;

/** The bytes are not an ELF64 x86-64 executable this loader can accept. */
public final class ElfFormatException extends GuestImageException {

    private static final long serialVersionUID = 1L;

    public ElfFormatException(String message) {
        super(message);
    }
}
