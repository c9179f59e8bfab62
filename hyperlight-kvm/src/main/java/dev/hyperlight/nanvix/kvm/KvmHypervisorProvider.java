package dev.hyperlight.nanvix.kvm;

import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.HypervisorProvider;
import java.nio.file.Files;

/** Finds the KVM backend through {@link java.util.ServiceLoader}. */
public final class KvmHypervisorProvider implements HypervisorProvider {

    @Override
    public String name() {
        return KvmHypervisor.NAME;
    }

    @Override
    public boolean isPresent() {
        return Files.exists(KvmHypervisor.DEVICE);
    }

    @Override
    public Hypervisor open() throws HypervisorException {
        return KvmHypervisor.open(KvmHypervisor.DEVICE);
    }
}
