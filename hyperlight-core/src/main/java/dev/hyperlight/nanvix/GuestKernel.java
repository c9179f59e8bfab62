package dev.hyperlight.nanvix;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The guest kernel binary, packaged by the guest-kernel module as a class-path resource. */
final class GuestKernel {

    static final String RESOURCE = "/dev/hyperlight/nanvix/guest/nanvix-kernel";

    private GuestKernel() {}

    static byte[] image() {
        try (InputStream in = GuestKernel.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the guest kernel " + RESOURCE
                        + " is not on the class path: is the guest-kernel jar missing?");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the guest kernel", e);
        }
    }
}
