package dev.hyperlight.nanvix.kvm;

import dev.hyperlight.nanvix.hostmem.GuestRam;
import dev.hyperlight.nanvix.hostmem.SnapshotRam;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import java.lang.foreign.MemorySegment;

/**
 * The one seam through which this backend reaches the kernel's KVM: in this process ({@link
 * LocalKvmKernel}, FFM calls, the in-process deployment) or in a confined VMM process ({@link
 * RemoteKvmKernel}, the multi-process deployment). Everything above it (probing, registers, the run
 * loop, exit decoding) is the same in both.
 */
sealed interface KvmKernel permits LocalKvmKernel, RemoteKvmKernel {

    /** {@code ioctl(fd, request, argument)} with an integer argument: the result, or {@code -errno}. */
    long ioctl(int fd, long request, long argument) throws HypervisorException;

    /** {@code ioctl(fd, request, argument)} with a structure: the result, or {@code -errno}. */
    long ioctl(int fd, long request, MemorySegment argument) throws HypervisorException;

    /** Zeroed guest RAM of {@code size} bytes, registered as memory slot 0 (GPA 0) of {@code vmFd}. */
    GuestRam createRam(int vmFd, long size) throws HypervisorException;

    /** The channel to the vCPU {@code vcpuFd} (KVM_CREATE_VCPU's result): its ioctls and runs. */
    VcpuPort openVcpu(int vcpuFd, VcpuSetup setup) throws HypervisorException;

    /** Closes a descriptor KVM gave (a VM's); failures are logged, not thrown. */
    void close(int fd);

    /**
     * Guest RAM for a clone of {@code snapshot}, registered as memory slot 0 (GPA 0) of {@code
     * vmFd}, reading as the snapshot's: in this process a copy-on-write mapping of its memfd; in a
     * VMM process, whose RAM this process must share, new RAM filled with the snapshot's data.
     */
    GuestRam cloneRam(int vmFd, SnapshotRam snapshot) throws HypervisorException;

    /** Called when the VM this kernel served is closed: a VMM process ends with its VM. */
    void release();

    /** One vCPU's channel. All but {@link #immediateExit} and {@link #kick} are for the thread that runs it. */
    interface VcpuPort {

        long ioctl(long request, long argument) throws HypervisorException;

        long ioctl(long request, MemorySegment argument) throws HypervisorException;

        /** {@code KVM_RUN}: 0, or {@code -errno}; then {@link #runArea()} holds the exit. */
        long run() throws HypervisorException;

        /**
         * The {@code kvm_run} area to decode, all {@code KVM_GET_VCPU_MMAP_SIZE} bytes: the mapping
         * itself in this process, a private copy of the VMM's made at the end of {@link #run()}.
         */
        MemorySegment runArea();

        /**
         * Whether KVM syncs the general registers through {@link #runArea()} both ways: out at each
         * exit, and in at the next {@code KVM_RUN} when marked dirty (only where the area is KVM's
         * own mapping, not a copy).
         */
        default boolean syncsRegisters() {
            return false;
        }

        /** Sets or clears what the next {@code KVM_RUN} finds in {@code immediate_exit}; any thread. */
        void immediateExit(boolean set);

        /**
         * Forces the run in progress out with {@code EINTR}: signals {@code runner} (the
         * {@code pthread_t} of the thread in {@link #run()}) in this process, or the VMM's thread.
         */
        void kick(long runner);

        /** See {@link dev.hyperlight.nanvix.hypervisor.VirtualCpu#cpuTimeElsewhereNanos()}: the VMM thread's, or 0 in-process. */
        default long cpuTimeElsewhereNanos() {
            return 0;
        }

        /**
         * The exit in {@link #runArea()} did not decode: a VMM process that sent it is killed (it
         * may host other VMs); in this process the area is KVM's own, and the run just fails.
         */
        default void distrust() {}

        /** Gives up on a run that kicks do not stop: only a VMM process can hang so; it is killed. */
        void abandon();

        /** Unmaps {@code kvm_run} and closes the vCPU; no run may be in progress. */
        void close();
    }
}
