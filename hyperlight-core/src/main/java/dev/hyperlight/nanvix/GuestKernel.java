package dev.hyperlight.nanvix;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The guest kernel binary, packaged by the guest-kernel module as a resource. Its name is not in a
 * Java package (the {@code -}), so the module system does not encapsulate it: the class loader
 * finds it on the class path and in the module {@code dev.hyperlight.nanvix.kernel} alike.
 */
final class GuestKernel {

    static final String RESOURCE = "hyperlight-nanvix/kernel/nanvix-kernel";

    private GuestKernel() {}

    static byte[] image() {
        try (InputStream in = GuestKernel.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the guest kernel " + RESOURCE + " is not on the class path or the"
                        + " module path: is the guest-kernel jar (dev.hyperlight.nanvix:guest-kernel) missing?");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the guest kernel", e);
        }
    }
}
