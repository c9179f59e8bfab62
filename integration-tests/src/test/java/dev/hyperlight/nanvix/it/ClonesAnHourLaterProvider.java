package dev.hyperlight.nanvix.it;

import dev.hyperlight.nanvix.hypervisor.ClonedVm;
import dev.hyperlight.nanvix.hypervisor.Deployment;
import dev.hyperlight.nanvix.hypervisor.Flavour;
import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.HypervisorProvider;
import dev.hyperlight.nanvix.hypervisor.SnapshotRefusedException;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import dev.hyperlight.nanvix.hypervisor.VmSnapshot;
import dev.hyperlight.nanvix.kvm.KvmHypervisorProvider;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * A TEST HARNESS provider (integration-tests only), chosen by its name {@value #NAME}: the real KVM
 * backend, except that it makes every clone as if an hour had passed since its snapshot (its clock
 * an hour ahead, {@link Hypervisor#cloneVm(VmSnapshot, Clock)}). What a warm run's guest then reads
 * is what a clone made an hour later reads.
 */
public final class ClonesAnHourLaterProvider implements HypervisorProvider {

    public static final String NAME = "kvm-clones-an-hour-later";
    public static final Duration LATER = Duration.ofHours(1);

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
        return kvm.isPresent();
    }

    @Override
    public Flavour flavour() {
        return kvm.flavour();
    }

    @Override
    public Hypervisor open() throws HypervisorException {
        return open(Deployment.IN_PROCESS);
    }

    /** In either deployment, as the KVM backend (the suite runs in both: {@link Suite}). */
    @Override
    public Hypervisor open(Deployment deployment) throws HypervisorException {
        Hypervisor real = kvm.open(deployment);
        return new Hypervisor() {
            @Override
            public String name() {
                return real.name();
            }

            @Override
            public VirtualMachine createVm(long memorySize) throws HypervisorException {
                return real.createVm(memorySize);
            }

            @Override
            public ClonedVm cloneVm(VmSnapshot snapshot) throws HypervisorException {
                return real.cloneVm(snapshot, Clock.offset(Clock.systemUTC(), LATER));
            }

            @Override
            public VmSnapshot loadSnapshot(Path file, Map<String, String> requiredTags)
                    throws SnapshotRefusedException, HypervisorException {
                return real.loadSnapshot(file, requiredTags);
            }

            @Override
            public void close() {
                real.close();
            }
        };
    }
}
