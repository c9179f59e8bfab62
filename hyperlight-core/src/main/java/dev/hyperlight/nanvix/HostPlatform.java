package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.hypervisor.Flavour;
import dev.hyperlight.nanvix.hypervisor.HypervisorProvider;

/** The hypervisor backend sandboxes would use on this host, and what runs behind it. */
public final class HostPlatform {

    private HostPlatform() {}

    /**
     * The flavour behind the backend {@link Sandbox} opens; {@link Flavour#UNKNOWN} when no
     * backend is on the class path.
     */
    public static Flavour flavour() {
        return Hypervisors.choose().map(HypervisorProvider::flavour).orElse(Flavour.UNKNOWN);
    }

    /** One line for diagnostics, e.g. {@code kvm: PVM (kvm_pvm): guest kernel code is emulated}. */
    public static String describe() {
        return Hypervisors.choose()
                .map(provider -> provider.name() + (provider.isPresent() ? "" : " (device missing)") + ": "
                        + provider.flavour().description())
                .orElse("no hypervisor backend on the class path");
    }
}
