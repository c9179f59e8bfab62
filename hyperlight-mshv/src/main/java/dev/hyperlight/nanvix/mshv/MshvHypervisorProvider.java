package dev.hyperlight.nanvix.mshv;

import dev.hyperlight.nanvix.hypervisor.Flavour;
import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.HypervisorProvider;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the mshv backend through {@link java.util.ServiceLoader}. The device is {@code /dev/mshv}
 * unless the system property {@value #DEVICE_PROPERTY} names another node.
 */
public final class MshvHypervisorProvider implements HypervisorProvider {

    public static final String DEVICE_PROPERTY = "hyperlight.mshv.device";

    @Override
    public String name() {
        return MshvHypervisor.NAME;
    }

    @Override
    public Path device() {
        String configured = System.getProperty(DEVICE_PROPERTY);
        return configured == null || configured.isBlank() ? MshvHypervisor.DEVICE : Path.of(configured);
    }

    @Override
    public boolean isPresent() {
        return Files.exists(device());
    }

    /** Hyper-V runs partitions with hardware virtualization; without the device nothing runs here. */
    @Override
    public Flavour flavour() {
        return isPresent() ? Flavour.HARDWARE : Flavour.UNKNOWN;
    }

    @Override
    public Hypervisor open() throws HypervisorException {
        return MshvHypervisor.open(device(), flavour());
    }
}
