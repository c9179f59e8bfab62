package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.hypervisor.Deployment;
import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.HypervisorProvider;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** Finds a hypervisor backend on the class path and turns its failures into sandbox errors. */
final class Hypervisors {

    private Hypervisors() {}

    /** The backends {@link RuntimeConfig#AUTO_HYPERVISOR} prefers, in that order, before any other. */
    private static final List<String> PREFERRED = List.of("kvm", "mshv");

    /** Opens the backend {@code choice} names ({@link RuntimeConfig#hypervisor()}) for {@code deployment}. */
    static Hypervisor open(String choice, Deployment deployment) throws SandboxException {
        HypervisorProvider chosen = choose(choice).orElseThrow(() -> new SandboxException(
                SandboxException.Reason.HYPERVISOR_MISSING, RuntimeConfig.AUTO_HYPERVISOR.equals(choice)
                        ? "no hypervisor backend is on the class path (add hyperlight-kvm or hyperlight-mshv)"
                        : "no hypervisor backend named '" + choice + "' is on the class path (found: "
                                + String.join(", ", all().stream().map(HypervisorProvider::name).toList()) + ")"));
        try {
            return chosen.open(deployment);
        } catch (HypervisorException e) {
            throw translate(e);
        }
    }

    /** The backend {@link RuntimeConfig#AUTO_HYPERVISOR} uses. */
    static Optional<HypervisorProvider> choose() {
        return choose(RuntimeConfig.AUTO_HYPERVISOR);
    }

    /**
     * The backend {@code choice} names; for {@link RuntimeConfig#AUTO_HYPERVISOR}, among KVM and
     * mshv, the first whose device is present, else the first on the class path of the two.
     * Other backends (such as test harnesses) are only ever chosen by name.
     */
    static Optional<HypervisorProvider> choose(String choice) {
        List<HypervisorProvider> providers = all();
        if (!RuntimeConfig.AUTO_HYPERVISOR.equals(choice)) {
            return providers.stream().filter(provider -> provider.name().equals(choice)).findFirst();
        }
        List<HypervisorProvider> preferred = providers.stream()
                .filter(provider -> PREFERRED.contains(provider.name()))
                .sorted(Comparator.comparingInt(provider -> PREFERRED.indexOf(provider.name())))
                .toList();
        return preferred.stream().filter(HypervisorProvider::isPresent).findFirst()
                .or(() -> preferred.stream().findFirst());
    }

    /** Every backend on the class path, in ServiceLoader's order. */
    static List<HypervisorProvider> all() {
        return ServiceLoader.load(HypervisorProvider.class).stream().map(ServiceLoader.Provider::get).toList();
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
