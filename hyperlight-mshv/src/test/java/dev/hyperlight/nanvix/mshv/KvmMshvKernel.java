package dev.hyperlight.nanvix.mshv;

import static dev.hyperlight.nanvix.kvm.sys.kvm_h.*;
import static dev.hyperlight.nanvix.mshv.sys.hv_h.*;
import static dev.hyperlight.nanvix.mshv.sys.mshv_h.*;

import dev.hyperlight.nanvix.hostmem.sys.ioctl_h;
import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import dev.hyperlight.nanvix.kvm.sys.kvm_cpuid2;
import dev.hyperlight.nanvix.kvm.sys.kvm_cpuid_entry2;
import dev.hyperlight.nanvix.kvm.sys.kvm_dtable;
import dev.hyperlight.nanvix.kvm.sys.kvm_msr_entry;
import dev.hyperlight.nanvix.kvm.sys.kvm_msrs;
import dev.hyperlight.nanvix.kvm.sys.kvm_regs;
import dev.hyperlight.nanvix.kvm.sys.kvm_run;
import dev.hyperlight.nanvix.kvm.sys.kvm_segment;
import dev.hyperlight.nanvix.kvm.sys.kvm_sregs;
import dev.hyperlight.nanvix.kvm.sys.kvm_userspace_memory_region;
import dev.hyperlight.nanvix.mshv.sys.hv_input_get_vp_registers;
import dev.hyperlight.nanvix.mshv.sys.hv_input_set_partition_property;
import dev.hyperlight.nanvix.mshv.sys.hv_message;
import dev.hyperlight.nanvix.mshv.sys.hv_register_assoc;
import dev.hyperlight.nanvix.mshv.sys.hv_x64_intercept_message_header;
import dev.hyperlight.nanvix.mshv.sys.hv_x64_io_port_intercept_message;
import dev.hyperlight.nanvix.mshv.sys.hv_x64_memory_intercept_message;
import dev.hyperlight.nanvix.mshv.sys.hv_x64_segment_register;
import dev.hyperlight.nanvix.mshv.sys.hv_x64_table_register;
import dev.hyperlight.nanvix.mshv.sys.mshv_create_partition;
import dev.hyperlight.nanvix.mshv.sys.mshv_create_vp;
import dev.hyperlight.nanvix.mshv.sys.mshv_get_set_vp_state;
import dev.hyperlight.nanvix.mshv.sys.mshv_root_hvcall;
import dev.hyperlight.nanvix.mshv.sys.mshv_user_mem_region;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TEST HARNESS, not a product feature: an {@link MshvKernel} that gives the documented semantics
 * of the mshv driver and the Microsoft Hypervisor on top of {@code /dev/kvm}, so that the mshv
 * backend's own code (call sequence, register hypercalls, intercept decoding, completing
 * intercepted instructions, interruption) runs end to end on a machine without Hyper-V.
 *
 * <ul>
 *   <li>The device is a KVM device; a partition is a KVM VM, which accepts only {@code
 *       MSHV_ROOT_HVCALL} (early properties) and {@code MSHV_INITIALIZE_PARTITION} until
 *       initialized; a VP is a vCPU with the host's supported CPUID.
 *   <li>{@code HvCallGetVpRegisters}/{@code HvCallSetVpRegisters} are translated register by register
 *       to KVM's regs, sregs, MSRs and XCR0, with the TLFS encodings (packed segment attributes,
 *       table registers), written here independently of the backend's conversion.
 *   <li>{@code MSHV_RUN_VP} runs the vCPU and builds the {@code hv_message} from the KVM exit. An
 *       I/O exit is left undone as mshv leaves it: RIP on the instruction, its length in the
 *       header, an {@code in}'s RAX not loaded. KVM's own completion of the instruction is run and
 *       undone, and the instruction is decoded from guest memory ({@link IoInstruction}), on
 *       hardware KVM (RIP still on the instruction at the exit) and under PVM (whose emulator has
 *       already moved RIP past an {@code out} at the exit) alike.
 *   <li>A signal makes {@code MSHV_RUN_VP} return {@code EINTR}, as KVM_RUN does.
 *   <li>{@code MSHV_GET/SET_VP_STATE} of the XSAVE area map to KVM's (standard, not compacted, format).
 *   <li>{@code MSHV_SET_GUEST_MEMORY} takes any page-aligned mapping of the process, a clone's
 *       private mapping of a snapshot's memfd included, and refuses regions overlapping in
 *       guest-physical addresses ({@code EEXIST}).
 * </ul>
 *
 * What it cannot prove is listed in docs/architecture.md ("The mshv backend").
 */
public final class KvmMshvKernel implements MshvKernel {

    private static final Logger LOG = LoggerFactory.getLogger(KvmMshvKernel.class);
    private static final int EINVAL = 22;
    private static final int EBADF = 9;
    private static final int EBADFD = 77;
    private static final int EIO = 5;
    private static final int EEXIST = 17;
    private static final int ENOTTY = 25;
    private static final int ENOSYS = 38;
    private static final int HV_STATUS_INVALID_PARAMETER = 0x5;
    private static final int HV_STATUS_INVALID_PARTITION_STATE = 0x7;
    private static final int MAX_CPUID_ENTRIES = 256;
    private static final int XCR0 = 0;
    private static final long XCR0_RESET = 1; // x87 only

    /** What each descriptor this kernel returned stands for. */
    private sealed interface Node {}

    private record Device(int kvmFd, MemorySegment cpuid, long runSize) implements Node {}

    /** Guest RAM the partition maps: {@code size} bytes at guest-physical {@code gpa}, at {@code host} here. */
    private record Slot(long gpa, long size, MemorySegment host) {}

    private static final class Partition implements Node {
        final Device device;
        final int vmFd;
        volatile boolean initialized;
        final List<Slot> slots = new CopyOnWriteArrayList<>();

        Partition(Device device, int vmFd) {
            this.device = device;
            this.vmFd = vmFd;
        }
    }

    private record Vp(Partition partition, int vcpuFd, int index, MemorySegment run) implements Node {}

    private final Map<Integer, Node> nodes = new ConcurrentHashMap<>();

    @Override
    public int open(Path device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
            int fd = libc_h.open(callState, arena.allocateFrom(device.toString()), libc_h.O_RDWR | libc_h.O_CLOEXEC, 0);
            if (fd < 0) {
                return -libc_h.errno(callState);
            }
            if (libc_h.ioctl(callState, fd, KVM_GET_API_VERSION, 0L) != KVM_API_VERSION) {
                libc_h.close(callState, fd);
                return -ENOTTY; // not a KVM device: not an mshv device either
            }
            long runSize = libc_h.ioctl(callState, fd, KVM_GET_VCPU_MMAP_SIZE, 0L);
            long header = kvm_cpuid2.layout().byteSize();
            MemorySegment cpuid = Arena.ofAuto().allocate(header + MAX_CPUID_ENTRIES * kvm_cpuid_entry2.layout().byteSize(), 8);
            kvm_cpuid2.nent(cpuid, MAX_CPUID_ENTRIES);
            if (runSize <= 0 || libc_h.ioctl(callState, fd, KVM_GET_SUPPORTED_CPUID, cpuid) != 0) {
                int errno = libc_h.errno(callState);
                libc_h.close(callState, fd);
                return -Math.max(errno, 1);
            }
            nodes.put(fd, new Device(fd, cpuid, runSize));
            return fd;
        }
    }

    @Override
    public int ioctl(int fd, long request, MemorySegment argument) {
        Node node = nodes.get(fd);
        try (Arena arena = Arena.ofConfined()) {
            return switch (node) {
                case null -> -EBADF;
                case Device device -> device(device, request, argument, arena);
                case Partition partition -> partition(partition, request, argument, arena);
                case Vp vp -> vp(vp, request, argument, arena);
            };
        }
    }

    @Override
    public int close(int fd) {
        Node node = nodes.remove(fd);
        if (node == null) {
            return -EBADF;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
            if (node instanceof Vp vp) {
                libc_h.munmap(callState, vp.run(), vp.run().byteSize());
            }
            return libc_h.close(callState, fd) == 0 ? 0 : -libc_h.errno(callState);
        }
    }

    // ---- /dev/mshv

    private int device(Device device, long request, MemorySegment argument, Arena arena) {
        if (request != MSHV_CREATE_PARTITION) {
            return -ENOTTY; // the root driver's /dev/mshv knows no other call (MSHV_CHECK_EXTENSION included)
        }
        MemorySegment args = argument.reinterpret(mshv_create_partition.layout().byteSize());
        long flags = mshv_create_partition.pt_flags(args);
        long isolation = mshv_create_partition.pt_isolation(args);
        if (flags != 0 || isolation != MSHV_PT_ISOLATION_NONE) {
            LOG.warn("harness: partition flags 0x{} / isolation {} not emulated", Long.toHexString(flags), isolation);
            return -EINVAL;
        }
        MemorySegment callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
        int vmFd = libc_h.ioctl(callState, device.kvmFd(), KVM_CREATE_VM, 0L);
        if (vmFd < 0) {
            return -libc_h.errno(callState);
        }
        nodes.put(vmFd, new Partition(device, vmFd));
        return vmFd;
    }

    // ---- partition fds

    private int partition(Partition partition, long request, MemorySegment argument, Arena arena) {
        if (request == MSHV_INITIALIZE_PARTITION) {
            if (partition.initialized) {
                return -EINVAL;
            }
            partition.initialized = true;
            return 0;
        }
        if (request == MSHV_ROOT_HVCALL) {
            return partitionHypercall(partition, argument.reinterpret(mshv_root_hvcall.layout().byteSize()));
        }
        if (!partition.initialized) {
            return -EBADFD; // everything else needs an initialized partition
        }
        MemorySegment callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
        if (request == MSHV_SET_GUEST_MEMORY) {
            MemorySegment region = argument.reinterpret(mshv_user_mem_region.layout().byteSize());
            long size = mshv_user_mem_region.size(region);
            long address = mshv_user_mem_region.userspace_addr(region);
            int flags = Byte.toUnsignedInt(mshv_user_mem_region.flags(region));
            if (size == 0 || size % MSHV_HV_PAGE_SIZE != 0 || address % MSHV_HV_PAGE_SIZE != 0
                    || (flags & ~((1 << MSHV_SET_MEM_BIT_WRITABLE) | (1 << MSHV_SET_MEM_BIT_EXECUTABLE))) != 0) {
                return -EINVAL; // unmapping and read-only slots are not emulated
            }
            long gpa = mshv_user_mem_region.guest_pfn(region) * MSHV_HV_PAGE_SIZE;
            for (Slot mapped : partition.slots) {
                if (gpa < mapped.gpa() + mapped.size() && mapped.gpa() < gpa + size) {
                    return -EEXIST; // the driver refuses regions that overlap in guest-physical addresses
                }
            }
            // Any mapping of this process will do, private ones of a file included (a clone's RAM
            // is the snapshot's memfd mapped MAP_PRIVATE): KVM, like the driver, takes the pages
            // from the process's page tables. Unlike the driver, KVM never asks for write access
            // to a page the guest only reads (docs/architecture.md, what the harness cannot prove).
            MemorySegment slot = arena.allocate(kvm_userspace_memory_region.layout());
            kvm_userspace_memory_region.slot(slot, partition.slots.size());
            kvm_userspace_memory_region.flags(slot, 0);
            kvm_userspace_memory_region.guest_phys_addr(slot, mshv_user_mem_region.guest_pfn(region) * MSHV_HV_PAGE_SIZE);
            kvm_userspace_memory_region.memory_size(slot, size);
            kvm_userspace_memory_region.userspace_addr(slot, address);
            if (libc_h.ioctl(callState, partition.vmFd, KVM_SET_USER_MEMORY_REGION, slot) != 0) {
                return -libc_h.errno(callState);
            }
            partition.slots.add(new Slot(kvm_userspace_memory_region.guest_phys_addr(slot), size, hostMemory(address, size)));
            return 0;
        }
        if (request == MSHV_CREATE_VP) {
            int index = mshv_create_vp.vp_index(argument.reinterpret(mshv_create_vp.layout().byteSize()));
            return createVp(partition, index, callState, arena);
        }
        return -ENOTTY;
    }

    @SuppressWarnings("restricted") // the VMM's own mapping, just given to KVM as guest RAM
    private static MemorySegment hostMemory(long address, long size) {
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    @SuppressWarnings("restricted") // sizes the kvm_run mapping just made
    private int createVp(Partition partition, int index, MemorySegment callState, Arena arena) {
        int vcpuFd = libc_h.ioctl(callState, partition.vmFd, KVM_CREATE_VCPU, index);
        if (vcpuFd < 0) {
            return -libc_h.errno(callState);
        }
        long runSize = partition.device.runSize();
        MemorySegment run = libc_h.mmap(callState, MemorySegment.NULL, runSize, libc_h.PROT_READ | libc_h.PROT_WRITE,
                libc_h.MAP_SHARED, vcpuFd, 0);
        if (run.address() == libc_h.MAP_FAILED) {
            int errno = libc_h.errno(callState);
            libc_h.close(callState, vcpuFd);
            return -errno;
        }
        MemorySegment cpuid = partition.device.cpuid();
        long used = kvm_cpuid2.layout().byteSize() + kvm_cpuid2.nent(cpuid) * kvm_cpuid_entry2.layout().byteSize();
        MemorySegment copy = arena.allocate(used, 8).copyFrom(cpuid.asSlice(0, used));
        if (libc_h.ioctl(callState, vcpuFd, KVM_SET_CPUID2, copy) != 0) {
            int errno = libc_h.errno(callState);
            libc_h.munmap(callState, run, runSize);
            libc_h.close(callState, vcpuFd);
            return -errno;
        }
        nodes.put(vcpuFd, new Vp(partition, vcpuFd, index, run.reinterpret(runSize)));
        return vcpuFd;
    }

    /** The one partition hypercall the backend makes: the synthetic processor features, early, as 0. */
    private int partitionHypercall(Partition partition, MemorySegment call) {
        int code = Short.toUnsignedInt(mshv_root_hvcall.code(call));
        if (code != HVCALL_SET_PARTITION_PROPERTY
                || mshv_root_hvcall.in_sz(call) != hv_input_set_partition_property.layout().byteSize()) {
            return -EINVAL;
        }
        MemorySegment input = MemorySegment.ofAddress(mshv_root_hvcall.in_ptr(call))
                .reinterpret(hv_input_set_partition_property.layout().byteSize());
        if (hv_input_set_partition_property.property_code(input) != HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES
                || hv_input_set_partition_property.property_value(input) != 0) {
            return hypercallFailed(call, HV_STATUS_INVALID_PARAMETER);
        }
        if (partition.initialized) {
            return hypercallFailed(call, HV_STATUS_INVALID_PARTITION_STATE); // an early property, too late
        }
        mshv_root_hvcall.status(call, (short) HV_STATUS_SUCCESS);
        return 0;
    }

    private static int hypercallFailed(MemorySegment call, int status) {
        mshv_root_hvcall.status(call, (short) status);
        return -EIO;
    }

    // ---- VP fds

    private int vp(Vp vp, long request, MemorySegment argument, Arena arena) {
        MemorySegment callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
        if (request == MSHV_RUN_VP) {
            return run(vp, argument.reinterpret(MSHV_RUN_VP_BUF_SZ), callState, arena);
        }
        if (request == MSHV_ROOT_HVCALL) {
            return registersHypercall(vp, argument.reinterpret(mshv_root_hvcall.layout().byteSize()), callState, arena);
        }
        if (request == MSHV_GET_VP_STATE || request == MSHV_SET_VP_STATE) {
            MemorySegment args = argument.reinterpret(mshv_get_set_vp_state.layout().byteSize());
            long size = Integer.toUnsignedLong(mshv_get_set_vp_state.buf_sz(args));
            long address = mshv_get_set_vp_state.buf_ptr(args);
            if (mshv_get_set_vp_state.type(args) != MSHV_VP_STATE_XSAVE || size % MSHV_HV_PAGE_SIZE != 0
                    || address % MSHV_HV_PAGE_SIZE != 0) {
                return -EINVAL;
            }
            if (size < KVM_XSAVE_SIZE) {
                mshv_get_set_vp_state.buf_sz(args, (int) KVM_XSAVE_SIZE); // the size needed
                return -EINVAL;
            }
            MemorySegment buffer = MemorySegment.ofAddress(address).reinterpret(KVM_XSAVE_SIZE);
            long kvmRequest = request == MSHV_GET_VP_STATE ? KVM_GET_XSAVE : KVM_SET_XSAVE;
            if (libc_h.ioctl(callState, vp.vcpuFd(), kvmRequest, buffer) != 0) {
                return -libc_h.errno(callState);
            }
            mshv_get_set_vp_state.buf_sz(args, (int) KVM_XSAVE_SIZE);
            return 0;
        }
        return -ENOTTY;
    }

    /** {@code MSHV_RUN_VP}: KVM_RUN, then the KVM exit as the {@code hv_message} mshv would have copied out. */
    private int run(Vp vp, MemorySegment message, MemorySegment callState, Arena arena) {
        if (libc_h.ioctl(callState, vp.vcpuFd(), KVM_RUN, 0L) != 0) {
            return -libc_h.errno(callState); // EINTR when a signal kicked the thread
        }
        MemorySegment run = vp.run();
        message.fill((byte) 0);
        MemorySegment payload = hv_message.payload(message);
        MemorySegment header = payload.asSlice(0, hv_x64_intercept_message_header.layout().byteSize());
        MemorySegment regs = arena.allocate(kvm_regs.layout());
        MemorySegment sregs = arena.allocate(kvm_sregs.layout());
        if (libc_h.ioctl(callState, vp.vcpuFd(), KVM_GET_REGS, regs) != 0
                || libc_h.ioctl(callState, vp.vcpuFd(), KVM_GET_SREGS, sregs) != 0) {
            return -libc_h.errno(callState);
        }
        int reason = kvm_run.exit_reason(run);
        switch (reason) {
            case KVM_EXIT_IO -> {
                int result = ioIntercept(vp, regs, sregs, header, payload, callState);
                if (result != 0) {
                    return result;
                }
                message(message, HVMSG_X64_IO_PORT_INTERCEPT, hv_x64_io_port_intercept_message.layout().byteSize());
            }
            case KVM_EXIT_MMIO -> {
                hv_x64_memory_intercept_message.guest_physical_address(payload, kvm_run.mmio_phys_addr(run));
                message(message, HVMSG_UNMAPPED_GPA, hv_x64_memory_intercept_message.layout().byteSize());
            }
            case KVM_EXIT_HLT -> message(message, HVMSG_X64_HALT, header.byteSize());
            case KVM_EXIT_SHUTDOWN -> message(message, HVMSG_UNRECOVERABLE_EXCEPTION, header.byteSize());
            case KVM_EXIT_FAIL_ENTRY -> message(message, HVMSG_INVALID_VP_REGISTER_VALUE, header.byteSize());
            default -> message(message, HVMSG_UNSUPPORTED_FEATURE, 0);
        }
        if (reason != KVM_EXIT_IO) {
            interceptHeader(vp, header, regs, sregs, 0, reason == KVM_EXIT_MMIO && kvm_run.mmio_is_write(run) != 0);
        }
        return 0;
    }

    /**
     * Fills an I/O port intercept and leaves the instruction undone, as mshv does: RIP on the
     * instruction, its length in the header, an {@code in}'s RAX not loaded.
     *
     * <p>KVM finishes an I/O instruction either at the next KVM_RUN (hardware virtualization; PVM
     * for an {@code in}: RIP is still on the instruction at the exit) or before the exit (PVM's
     * instruction emulator, which runs the guest's supervisor code, for an {@code out}: RIP is
     * already past it; never an {@code in}, whose value comes from the VMM). A KVM_RUN with
     * {@code immediate_exit} completes what is pending without entering the guest; whether RIP
     * moved then tells the two apart. The instruction's bytes are
     * decoded from guest memory (RIP translated through the guest's page tables by KVM_TRANSLATE)
     * at RIP before the completion, or backwards from it when KVM had already moved RIP past
     * it, and must be an I/O instruction making the exit KVM reported; its length is the header's,
     * and must equal how far the completion moved RIP when it did. Then RIP and RAX are put back
     * to the instruction's start and their value before it.
     */
    private int ioIntercept(Vp vp, MemorySegment regs, MemorySegment sregs, MemorySegment header,
            MemorySegment payload, MemorySegment callState) {
        MemorySegment run = vp.run();
        int size = Byte.toUnsignedInt(kvm_run.io_size(run));
        boolean out = kvm_run.io_direction(run) == KVM_EXIT_IO_OUT;
        int port = Short.toUnsignedInt(kvm_run.io_port(run));
        if (kvm_run.io_count(run) != 1) {
            LOG.error("harness: string I/O (port 0x{}, {} repetitions) is not emulated", Integer.toHexString(port),
                    kvm_run.io_count(run));
            return -ENOSYS;
        }
        long ripBefore = kvm_regs.rip(regs);
        long raxBefore = kvm_regs.rax(regs);
        long rdx = kvm_regs.rdx(regs);
        kvm_run.immediate_exit(run, (byte) 1);
        int completed = libc_h.ioctl(callState, vp.vcpuFd(), KVM_RUN, 0L);
        int errno = libc_h.errno(callState);
        kvm_run.immediate_exit(run, (byte) 0);
        if (completed == 0 || errno != libc_h.EINTR) {
            return completed == 0 ? -EIO : -errno;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment now = arena.allocate(kvm_regs.layout());
            if (libc_h.ioctl(callState, vp.vcpuFd(), KVM_GET_REGS, now) != 0) {
                return -libc_h.errno(callState);
            }
            long moved = kvm_regs.rip(now) - ripBefore;
            if (moved == 0 && !out) {
                // An in reads what the VMM supplies, so KVM cannot have finished one before the exit.
                LOG.error("harness: completing an in from port 0x{} did not move RIP 0x{}", Integer.toHexString(port),
                        Long.toHexString(ripBefore));
                return -EIO;
            }
            GuestCode code = new GuestCode(vp, sregs, arena);
            IoInstruction.Mode mode = code.mode();
            IoInstruction instruction = moved != 0
                    ? IoInstruction.at(code, ripBefore, mode, out, size, port, rdx)
                    : IoInstruction.endingAt(code, ripBefore, mode, out, size, port, rdx);
            if (instruction == null || (moved != 0 && instruction.length() != moved)) {
                LOG.error("harness: no I/O instruction making the exit ({} port 0x{}, {} bytes) {} RIP 0x{}"
                                + " (KVM moved RIP by {} completing it): {}",
                        out ? "out to" : "in from", Integer.toHexString(port), size, moved != 0 ? "at" : "ending at",
                        Long.toHexString(ripBefore), moved, instruction);
                return -EIO;
            }
            if (instruction.string()) {
                LOG.error("harness: string I/O ({}) is not emulated", instruction);
                return -ENOSYS;
            }
            kvm_regs.rip(now, moved != 0 ? ripBefore : ripBefore - instruction.length());
            kvm_regs.rax(now, raxBefore);
            if (libc_h.ioctl(callState, vp.vcpuFd(), KVM_SET_REGS, now) != 0) {
                return -libc_h.errno(callState);
            }
            interceptHeader(vp, header, now, sregs, instruction.length(), out);
        }
        hv_x64_io_port_intercept_message.port_number(payload, (short) port);
        hv_x64_io_port_intercept_message.access_info(payload, (byte) size);
        hv_x64_io_port_intercept_message.rax(payload, raxBefore);
        return 0;
    }

    /** KVM_TRANSLATE: a guest linear address through the vCPU's current page tables. */
    private static final long KVM_TRANSLATE = ioctl_h._IOWR(KVMIO, 0x85, 24);
    private static final long PAGE = 4096;

    /**
     * The guest's code bytes by RIP, for the I/O exit of one VP: RIP to a linear address by the
     * code segment (its base counts outside 64-bit mode), to a guest-physical one by KVM_TRANSLATE
     * (struct kvm_translation: linear address, physical address, valid), which must lie in RAM the
     * partition mapped; pages translated once each.
     */
    private static final class GuestCode implements IoInstruction.Code {
        private final Vp vp;
        private final MemorySegment cs;
        private final boolean longMode;
        private final Arena arena;
        private final Map<Long, Long> pages = new HashMap<>();

        GuestCode(Vp vp, MemorySegment sregs, Arena arena) {
            this.vp = vp;
            this.cs = kvm_sregs.cs(sregs);
            this.longMode = (kvm_sregs.efer(sregs) & (1 << 10)) != 0 && kvm_segment.l(cs) != 0;
            this.arena = arena;
        }

        IoInstruction.Mode mode() {
            return new IoInstruction.Mode(longMode, longMode || kvm_segment.db(cs) != 0);
        }

        @Override
        public int at(long rip) {
            long linear = longMode ? rip : (kvm_segment.base(cs) + rip) & 0xffff_ffffL;
            long page = pages.computeIfAbsent(linear & -PAGE, this::translate);
            if (page < 0) {
                return -1;
            }
            long gpa = page + (linear & (PAGE - 1));
            for (Slot slot : vp.partition().slots) {
                if (gpa - slot.gpa() >= 0 && gpa - slot.gpa() < slot.size()) {
                    return Byte.toUnsignedInt(slot.host().get(ValueLayout.JAVA_BYTE, gpa - slot.gpa()));
                }
            }
            return -1; // not RAM: no code the harness can read
        }

        /** The guest-physical page {@code linear} maps to, or -1. */
        private long translate(long linear) {
            MemorySegment translation = arena.allocate(24, 8);
            translation.fill((byte) 0);
            translation.set(ValueLayout.JAVA_LONG, 0, linear);
            MemorySegment callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
            if (libc_h.ioctl(callState, vp.vcpuFd(), KVM_TRANSLATE, translation) != 0
                    || translation.get(ValueLayout.JAVA_BYTE, 16) == 0) {
                return -1;
            }
            return translation.get(ValueLayout.JAVA_LONG, 8) & -PAGE;
        }
    }

    private static void message(MemorySegment message, int type, long payloadSize) {
        hv_message.message_type(message, type);
        hv_message.payload_size(message, (byte) payloadSize);
    }

    /** The x64 intercept header: VP, instruction length, access, execution state (CPL, CR0.PE, EFER.LMA), CS, RIP, RFLAGS. */
    private static void interceptHeader(Vp vp, MemorySegment header, MemorySegment regs, MemorySegment sregs,
            int instructionLength, boolean write) {
        hv_x64_intercept_message_header.vp_index(header, vp.index());
        hv_x64_intercept_message_header.instruction_length_cr8(header, (byte) instructionLength);
        hv_x64_intercept_message_header.intercept_access_type(header,
                (byte) (write ? HV_INTERCEPT_ACCESS_WRITE : HV_INTERCEPT_ACCESS_READ));
        long cr0 = kvm_sregs.cr0(sregs);
        boolean protectedMode = (cr0 & 1) != 0;
        int cpl = protectedMode ? Byte.toUnsignedInt(kvm_segment.dpl(kvm_sregs.ss(sregs))) : 0;
        boolean longMode = (kvm_sregs.efer(sregs) & (1 << 10)) != 0;
        hv_x64_intercept_message_header.execution_state(header,
                (short) (cpl | (protectedMode ? 1 << 2 : 0) | (longMode ? 1 << 4 : 0)));
        toHv(kvm_sregs.cs(sregs), hv_x64_intercept_message_header.cs_segment(header));
        hv_x64_intercept_message_header.rip(header, kvm_regs.rip(regs));
        hv_x64_intercept_message_header.rflags(header, kvm_regs.rflags(regs));
    }

    // ---- registers through hypercalls

    private int registersHypercall(Vp vp, MemorySegment call, MemorySegment callState, Arena arena) {
        int code = Short.toUnsignedInt(mshv_root_hvcall.code(call));
        int count = Short.toUnsignedInt(mshv_root_hvcall.reps(call));
        long headerSize = hv_input_get_vp_registers.layout().byteSize();
        long assocSize = hv_register_assoc.layout().byteSize();
        boolean get = code == HVCALL_GET_VP_REGISTERS;
        if (!get && code != HVCALL_SET_VP_REGISTERS) {
            return -EINVAL;
        }
        long inputSize = headerSize + (get ? 4L : assocSize) * count;
        long outputSize = get ? 16L * count : 0;
        if (count == 0 || Short.toUnsignedInt(mshv_root_hvcall.in_sz(call)) != inputSize
                || Short.toUnsignedInt(mshv_root_hvcall.out_sz(call)) != outputSize || inputSize > MSHV_HV_PAGE_SIZE
                || outputSize > MSHV_HV_PAGE_SIZE) {
            return -EINVAL;
        }
        MemorySegment input = MemorySegment.ofAddress(mshv_root_hvcall.in_ptr(call)).reinterpret(inputSize);
        if (hv_input_get_vp_registers.vp_index(input) != vp.index() || hv_input_get_vp_registers.input_vtl(input) != 0) {
            return hypercallFailed(call, HV_STATUS_INVALID_PARAMETER);
        }
        RegisterFile file = RegisterFile.read(vp.vcpuFd(), callState, arena);
        if (file == null) {
            return -libc_h.errno(callState);
        }
        MemorySegment output = get ? MemorySegment.ofAddress(mshv_root_hvcall.out_ptr(call)).reinterpret(outputSize) : null;
        for (int i = 0; i < count; i++) {
            boolean known;
            if (get) {
                int name = input.get(ValueLayout.JAVA_INT_UNALIGNED, headerSize + 4L * i);
                known = file.get(name, output.asSlice(16L * i, 16));
            } else {
                MemorySegment assoc = input.asSlice(headerSize + assocSize * i, assocSize);
                known = file.set(hv_register_assoc.name(assoc), assoc.asSlice(hv_register_assoc.value_low$OFFSET, 16));
            }
            if (!known) {
                mshv_root_hvcall.reps(call, (short) i);
                return hypercallFailed(call, HV_STATUS_INVALID_PARAMETER);
            }
        }
        if (!get && !file.write(callState)) {
            return hypercallFailed(call, HV_STATUS_INVALID_PARAMETER);
        }
        mshv_root_hvcall.reps(call, (short) count);
        mshv_root_hvcall.status(call, (short) HV_STATUS_SUCCESS);
        return 0;
    }

    /** One vCPU's KVM register state, read once per hypercall, translated name by name. */
    private static final class RegisterFile {
        private static final Map<Integer, Integer> MSRS = Map.of(
                HV_X64_REGISTER_TSC, 0x10, HV_X64_REGISTER_PAT, 0x277, HV_X64_REGISTER_STAR, 0xc000_0081,
                HV_X64_REGISTER_LSTAR, 0xc000_0082, HV_X64_REGISTER_CSTAR, 0xc000_0083,
                HV_X64_REGISTER_SFMASK, 0xc000_0084, HV_X64_REGISTER_KERNEL_GS_BASE, 0xc000_0102,
                HV_X64_REGISTER_TSC_AUX, 0xc000_0103);

        private final int vcpuFd;
        private final Arena arena;
        private final MemorySegment regs;
        private final MemorySegment sregs;
        private boolean regsDirty;
        private boolean sregsDirty;
        private final Map<Integer, Long> msrWrites = new LinkedHashMap<>();
        private Long xcr0Write;

        private RegisterFile(int vcpuFd, Arena arena, MemorySegment regs, MemorySegment sregs) {
            this.vcpuFd = vcpuFd;
            this.arena = arena;
            this.regs = regs;
            this.sregs = sregs;
        }

        static RegisterFile read(int vcpuFd, MemorySegment callState, Arena arena) {
            MemorySegment regs = arena.allocate(kvm_regs.layout());
            MemorySegment sregs = arena.allocate(kvm_sregs.layout());
            if (libc_h.ioctl(callState, vcpuFd, KVM_GET_REGS, regs) != 0
                    || libc_h.ioctl(callState, vcpuFd, KVM_GET_SREGS, sregs) != 0) {
                return null;
            }
            return new RegisterFile(vcpuFd, arena, regs, sregs);
        }

        /** The general registers' offsets in kvm_regs, by TLFS name. */
        private static long generalOffset(int name) {
            return switch (name) {
                case HV_X64_REGISTER_RAX -> kvm_regs.rax$OFFSET;
                case HV_X64_REGISTER_RCX -> kvm_regs.rcx$OFFSET;
                case HV_X64_REGISTER_RDX -> kvm_regs.rdx$OFFSET;
                case HV_X64_REGISTER_RBX -> kvm_regs.rbx$OFFSET;
                case HV_X64_REGISTER_RSP -> kvm_regs.rsp$OFFSET;
                case HV_X64_REGISTER_RBP -> kvm_regs.rbp$OFFSET;
                case HV_X64_REGISTER_RSI -> kvm_regs.rsi$OFFSET;
                case HV_X64_REGISTER_RDI -> kvm_regs.rdi$OFFSET;
                case HV_X64_REGISTER_R8 -> kvm_regs.r8$OFFSET;
                case HV_X64_REGISTER_R9 -> kvm_regs.r9$OFFSET;
                case HV_X64_REGISTER_R10 -> kvm_regs.r10$OFFSET;
                case HV_X64_REGISTER_R11 -> kvm_regs.r11$OFFSET;
                case HV_X64_REGISTER_R12 -> kvm_regs.r12$OFFSET;
                case HV_X64_REGISTER_R13 -> kvm_regs.r13$OFFSET;
                case HV_X64_REGISTER_R14 -> kvm_regs.r14$OFFSET;
                case HV_X64_REGISTER_R15 -> kvm_regs.r15$OFFSET;
                case HV_X64_REGISTER_RIP -> kvm_regs.rip$OFFSET;
                case HV_X64_REGISTER_RFLAGS -> kvm_regs.rflags$OFFSET;
                default -> -1;
            };
        }

        private MemorySegment segment(int name) {
            return switch (name) {
                case HV_X64_REGISTER_ES -> kvm_sregs.es(sregs);
                case HV_X64_REGISTER_CS -> kvm_sregs.cs(sregs);
                case HV_X64_REGISTER_SS -> kvm_sregs.ss(sregs);
                case HV_X64_REGISTER_DS -> kvm_sregs.ds(sregs);
                case HV_X64_REGISTER_FS -> kvm_sregs.fs(sregs);
                case HV_X64_REGISTER_GS -> kvm_sregs.gs(sregs);
                case HV_X64_REGISTER_LDTR -> kvm_sregs.ldt(sregs);
                case HV_X64_REGISTER_TR -> kvm_sregs.tr(sregs);
                default -> null;
            };
        }

        private long controlOffset(int name) {
            return switch (name) {
                case HV_X64_REGISTER_CR0 -> kvm_sregs.cr0$OFFSET;
                case HV_X64_REGISTER_CR2 -> kvm_sregs.cr2$OFFSET;
                case HV_X64_REGISTER_CR3 -> kvm_sregs.cr3$OFFSET;
                case HV_X64_REGISTER_CR4 -> kvm_sregs.cr4$OFFSET;
                case HV_X64_REGISTER_CR8 -> kvm_sregs.cr8$OFFSET;
                case HV_X64_REGISTER_EFER -> kvm_sregs.efer$OFFSET;
                case HV_X64_REGISTER_APIC_BASE -> kvm_sregs.apic_base$OFFSET;
                default -> -1;
            };
        }

        /** Writes {@code name}'s 16-byte value into {@code value}; false for a name not emulated. */
        boolean get(int name, MemorySegment value) {
            value.fill((byte) 0);
            long general = generalOffset(name);
            long control = controlOffset(name);
            MemorySegment segment = segment(name);
            if (general >= 0) {
                value.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, regs.get(ValueLayout.JAVA_LONG, general));
            } else if (control >= 0) {
                value.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, sregs.get(ValueLayout.JAVA_LONG, control));
            } else if (segment != null) {
                toHv(segment, value);
            } else if (name == HV_X64_REGISTER_GDTR || name == HV_X64_REGISTER_IDTR) {
                MemorySegment table = name == HV_X64_REGISTER_GDTR ? kvm_sregs.gdt(sregs) : kvm_sregs.idt(sregs);
                hv_x64_table_register.base(value, kvm_dtable.base(table));
                hv_x64_table_register.limit(value, kvm_dtable.limit(table));
            } else if (MSRS.containsKey(name)) {
                // The hypervisor always has these registers; one the vCPU's CPUID lacks (TSC_AUX
                // without RDTSCP) reads as its reset value, 0.
                Long msr = readMsr(MSRS.get(name));
                value.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, msr == null ? 0 : msr);
            } else if (name == HV_X64_REGISTER_XFEM) {
                MemorySegment xcrs = arena.allocate(KVM_XCRS_SIZE, 8);
                MemorySegment callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
                // Without XSAVE in the CPUID KVM has no XCRs: XCR0 is then its reset value, x87 only.
                boolean read = libc_h.ioctl(callState, vcpuFd, KVM_GET_XCRS, xcrs) == 0;
                value.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, read ? xcr0(xcrs) : XCR0_RESET);
            } else {
                return false;
            }
            return true;
        }

        /** Records {@code name} := {@code value} for {@link #write}; false for a name not emulated. */
        boolean set(int name, MemorySegment value) {
            long low = value.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
            long general = generalOffset(name);
            long control = controlOffset(name);
            MemorySegment segment = segment(name);
            if (general >= 0) {
                regs.set(ValueLayout.JAVA_LONG, general, low);
                regsDirty = true;
            } else if (control >= 0) {
                sregs.set(ValueLayout.JAVA_LONG, control, low);
                sregsDirty = true;
            } else if (segment != null) {
                fromHv(value, segment);
                sregsDirty = true;
            } else if (name == HV_X64_REGISTER_GDTR || name == HV_X64_REGISTER_IDTR) {
                MemorySegment table = name == HV_X64_REGISTER_GDTR ? kvm_sregs.gdt(sregs) : kvm_sregs.idt(sregs);
                kvm_dtable.base(table, hv_x64_table_register.base(value));
                kvm_dtable.limit(table, hv_x64_table_register.limit(value));
                sregsDirty = true;
            } else if (MSRS.containsKey(name)) {
                msrWrites.put(MSRS.get(name), low);
            } else if (name == HV_X64_REGISTER_XFEM) {
                xcr0Write = low;
            } else {
                return false;
            }
            return true;
        }

        /** Applies the recorded writes: special registers first (modes), then MSRs, general registers, XCR0. */
        boolean write(MemorySegment callState) {
            if (sregsDirty && libc_h.ioctl(callState, vcpuFd, KVM_SET_SREGS, sregs) != 0) {
                return false;
            }
            for (Map.Entry<Integer, Long> msr : msrWrites.entrySet()) {
                if (msr.getValue() == 0 && readMsr(msr.getKey()) == null) {
                    continue; // a register the vCPU lacks, written with the value it reads as
                }
                MemorySegment msrs = arena.allocate(kvm_msrs.layout().byteSize() + kvm_msr_entry.layout().byteSize(), 8);
                kvm_msrs.nmsrs(msrs, 1);
                MemorySegment entry = msrs.asSlice(kvm_msrs.layout().byteSize());
                kvm_msr_entry.index(entry, msr.getKey());
                kvm_msr_entry.data(entry, msr.getValue());
                if (libc_h.ioctl(callState, vcpuFd, KVM_SET_MSRS, msrs) != 1) {
                    return false;
                }
            }
            if (regsDirty && libc_h.ioctl(callState, vcpuFd, KVM_SET_REGS, regs) != 0) {
                return false;
            }
            if (xcr0Write != null && !(xcr0Write == XCR0_RESET && !hasXcrs(callState))) {
                MemorySegment xcrs = arena.allocate(KVM_XCRS_SIZE, 8);
                xcrs.fill((byte) 0);
                xcrs.set(ValueLayout.JAVA_INT, 0, 1); // nr_xcrs
                xcrs.set(ValueLayout.JAVA_INT, 8, XCR0); // xcrs[0].xcr
                xcrs.set(ValueLayout.JAVA_LONG, 16, xcr0Write); // xcrs[0].value
                return libc_h.ioctl(callState, vcpuFd, KVM_SET_XCRS, xcrs) == 0;
            }
            return true;
        }

        private Long readMsr(int index) {
            MemorySegment callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
            MemorySegment msrs = arena.allocate(kvm_msrs.layout().byteSize() + kvm_msr_entry.layout().byteSize(), 8);
            kvm_msrs.nmsrs(msrs, 1);
            MemorySegment entry = msrs.asSlice(kvm_msrs.layout().byteSize());
            kvm_msr_entry.index(entry, index);
            return libc_h.ioctl(callState, vcpuFd, KVM_GET_MSRS, msrs) == 1 ? kvm_msr_entry.data(entry) : null;
        }

        private boolean hasXcrs(MemorySegment callState) {
            return libc_h.ioctl(callState, vcpuFd, KVM_GET_XCRS, arena.allocate(KVM_XCRS_SIZE, 8)) == 0;
        }

        /** XCR0 from {@code struct kvm_xcrs} (nr_xcrs, flags, then {xcr, reserved, value} entries). */
        private static long xcr0(MemorySegment xcrs) {
            int count = xcrs.get(ValueLayout.JAVA_INT, 0);
            for (int i = 0; i < count; i++) {
                if (xcrs.get(ValueLayout.JAVA_INT, 8 + 16L * i) == XCR0) {
                    return xcrs.get(ValueLayout.JAVA_LONG, 16 + 16L * i);
                }
            }
            return XCR0_RESET;
        }
    }

    /** KVM's unpacked segment as the TLFS's packed one; an unusable segment reads as not present. */
    private static void toHv(MemorySegment kvm, MemorySegment hv) {
        boolean present = kvm_segment.present(kvm) != 0 && kvm_segment.unusable(kvm) == 0;
        int attributes = (kvm_segment.type(kvm) & 0xf)
                | (kvm_segment.s(kvm) != 0 ? 1 << 4 : 0)
                | (kvm_segment.dpl(kvm) & 3) << 5
                | (present ? 1 << 7 : 0)
                | (kvm_segment.avl(kvm) != 0 ? 1 << 12 : 0)
                | (kvm_segment.l(kvm) != 0 ? 1 << 13 : 0)
                | (kvm_segment.db(kvm) != 0 ? 1 << 14 : 0)
                | (kvm_segment.g(kvm) != 0 ? 1 << 15 : 0);
        hv_x64_segment_register.base(hv, kvm_segment.base(kvm));
        hv_x64_segment_register.limit(hv, kvm_segment.limit(kvm));
        hv_x64_segment_register.selector(hv, kvm_segment.selector(kvm));
        hv_x64_segment_register.attributes(hv, (short) attributes);
    }

    private static void fromHv(MemorySegment hv, MemorySegment kvm) {
        int attributes = Short.toUnsignedInt(hv_x64_segment_register.attributes(hv));
        boolean present = (attributes & 1 << 7) != 0;
        kvm_segment.base(kvm, hv_x64_segment_register.base(hv));
        kvm_segment.limit(kvm, hv_x64_segment_register.limit(hv));
        kvm_segment.selector(kvm, hv_x64_segment_register.selector(hv));
        kvm_segment.type(kvm, (byte) (attributes & 0xf));
        kvm_segment.s(kvm, (byte) (attributes >> 4 & 1));
        kvm_segment.dpl(kvm, (byte) (attributes >> 5 & 3));
        kvm_segment.present(kvm, (byte) (present ? 1 : 0));
        kvm_segment.avl(kvm, (byte) (attributes >> 12 & 1));
        kvm_segment.l(kvm, (byte) (attributes >> 13 & 1));
        kvm_segment.db(kvm, (byte) (attributes >> 14 & 1));
        kvm_segment.g(kvm, (byte) (attributes >> 15 & 1));
        kvm_segment.unusable(kvm, (byte) (present ? 0 : 1));
    }
}
