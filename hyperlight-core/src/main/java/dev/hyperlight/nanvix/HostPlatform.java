package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.hypervisor.Flavour;
import dev.hyperlight.nanvix.hypervisor.HypervisorProvider;
import java.io.UncheckedIOException;
import java.util.Optional;

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

    /** The backend {@link Sandbox} opens: the first whose device is present, else the first found. */
    public static Optional<HypervisorProvider> backend() {
        return Hypervisors.choose();
    }

    /**
     * Why {@code runtime}'s files cannot be used on this host with the default configuration, or
     * empty when they can. A bundled image is extracted on the way, as its first run would.
     */
    public static Optional<String> runtimeProblem(GuestRuntime runtime) {
        try {
            RuntimeImages.of(RuntimeConfig.defaults()).locate(runtime);
            return Optional.empty();
        } catch (SandboxException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * Why dynamically linked programs cannot find their loader and libraries with the default
     * configuration, or empty when they can; the base image is extracted on the way.
     */
    public static Optional<String> baseImageProblem() {
        try {
            RuntimeImages.of(RuntimeConfig.defaults()).locate(RuntimeImage.Debian.BASE, RuntimeImages.BASE_USER);
            return Optional.empty();
        } catch (SandboxException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** Why the guest kernel cannot be loaded, or empty when it can. */
    public static Optional<String> guestKernelProblem() {
        try {
            GuestKernel.image();
            return Optional.empty();
        } catch (IllegalStateException | UncheckedIOException e) {
            return Optional.of(e.getMessage());
        }
    }
}
