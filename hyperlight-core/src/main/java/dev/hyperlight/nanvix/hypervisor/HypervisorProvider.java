package dev.hyperlight.nanvix.hypervisor;

import java.nio.file.Path;

/** Service interface through which backends are discovered with {@link java.util.ServiceLoader}. */
public interface HypervisorProvider {

    /** Short name of the backend, e.g. {@code "kvm"}. */
    String name();

    /** The device node this backend opens, e.g. {@code /dev/kvm}. */
    Path device();

    /** Whether the device this backend needs exists on this host (it may still be unusable). */
    boolean isPresent();

    /** What runs guests behind the device on this host, found without opening the device. */
    Flavour flavour();

    /**
     * Opens the backend.
     *
     * @throws HypervisorException with {@link HypervisorException.Kind} telling a missing device, a
     *     permission problem or an unsupported API apart
     */
    Hypervisor open() throws HypervisorException;

    /**
     * Opens the backend for {@code deployment}; a backend without a multi-process mode refuses it.
     *
     * @throws HypervisorException of kind {@link HypervisorException.Kind#UNSUPPORTED} for a
     *     deployment this backend does not offer
     */
    default Hypervisor open(Deployment deployment) throws HypervisorException {
        if (deployment instanceof Deployment.InProcess) {
            return open();
        }
        throw new HypervisorException(HypervisorException.Kind.UNSUPPORTED,
                "The " + name() + " backend has no " + deployment + " deployment.");
    }
}
