package dev.hyperlight.nanvix.kvm;

import dev.hyperlight.nanvix.hypervisor.ClonedVm;
import dev.hyperlight.nanvix.hypervisor.CpuState;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.SnapshotFile;
import dev.hyperlight.nanvix.hypervisor.SnapshotInfo;
import dev.hyperlight.nanvix.hypervisor.VmSnapshot;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.BitSet;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/** A KVM VM's snapshot: its {@link SnapshotRam}, its vCPU's {@link KvmCpuState}, its info. */
final class KvmVmSnapshot implements VmSnapshot {

    /** How far the clone host's TSC frequency may differ from the snapshot's: the calibration noise of a reboot. */
    private static final double TSC_TOLERANCE = 1e-3;

    private final SnapshotInfo info;
    private final KvmCpuState cpuState;
    private final SnapshotRam ram;
    /** Readers clone and save; {@link #close()} writes, so RAM is never closed under them. */
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    KvmVmSnapshot(SnapshotInfo info, KvmCpuState cpuState, SnapshotRam ram) {
        this.info = info;
        this.cpuState = cpuState;
        this.ram = ram;
    }

    @Override
    public SnapshotInfo info() {
        return info;
    }

    @Override
    public CpuState cpuState() {
        return cpuState;
    }

    @Override
    public MemorySegment memory() {
        return ram.memory();
    }

    /** How many pages of RAM the snapshot holds data for (outside its memfd's holes), for tests. */
    long dataPages() throws HypervisorException {
        return ram.pagesWithData().cardinality();
    }

    /** The seals of the RAM's memfd, for tests. */
    int seals() throws HypervisorException {
        return ram.seals();
    }

    /**
     * A VM mapping the RAM copy-on-write, its vCPU restored with the TSC moved on by the time since
     * the snapshot was taken ({@code clock}), and how far the TSC the clone reads is from that
     * ({@link ClonedVm#tscLag()}: about 0 on hardware KVM, under PVM the host's TSC against it).
     */
    ClonedVm cloneVm(KvmKernel kernel, int kvmFd, VcpuSetup setup, SnapshotOrigin origin, Clock clock)
            throws HypervisorException {
        lock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("the snapshot is closed");
            }
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
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Stores the pages outside the memfd's holes that are not all zero. */
    @Override
    public void save(Path file) throws IOException {
        lock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("the snapshot is closed");
            }
            BitSet pages;
            try {
                pages = ram.pagesWithData();
            } catch (HypervisorException e) {
                throw new IOException("cannot find the snapshot's pages: " + e.getMessage(), e);
            }
            SnapshotFile.write(file, info, cpuState.encode(), ram.memory(), page -> pages.get((int) page));
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                ram.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
