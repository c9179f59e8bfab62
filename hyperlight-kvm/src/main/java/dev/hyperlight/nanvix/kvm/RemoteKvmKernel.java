package dev.hyperlight.nanvix.kvm;

import dev.hyperlight.nanvix.hostmem.GuestRam;
import dev.hyperlight.nanvix.hostmem.NativeFailure;
import dev.hyperlight.nanvix.hostmem.SnapshotRam;
import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.kvm.VmmRing.Op;
import dev.hyperlight.nanvix.kvm.VmmRing.Request;
import dev.hyperlight.nanvix.kvm.sys.kvm_h;
import dev.hyperlight.nanvix.kvm.sys.kvm_regs;
import dev.hyperlight.nanvix.kvm.sys.kvm_run;
import dev.hyperlight.nanvix.kvm.sys.kvm_sync_regs;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KVM in one confined VMM process, for one VM (the multi-process deployment): each call goes over
 * the process's control ring, each vCPU's over its own ring served by its own thread there. Guest
 * RAM is the VMM's sealed memfd, mapped here too, so the host I/O layer reads and writes guest
 * memory directly; this process holds no KVM descriptor.
 *
 * <p>A process that answers out of range, dies or hangs is distrusted at once: it is killed, so
 * that the other VMs it may host (a shared process, {@link VmmPool}) end too instead of running
 * on in a process that misbehaved, and it is never handed out again.
 */
final class RemoteKvmKernel implements KvmKernel {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteKvmKernel.class);

    private final VmmProcess vmm;
    private final Runnable release;

    /** KVM in {@code vmm}; {@code release} gives the process back when the VM closes. */
    RemoteKvmKernel(VmmProcess vmm, Runnable release) {
        this.vmm = vmm;
        this.release = release;
    }

    /** A call to the VMM process whose failure means the process is not to be trusted any more. */
    @FunctionalInterface
    interface VmmCall<T> {
        T call() throws HypervisorException;
    }

    private <T> T distrusting(VmmCall<T> call) throws HypervisorException {
        try {
            return call.call();
        } catch (HypervisorException | RuntimeException e) {
            vmm.close();
            throw e;
        }
    }

    VmmProcess vmm() {
        return vmm;
    }

    @Override
    public long ioctl(int fd, long request, long argument) throws HypervisorException {
        return distrusting(() -> vmm.control().call(new Request(Op.IOCTL, fd, request, argument, MemorySegment.NULL))
                .checkedResult());
    }

    @Override
    public long ioctl(int fd, long request, MemorySegment argument) throws HypervisorException {
        return distrusting(() -> vmm.control().call(new Request(Op.IOCTL, fd, request, 0, argument)).checkedResult());
    }

    @Override
    public GuestRam createRam(int vmFd, long size) throws HypervisorException {
        VmmRing.Response response = distrusting(() -> vmm.control().call(Request.of(Op.CREATE_RAM, vmFd, size)));
        long result = distrusting(response::checkedResult);
        if (result != 0) {
            throw NativeFailure.of("guest RAM in the VMM process", (int) -result);
        }
        int memfd = distrusting(() -> vmm.take(response.remoteFd(), size));
        try (Arena scratch = Arena.ofConfined()) {
            return GuestRam.mapShared(size, memfd, scratch.allocate(libc_h.CALL_STATE_LAYOUT));
        } finally {
            VmmProcess.closeFd(memfd); // the mapping keeps the file
        }
    }

    @Override
    public VcpuPort openVcpu(int vcpuFd, VcpuSetup setup) throws HypervisorException {
        if (setup.runMmapSize() > VmmRing.RUN_CAPACITY) {
            throw new HypervisorException(HypervisorException.Kind.UNSUPPORTED, "kvm_run of " + setup.runMmapSize()
                    + " bytes does not fit the VMM ring (" + VmmRing.RUN_CAPACITY + ")");
        }
        long validRegs = (setup.syncSpecialRegisters() ? kvm_h.KVM_SYNC_X86_SREGS : 0)
                | (setup.syncRegisters() ? kvm_h.KVM_SYNC_X86_REGS : 0);
        VmmRing.Response response = distrusting(() -> vmm.control().call(new Request(Op.OPEN_VCPU, vcpuFd, validRegs,
                setup.runMmapSize(), MemorySegment.NULL)));
        long result = distrusting(response::checkedResult);
        if (result != 0) {
            throw NativeFailure.of("the vCPU's channel in the VMM process", (int) -result);
        }
        int tid = distrusting(() -> {
            int thread = response.threadId();
            if (!Files.isDirectory(threadDirectory(thread))) {
                throw VmmRing.malformed("thread id " + thread + " is not a thread of VMM process " + vmm.pid());
            }
            return thread;
        });
        VmmProcess.Ring ring = distrusting(() -> vmm.openRing(response.remoteFd()));
        return new Vcpu(vcpuFd, ring, tid, Arena.ofAuto().allocate(setup.runMmapSize(), 8), setup.syncRegisters());
    }

    @Override
    public void close(int fd) {
        try {
            long result = vmm.control().call(Request.of(Op.CLOSE, fd, 0)).checkedResult();
            if (result != 0) {
                LOG.warn("close of KVM descriptor {} in the VMM process failed: {}", fd,
                        NativeFailure.describe((int) -result));
            }
        } catch (HypervisorException e) {
            LOG.debug("close of KVM descriptor {}: {}", fd, e.getMessage());
        }
    }

    /**
     * New RAM in the VMM process ({@link #createRam}), filled here with the snapshot's data
     * extents: a private copy-on-write mapping could not be shared with this process, which reads
     * and writes guest memory. The snapshot's memfd never reaches the VMM, so no VMM process can
     * read a template or another clone's pages, at the price of a copy of the snapshot's data per
     * clone (docs/architecture.md, "Deployments").
     */
    @Override
    public GuestRam cloneRam(int vmFd, SnapshotRam snapshot) throws HypervisorException {
        GuestRam ram = createRam(vmFd, snapshot.size());
        try {
            long start = System.nanoTime();
            long copied = snapshot.copyDataInto(ram.memory());
            LOG.debug("a clone's RAM in VMM process {}: {} KiB of the snapshot's data copied in {} us", vmm.pid(),
                    copied >> 10, (System.nanoTime() - start) / 1000);
            return ram;
        } catch (HypervisorException | RuntimeException e) {
            ram.close();
            throw e;
        }
    }

    @Override
    public void release() {
        release.run();
    }

    private Path threadDirectory(int tid) {
        return Path.of("/proc", Long.toString(vmm.pid()), "task", Integer.toString(tid));
    }

    /**
     * CPU time of the VMM process's thread {@code tid} in nanoseconds: the first field of its
     * {@code schedstat}, or, on a kernel without it, user plus system time of its {@code stat}
     * (in USER_HZ ticks, 100 a second on x86-64); -1 once the thread is gone.
     */
    static long threadCpuNanos(Path thread) {
        try {
            String schedstat = Files.readString(thread.resolve("schedstat"));
            return Long.parseLong(schedstat.substring(0, schedstat.indexOf(' ')));
        } catch (IOException | RuntimeException noSchedstat) {
            try {
                String stat = Files.readString(thread.resolve("stat"));
                // After the command's closing parenthesis: state is field 3, utime 14 and stime 15.
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10_000_000L;
            } catch (IOException | RuntimeException gone) {
                return -1;
            }
        }
    }

    /** A vCPU served by its own thread in the VMM process. */
    private final class Vcpu implements VcpuPort {

        private final int vcpuFd;
        private final VmmProcess.Ring ring;
        private final int tid;
        private final Path thread;
        /** This process's copy of the VMM's kvm_run, taken out of shared memory before it is decoded. */
        private final MemorySegment runArea;
        /** The thread's CPU time as last read: what counts once the process is gone. */
        private volatile long cpuNanos;
        private final boolean syncsRegisters;

        Vcpu(int vcpuFd, VmmProcess.Ring ring, int tid, MemorySegment runArea, boolean syncsRegisters) {
            this.vcpuFd = vcpuFd;
            this.ring = ring;
            this.tid = tid;
            this.thread = threadDirectory(tid);
            this.runArea = runArea;
            this.syncsRegisters = syncsRegisters;
        }

        /**
         * Through this process's copy of {@code kvm_run} and the ring: the VMM asks KVM to sync
         * them out at each exit (copied back with the rest of {@code kvm_run}), and {@link #run()}
         * hands registers marked dirty here to the VMM, which marks them dirty for its next
         * {@code KVM_RUN}. No {@code KVM_GET_REGS}/{@code KVM_SET_REGS} round trip per exit.
         */
        @Override
        public boolean syncsRegisters() {
            return syncsRegisters;
        }

        @Override
        public long cpuTimeElsewhereNanos() {
            long now = threadCpuNanos(thread);
            if (now > cpuNanos) {
                cpuNanos = now;
            }
            return cpuNanos;
        }

        @Override
        public long ioctl(long request, long argument) throws HypervisorException {
            return distrusting(() -> ring.call(new Request(Op.IOCTL, -1, request, argument, MemorySegment.NULL))
                    .checkedResult());
        }

        @Override
        public long ioctl(long request, MemorySegment argument) throws HypervisorException {
            return distrusting(() -> ring.call(new Request(Op.IOCTL, -1, request, 0, argument)).checkedResult());
        }

        @Override
        public long run() throws HypervisorException {
            MemorySegment shared = ring.shared();
            long dirty = syncsRegisters
                    ? runArea.get(ValueLayout.JAVA_LONG, kvm_run.kvm_dirty_regs$OFFSET) & kvm_h.KVM_SYNC_X86_REGS : 0;
            if (dirty != 0) {
                MemorySegment.copy(kvm_sync_regs.regs(kvm_run.s_regs(runArea)), 0, shared,
                        VmmRing.RUN_OFFSET + kvm_run.s_regs$OFFSET + kvm_sync_regs.regs$OFFSET, kvm_regs.layout().byteSize());
            }
            shared.set(ValueLayout.JAVA_LONG, VmmRing.RUN_OFFSET + kvm_run.kvm_dirty_regs$OFFSET, dirty);
            return distrusting(() -> {
                long result = ring.call(Request.of(Op.RUN, -1, 0)).checkedResult();
                VmmRing.copyRun(ring.shared(), runArea);
                if (result > 0) {
                    throw VmmRing.malformed("KVM_RUN result " + result);
                }
                return result;
            });
        }

        /** The exit the VMM copied out could not be decoded: what it sent is not to be trusted. */
        @Override
        public void distrust() {
            LOG.warn("the VMM process {} sent an exit that does not decode: killing it", vmm.pid());
            vmm.close();
        }

        @Override
        public MemorySegment runArea() {
            return runArea;
        }

        @Override
        public void immediateExit(boolean set) {
            ring.immediateExit(set);
        }

        @Override
        public void kick(long runner) {
            vmm.kick(tid);
        }

        @Override
        public void abandon() {
            LOG.warn("the VMM process {} does not stop its vCPU: killing it", vmm.pid());
            vmm.close();
        }

        /** Ends the vCPU's thread in the VMM process, then closes the vCPU fd there. */
        @Override
        public void close() {
            try {
                ring.call(Request.of(Op.CLOSE, -1, 0));
            } catch (HypervisorException e) {
                LOG.debug("closing a vCPU of the VMM process: {}", e.getMessage());
            }
            ring.close();
            RemoteKvmKernel.this.close(vcpuFd);
        }
    }
}
