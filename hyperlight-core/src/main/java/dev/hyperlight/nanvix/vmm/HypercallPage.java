package dev.hyperlight.nanvix.vmm;

import dev.hyperlight.nanvix.loader.GuestAbi;
import dev.hyperlight.nanvix.memory.GuestMemory;
import dev.hyperlight.nanvix.syscall.SyscallRequest;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * The hypercall page of one vCPU: {@code u64 nr, u64 args[6], i64 result}. The page address is the
 * host's own (from the layout), not the guest's word, and every access goes through {@link
 * GuestMemory}, so nothing here can reach outside guest RAM.
 */
final class HypercallPage {

    private static final long NR = GuestAbi.HYPERCALL_NR_OFFSET;
    private static final long ARGS = GuestAbi.HYPERCALL_ARGS_OFFSET;
    private static final long RESULT = GuestAbi.HYPERCALL_RESULT_OFFSET;
    private static final long SIZE = RESULT + 8;
    /** Longest kernel log or panic message the host accepts. */
    private static final int MAX_MESSAGE = 4096;

    private final GuestMemory memory;
    private final long address;

    HypercallPage(GuestMemory memory, long address) {
        this.memory = memory;
        this.address = address;
    }

    private MemorySegment page() {
        return memory.range(address, SIZE);
    }

    long number() {
        return page().get(ValueLayout.JAVA_LONG_UNALIGNED, NR);
    }

    long argument(int index) {
        return page().get(ValueLayout.JAVA_LONG_UNALIGNED, ARGS + 8L * index);
    }

    /** The pending forwarded system call, raw: the syscall table validates number and arguments. */
    SyscallRequest request() {
        return new SyscallRequest(number(), argument(0), argument(1), argument(2), argument(3),
                argument(4), argument(5));
    }

    void setResult(long result) {
        page().set(ValueLayout.JAVA_LONG_UNALIGNED, RESULT, result);
    }

    /** The text a LOG or PANIC names by (address, length) in args 0 and 1, cut to a sane length. */
    String message() {
        long length = Math.min(Math.max(argument(1), 0), MAX_MESSAGE);
        byte[] bytes = memory.range(argument(0), length).toArray(ValueLayout.JAVA_BYTE);
        return new String(bytes, StandardCharsets.UTF_8).stripTrailing();
    }
}
