package dev.hyperlight.nanvix.mshv;

import dev.hyperlight.nanvix.hostmem.SealedSnapshot;
import dev.hyperlight.nanvix.hostmem.SnapshotRam;
import dev.hyperlight.nanvix.hypervisor.ClonedVm;
import dev.hyperlight.nanvix.hypervisor.CpuState;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.SnapshotInfo;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;

/**
 * A partition's snapshot: its RAM copy (a sealed memfd), its VP's {@link MshvCpuState}, its info.
 *
 * <p>The TSC: the VP state holds the TSC register as it was, and a clone's VP gets it back
 * unchanged. The KVM backend moves a clone's TSC on by the time since the snapshot at the TSC
 * frequency the snapshot recorded; this backend records none ({@link MshvVirtualCpu#tscKhz()} is
 * 0: the guest calibrated from CPUID), so there is nothing to move it by. A warm start's clone
 * restarts the guest's clocks from the start message's real time at its current TSC
 * (guest-kernel, boot.rs), so its clocks read the real time whatever its TSC; a clone resumed
 * without a start message would read the clocks from where the snapshot left them.
 */
final class MshvVmSnapshot extends SealedSnapshot {

    private final MshvCpuState cpuState;

    MshvVmSnapshot(SnapshotInfo info, MshvCpuState cpuState, SnapshotRam ram) {
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

    /** A new partition mapping the RAM copy-on-write, with one VP restored from the state. */
    ClonedVm cloneVm(MshvKernel kernel, int mshvFd, SnapshotOrigin origin) throws HypervisorException {
        return whileOpen(ram -> {
            MshvVirtualMachine vm = MshvVirtualMachine.createFrom(kernel, mshvFd, ram, origin);
            try {
                VirtualCpu vp = vm.createVcpu();
                vp.restoreState(cpuState);
                return new ClonedVm(vm, vp, 0); // mshv gives no TSC frequency: the lag cannot be told
            } catch (HypervisorException | RuntimeException e) {
                vm.close();
                throw e;
            }
        });
    }
}
