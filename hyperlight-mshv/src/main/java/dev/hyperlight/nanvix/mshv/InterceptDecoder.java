package dev.hyperlight.nanvix.mshv;

import static dev.hyperlight.nanvix.mshv.sys.hv_h.*;

import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import dev.hyperlight.nanvix.mshv.sys.hv_message;
import dev.hyperlight.nanvix.mshv.sys.hv_x64_intercept_message_header;
import dev.hyperlight.nanvix.mshv.sys.hv_x64_io_port_intercept_message;
import dev.hyperlight.nanvix.mshv.sys.hv_x64_memory_intercept_message;
import java.lang.foreign.MemorySegment;

/**
 * Decodes the {@code hv_message} {@code MSHV_RUN_VP} copied out into a {@link VmExit}, and what
 * the VMM must do to the VP before it runs again. Unlike KVM, the hypervisor leaves an intercepted
 * {@code in} or {@code out} undone: RIP still on it, an {@code in}'s register not loaded. The VMM
 * completes it ({@link Completion}).
 */
final class InterceptDecoder {

    /** What the VMM writes to the VP to complete the intercepted instruction. */
    sealed interface Completion {
        /** Nothing: the exit ends the run, or the hypervisor completed it. */
        record None() implements Completion {}

        /** Move RIP past the instruction. */
        record AdvanceRip(long rip) implements Completion {}

        /** Move RIP past an {@code in} and load RAX with what it read. */
        record AdvanceRipAndLoadRax(long rip, long rax) implements Completion {}
    }

    /** An exit and its completion. */
    record Decoded(VmExit exit, Completion completion) {}

    private static final Completion NONE = new Completion.None();
    /** CPL in bits 0-1 of {@code HV_X64_VP_EXECUTION_STATE}. */
    private static final int CPL_MASK = 0x3;
    private static final int ACCESS_SIZE_MASK = 0x7;
    private static final int STRING_OP = 1 << 3;
    private static final int REP_PREFIX = 1 << 4;

    private InterceptDecoder() {}

    /** @param message the {@code MSHV_RUN_VP_BUF_SZ} bytes of the run's {@code hv_message} */
    static Decoded decode(MemorySegment message) throws HypervisorException {
        int type = hv_message.message_type(message);
        int payloadSize = Byte.toUnsignedInt(hv_message.payload_size(message));
        MemorySegment payload = hv_message.payload(message);
        return switch (type) {
            case HVMSG_X64_IO_PORT_INTERCEPT -> io(payload(payload, payloadSize,
                    hv_x64_io_port_intercept_message.layout().byteSize(), "I/O port"));
            case HVMSG_UNMAPPED_GPA, HVMSG_GPA_INTERCEPT -> memory(payload(payload, payloadSize,
                    hv_x64_memory_intercept_message.layout().byteSize(), "memory"));
            case HVMSG_X64_HALT -> new Decoded(new VmExit.Halt(), NONE);
            case HVMSG_UNRECOVERABLE_EXCEPTION -> new Decoded(new VmExit.Shutdown(), NONE);
            case HVMSG_INVALID_VP_REGISTER_VALUE -> new Decoded(new VmExit.FailEntry(Integer.toUnsignedLong(type)), NONE);
            default -> new Decoded(new VmExit.Unknown(type), NONE);
        };
    }

    /** The payload, checked to hold a whole message of {@code needed} bytes. */
    private static MemorySegment payload(MemorySegment payload, int payloadSize, long needed, String what)
            throws HypervisorException {
        if (payloadSize < needed || payloadSize > payload.byteSize()) {
            throw new HypervisorException(HypervisorException.Kind.FAILED, "mshv reported a " + what
                    + " intercept with a payload of " + payloadSize + " bytes (expected " + needed + " to "
                    + payload.byteSize() + ")");
        }
        return payload.asSlice(0, needed);
    }

    private static Decoded io(MemorySegment message) throws HypervisorException {
        MemorySegment header = hv_x64_io_port_intercept_message.header(message);
        int port = Short.toUnsignedInt(hv_x64_io_port_intercept_message.port_number(message));
        int accessInfo = Byte.toUnsignedInt(hv_x64_io_port_intercept_message.access_info(message));
        int size = accessInfo & ACCESS_SIZE_MASK;
        int length = instructionLength(header);
        if ((size != 1 && size != 2 && size != 4) || length == 0) {
            throw new HypervisorException(HypervisorException.Kind.FAILED, "mshv reported a malformed I/O intercept"
                    + " (port 0x" + Integer.toHexString(port) + ", size " + size + ", instruction length " + length
                    + ")");
        }
        if ((accessInfo & (STRING_OP | REP_PREFIX)) != 0) {
            // String I/O (ins/outs) moves memory; the SPI has no exit for it and no guest of ours uses it.
            return new Decoded(new VmExit.Unknown(HVMSG_X64_IO_PORT_INTERCEPT), NONE);
        }
        int cpl = privilegeLevel(header);
        long next = hv_x64_intercept_message_header.rip(header) + length;
        long rax = hv_x64_io_port_intercept_message.rax(message);
        long mask = size == 4 ? 0xffff_ffffL : (1L << (8 * size)) - 1;
        if (hv_x64_intercept_message_header.intercept_access_type(header) == HV_INTERCEPT_ACCESS_WRITE) {
            return new Decoded(new VmExit.IoOut(port, size, rax & mask, cpl), new Completion.AdvanceRip(next));
        }
        // The guest reads all ones (no device); a 32-bit `in` zeroes RAX's upper half, as any 32-bit write.
        long loaded = size == 4 ? mask : rax | mask;
        return new Decoded(new VmExit.IoIn(port, size, cpl), new Completion.AdvanceRipAndLoadRax(next, loaded));
    }

    /**
     * An access to a guest-physical address no RAM is mapped at. The hypervisor does not decode
     * the instruction (its bytes are in the message), so the size is reported as 0 and a write's
     * data as 0: this project's VMM ends the run on such an access and emulates none.
     */
    private static Decoded memory(MemorySegment message) {
        MemorySegment header = hv_x64_memory_intercept_message.header(message);
        boolean write = hv_x64_intercept_message_header.intercept_access_type(header) == HV_INTERCEPT_ACCESS_WRITE;
        long address = hv_x64_memory_intercept_message.guest_physical_address(message);
        return new Decoded(new VmExit.Mmio(address, 0, write, 0), NONE);
    }

    /** Bits 0-3 of the byte after the VP index (the upper four are CR8); 0 is malformed. */
    private static int instructionLength(MemorySegment header) {
        return hv_x64_intercept_message_header.instruction_length_cr8(header) & 0xf;
    }

    static int privilegeLevel(MemorySegment header) {
        return hv_x64_intercept_message_header.execution_state(header) & CPL_MASK;
    }
}
