package dev.hyperlight.nanvix.kvm;

import dev.hyperlight.nanvix.hostmem.SealedSnapshot;
import dev.hyperlight.nanvix.hostmem.SnapshotRam;
import dev.hyperlight.nanvix.hypervisor.ClonedVm;
import dev.hyperlight.nanvix.hypervisor.CpuState;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.SnapshotInfo;
import java.time.Clock;
import java.time.Duration;

/** A KVM VM's snapshot: its RAM copy, its vCPU's {@link KvmCpuState}, its info. */
final class KvmVmSnapshot extends SealedSnapshot {

    /** How far the clone host's TSC frequency may differ from the snapshot's: the calibration noise of a reboot. */
    private static final double TSC_TOLERANCE = 1e-3;

    private final KvmCpuState cpuState;

    KvmVmSnapshot(SnapshotInfo info, KvmCpuState cpuState, SnapshotRam ram) {
        super(info, ram);
        this.cpuState = cpuState;
    }

    @Override
    public CpuState cpuState() {
        return cpuState;
    }

    @Override
    protected byte[] encodedCpuState() {
        return cpuState.encode();
    }

    /**
     * A VM mapping the RAM copy-on-write, its vCPU restored with the TSC moved on by the time since
     * the snapshot was taken ({@code clock}), and how far the TSC the clone reads is from that
     * ({@link ClonedVm#tscLag()}: about 0 on hardware KVM, under PVM the host's TSC against it).
     */
    ClonedVm cloneVm(KvmKernel kernel, int kvmFd, VcpuSetup setup, SnapshotOrigin origin, Clock clock)
            throws HypervisorException {
        return whileOpen(ram -> {
            SnapshotInfo info = info();
            // kernel.cloneRam: copy-on-write in this process, a copy in a VMM process; the VM owns kernel.
            KvmVirtualMachine vm = KvmVirtualMachine.createFrom(kernel, kvmFd, ram, setup, origin);
            try {
                KvmVirtualCpu vcpu = (KvmVirtualCpu) vm.createVcpu();
                long tscKhz = vcpu.tscKhz();
                if (info.tscKhz() > 0 && Math.abs(tscKhz - info.tscKhz()) > info.tscKhz() * TSC_TOLERANCE) {
                    throw new HypervisorException(HypervisorException.Kind.UNSUPPORTED, "The snapshot was taken where"
                            + " the TSC runs at " + info.tscKhz() + " kHz, here it runs at " + tscKhz
                            + " kHz: the guest's clocks would run wrong.");
                }
                Duration elapsed = Duration.between(info.takenAt(), clock.instant());
                KvmCpuState advanced = cpuState.withTscAdvancedBy(elapsed, info.tscKhz());
                vcpu.restoreState(advanced);
                // Hardware KVM took the TSC (within a second); PVM dropped it: the guest reads the host's.
                long actual = vcpu.tsc();
                long lag = advanced.tsc() == -1 || actual == -1 ? 0 : advanced.tsc() - actual;
                return new ClonedVm(vm, vcpu, lag);
            } catch (HypervisorException | RuntimeException e) {
                vm.close();
                throw e;
            }
        });
    }
}
