package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.hypervisor.Deployment;
import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.HypervisorProvider;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** Finds a hypervisor backend on the class path and turns its failures into sandbox errors. */
final class Hypervisors {

    private Hypervisors() {}

    /** Opens the first backend whose device is present (KVM, then others as they are added). */
    static Hypervisor open(Deployment deployment) throws SandboxException {
        HypervisorProvider chosen = choose().orElseThrow(() -> new SandboxException(
                SandboxException.Reason.HYPERVISOR_MISSING,
                "no hypervisor backend is on the class path (add hyperlight-kvm)"));
        try {
            return chosen.open(deployment);
        } catch (HypervisorException e) {
            throw translate(e);
        }
    }

    /** The backend {@link #open()} uses: the first whose device is present, else the first. */
    static Optional<HypervisorProvider> choose() {
        List<HypervisorProvider> providers = ServiceLoader.load(HypervisorProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .toList();
        return providers.stream().filter(HypervisorProvider::isPresent).findFirst()
                .or(() -> providers.stream().findFirst());
    }

    static SandboxException translate(HypervisorException e) {
        SandboxException.Reason reason = switch (e.kind()) {
            case DEVICE_MISSING -> SandboxException.Reason.HYPERVISOR_MISSING;
            case PERMISSION_DENIED -> SandboxException.Reason.HYPERVISOR_PERMISSION;
            case UNSUPPORTED -> SandboxException.Reason.HYPERVISOR_UNSUPPORTED;
            case FAILED -> SandboxException.Reason.HOST_ERROR;
        };
        return new SandboxException(reason, e.getMessage(), e);
    }
}
