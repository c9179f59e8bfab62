package dev.hyperlight.nanvix.kvm;

import dev.hyperlight.nanvix.hostmem.GuestRam;
import dev.hyperlight.nanvix.hostmem.KickSignal;
import dev.hyperlight.nanvix.hostmem.NativeFailure;
import dev.hyperlight.nanvix.hostmem.SnapshotRam;
import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.kvm.sys.kvm_h;
import dev.hyperlight.nanvix.kvm.sys.kvm_run;
import dev.hyperlight.nanvix.kvm.sys.kvm_userspace_memory_region;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** KVM in this process: the FFM calls of the in-process deployment. Stateless and thread-safe. */
record LocalKvmKernel() implements KvmKernel {

    static final LocalKvmKernel INSTANCE = new LocalKvmKernel();
    private static final Logger LOG = LoggerFactory.getLogger(LocalKvmKernel.class);
    /** errno captures of the calling thread: ioctls are made from many threads. */
    private static final ThreadLocal<MemorySegment> CALL_STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(libc_h.CALL_STATE_LAYOUT));

    @Override
    public long ioctl(int fd, long request, long argument) {
        MemorySegment callState = CALL_STATE.get();
        int result = libc_h.ioctl(callState, fd, request, argument);
        return result < 0 ? -libc_h.errno(callState) : result;
    }

    @Override
    public long ioctl(int fd, long request, MemorySegment argument) {
        MemorySegment callState = CALL_STATE.get();
        int result = libc_h.ioctl(callState, fd, request, argument);
        return result < 0 ? -libc_h.errno(callState) : result;
    }

    @Override
    public GuestRam createRam(int vmFd, long size) throws HypervisorException {
        GuestRam ram = GuestRam.map(size, CALL_STATE.get());
        return register(vmFd, ram);
    }

    /** Registers {@code ram} (this process's mapping) as slot 0 of {@code vmFd}; closes it on failure. */
    GuestRam register(int vmFd, GuestRam ram) throws HypervisorException {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment region = scratch.allocate(kvm_userspace_memory_region.layout());
            kvm_userspace_memory_region.slot(region, 0);
            kvm_userspace_memory_region.guest_phys_addr(region, 0);
            kvm_userspace_memory_region.memory_size(region, ram.memory().byteSize());
            kvm_userspace_memory_region.userspace_addr(region, ram.memory().address());
            long result = ioctl(vmFd, kvm_h.KVM_SET_USER_MEMORY_REGION, region);
            if (result != 0) {
                throw NativeFailure.of("KVM_SET_USER_MEMORY_REGION", (int) -result);
            }
            return ram;
        } catch (HypervisorException | RuntimeException e) {
            ram.close();
            throw e;
        }
    }

    @Override
    @SuppressWarnings("restricted") // sizes the segment to the kvm_run mapping just made
    public VcpuPort openVcpu(int vcpuFd, VcpuSetup setup) throws HypervisorException {
        MemorySegment callState = CALL_STATE.get();
        MemorySegment mapping = libc_h.mmap(callState, MemorySegment.NULL, setup.runMmapSize(),
                libc_h.PROT_READ | libc_h.PROT_WRITE, libc_h.MAP_SHARED, vcpuFd, 0);
        if (mapping.address() == libc_h.MAP_FAILED) {
            int errno = libc_h.errno(callState);
            close(vcpuFd);
            throw NativeFailure.of("mmap of kvm_run", errno);
        }
        MemorySegment runArea = mapping.reinterpret(setup.runMmapSize());
        // KVM copies the special (and general) registers out at every exit; it loads the general
        // ones from kvm_run only when KvmVirtualCpu marks them dirty, never the special ones.
        kvm_run.kvm_valid_regs(runArea, (setup.syncSpecialRegisters() ? kvm_h.KVM_SYNC_X86_SREGS : 0)
                | (setup.syncRegisters() ? kvm_h.KVM_SYNC_X86_REGS : 0));
        kvm_run.kvm_dirty_regs(runArea, 0);
        return new Vcpu(vcpuFd, runArea, KickSignal.number(), setup.syncRegisters());
    }

    @Override
    public void close(int fd) {
        MemorySegment callState = CALL_STATE.get();
        if (libc_h.close(callState, fd) != 0) {
            LOG.warn("close of KVM descriptor {} failed: {}", fd, NativeFailure.describe(libc_h.errno(callState)));
        }
    }

    /**
     * The snapshot's memfd mapped private: no page is copied until the guest or the host writes it,
     * but those earlier clones wrote, which are copied at once ({@link GuestRam#mapClone}).
     */
    @Override
    public GuestRam cloneRam(int vmFd, SnapshotRam snapshot) throws HypervisorException {
        return register(vmFd, GuestRam.mapClone(snapshot, CALL_STATE.get()));
    }

    @Override
    public void release() {
        // Nothing: this process's KVM outlives its VMs.
    }

    /**
     * A vCPU of this process. {@code kvm_run} has no arena (closing a shared one costs a handshake
     * with every JVM thread); {@link KvmVirtualCpu} touches it only while it may, and closes last.
     */
    private record Vcpu(int fd, MemorySegment runArea, int kickSignal, boolean syncsRegisters) implements VcpuPort {

        @Override
        public long ioctl(long request, long argument) {
            return INSTANCE.ioctl(fd, request, argument);
        }

        @Override
        public long ioctl(long request, MemorySegment argument) {
            return INSTANCE.ioctl(fd, request, argument);
        }

        @Override
        public long run() {
            return INSTANCE.ioctl(fd, kvm_h.KVM_RUN, 0L);
        }

        @Override
        public void immediateExit(boolean set) {
            kvm_run.immediate_exit(runArea, (byte) (set ? 1 : 0));
        }

        @Override
        public void kick(long runner) {
            int error = libc_h.pthread_kill(runner, kickSignal);
            if (error != 0) {
                LOG.warn("pthread_kill of a vCPU thread failed: {}", NativeFailure.describe(error));
            }
        }

        @Override
        public void abandon() {
            // Nothing: KVM_RUN in this process always returns to a kick; the kicks go on.
        }

        @Override
        public void close() {
            MemorySegment callState = CALL_STATE.get();
            if (libc_h.munmap(callState, runArea, runArea.byteSize()) != 0) {
                LOG.warn("munmap of kvm_run failed: {}", NativeFailure.describe(libc_h.errno(callState)));
            }
            INSTANCE.close(fd);
        }
    }
}
