package dev.hyperlight.nanvix.kvm;

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

    private static Path device() {
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
    public Hypervisor open() throws HypervisorException {
        return KvmHypervisor.open(device());
    }
}
