package dev.hyperlight.nanvix.mshv;

import dev.hyperlight.nanvix.hypervisor.Flavour;
import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.HypervisorProvider;
import dev.hyperlight.nanvix.kvm.KvmHypervisorProvider;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A TEST HARNESS provider (in hyperlight-mshv's test jar only): the mshv backend over {@link
 * KvmMshvKernel} on {@code /dev/kvm}. Chosen by its name, {@value #NAME} (RuntimeConfig's
 * hypervisor, the CLI's {@code --hypervisor}); {@code auto} never picks it.
 */
public final class KvmMshvHarnessProvider implements HypervisorProvider {

    public static final String NAME = "mshv-on-kvm-harness";

    private final KvmHypervisorProvider kvm = new KvmHypervisorProvider();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Path device() {
        return kvm.device();
    }

    @Override
    public boolean isPresent() {
        return Files.exists(device());
    }

    @Override
    public Flavour flavour() {
        return kvm.flavour();
    }

    @Override
    public Hypervisor open() throws HypervisorException {
        return MshvHypervisor.open(device(), new KvmMshvKernel(), flavour());
    }
}
