package dev.hyperlight.nanvix.kvm;

import static dev.hyperlight.nanvix.kvm.sys.kvm_h.*;

import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import dev.hyperlight.nanvix.kvm.sys.kvm_run;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Decodes the exit KVM left in {@code kvm_run} into a {@link VmExit}. */
final class ExitDecoder {

    /** The vCPU's privilege level at the exit, read only for the exits that carry one. */
    @FunctionalInterface
    interface PrivilegeLevel {
        int atExit() throws HypervisorException;
    }

    /** What an {@code in} or MMIO read returns: all ones, like a read from an empty PC bus. */
    private static final byte NO_DEVICE = (byte) 0xff;

    private static final VmExit HALT = new VmExit.Halt();
    private static final VmExit SHUTDOWN = new VmExit.Shutdown();

    private ExitDecoder() {}

    /**
     * @param run the mapped {@code kvm_run} area, all {@code KVM_GET_VCPU_MMAP_SIZE} bytes of it (I/O
     *     data lives past {@code struct kvm_run})
     */
    static VmExit decode(MemorySegment run, PrivilegeLevel privilegeLevel) throws HypervisorException {
        int reason = kvm_run.exit_reason(run);
        return switch (reason) {
            case KVM_EXIT_IO -> io(run, privilegeLevel);
            case KVM_EXIT_MMIO -> mmio(run);
            case KVM_EXIT_HLT -> HALT;
            case KVM_EXIT_SHUTDOWN -> SHUTDOWN;
            case KVM_EXIT_FAIL_ENTRY -> new VmExit.FailEntry(kvm_run.fail_entry_hardware_entry_failure_reason(run));
            case KVM_EXIT_INTERNAL_ERROR -> new VmExit.InternalError(kvm_run.internal_suberror(run));
            default -> new VmExit.Unknown(reason);
        };
    }

    /**
     * Whether {@code reason} could come from some KVM: Linux numbers its exit reasons from 0 up
     * (under 50 in 2026); we do not decode them all, but one far outside is made up.
     */
    static boolean couldBeKvms(int reason) {
        return reason >= 0 && reason < 256;
    }

    private static VmExit io(MemorySegment run, PrivilegeLevel privilegeLevel) throws HypervisorException {
        int port = Short.toUnsignedInt(kvm_run.io_port(run));
        int size = Byte.toUnsignedInt(kvm_run.io_size(run));
        long count = Integer.toUnsignedLong(kvm_run.io_count(run));
        long dataOffset = kvm_run.io_data_offset(run);
        if ((size != 1 && size != 2 && size != 4) || count == 0
                || dataOffset < kvm_run.layout().byteSize() || dataOffset > run.byteSize() - size * count) {
            throw new HypervisorException(HypervisorException.Kind.FAILED, "KVM reported a malformed I/O exit (port 0x"
                    + Integer.toHexString(port) + ", size " + size + ", count " + count + ", data offset "
                    + dataOffset + ")");
        }
        if (count != 1) {
            // String I/O (rep ins/outs) carries many values; the SPI has none, and no guest of ours uses it.
            return new VmExit.Unknown(KVM_EXIT_IO);
        }
        MemorySegment data = run.asSlice(dataOffset, size);
        if (kvm_run.io_direction(run) == KVM_EXIT_IO_OUT) {
            return new VmExit.IoOut(port, size, littleEndian(data), privilegeLevel.atExit());
        }
        data.fill(NO_DEVICE); // KVM hands these bytes to the guest's `in` at the next KVM_RUN
        return new VmExit.IoIn(port, size, privilegeLevel.atExit());
    }

    private static VmExit mmio(MemorySegment run) throws HypervisorException {
        int length = kvm_run.mmio_len(run);
        if (length < 1 || length > 8) {
            throw new HypervisorException(HypervisorException.Kind.FAILED,
                    "KVM reported an MMIO exit of " + length + " bytes");
        }
        MemorySegment data = kvm_run.mmio_data(run).asSlice(0, length);
        long address = kvm_run.mmio_phys_addr(run);
        if (kvm_run.mmio_is_write(run) != 0) {
            return new VmExit.Mmio(address, length, true, littleEndian(data));
        }
        data.fill(NO_DEVICE); // the value the guest's load reads at the next KVM_RUN
        return new VmExit.Mmio(address, length, false, 0);
    }

    private static long littleEndian(MemorySegment bytes) {
        long value = 0;
        for (int i = (int) bytes.byteSize() - 1; i >= 0; i--) {
            value = value << 8 | Byte.toUnsignedLong(bytes.get(ValueLayout.JAVA_BYTE, i));
        }
        return value;
    }
}
