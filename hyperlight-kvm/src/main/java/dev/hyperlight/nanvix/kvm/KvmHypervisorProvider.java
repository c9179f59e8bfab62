package dev.hyperlight.nanvix.kvm;

import dev.hyperlight.nanvix.hypervisor.Deployment;
import dev.hyperlight.nanvix.hypervisor.Flavour;
import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.HypervisorProvider;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the KVM backend through {@link java.util.ServiceLoader}. The device is {@code /dev/kvm}
 * unless the system property {@value #DEVICE_PROPERTY} names another node.
 */
public final class KvmHypervisorProvider implements HypervisorProvider {

    public static final String DEVICE_PROPERTY = "hyperlight.kvm.device";

    /** Where Linux lists loaded (and built-in) modules, each with its parameters. */
    private static final Path MODULES = Path.of("/sys/module");

    @Override
    public Path device() {
        String configured = System.getProperty(DEVICE_PROPERTY);
        return configured == null || configured.isBlank() ? KvmHypervisor.DEVICE : Path.of(configured);
    }

    @Override
    public String name() {
        return KvmHypervisor.NAME;
    }

    @Override
    public boolean isPresent() {
        return Files.exists(device());
    }

    @Override
    public Flavour flavour() {
        return flavour(MODULES);
    }

    /**
     * The flavour from the KVM vendor module that {@code modules} lists (KVM takes one vendor
     * module at a time): {@code kvm_pvm} is PVM, {@code kvm_intel} or {@code kvm_amd} hardware
     * virtualization.
     */
    static Flavour flavour(Path modules) {
        if (Files.isDirectory(modules.resolve("kvm_pvm"))) {
            return Flavour.PVM;
        }
        if (Files.isDirectory(modules.resolve("kvm_intel")) || Files.isDirectory(modules.resolve("kvm_amd"))) {
            return Flavour.HARDWARE;
        }
        return Flavour.UNKNOWN;
    }

    @Override
    public Hypervisor open() throws HypervisorException {
        return KvmHypervisor.open(device());
    }

    @Override
    public Hypervisor open(Deployment deployment) throws HypervisorException {
        return switch (deployment) {
            case Deployment.InProcess inProcess -> open();
            case Deployment.MultiProcess multiProcess -> KvmHypervisor.openMultiProcess(device(), multiProcess);
        };
    }
}
