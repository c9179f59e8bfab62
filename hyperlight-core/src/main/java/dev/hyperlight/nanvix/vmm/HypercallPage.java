package dev.hyperlight.nanvix.vmm;

import dev.hyperlight.nanvix.loader.GuestAbi;
import dev.hyperlight.nanvix.memory.GuestMemory;
import dev.hyperlight.nanvix.memory.UserPageFault;
import dev.hyperlight.nanvix.syscall.SyscallRequest;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * The hypercall page of one vCPU: {@code u64 nr, u64 args[6], i64 result, u64 cr3, u64
 * fault_address, fault_length, fault_write, u64 clock, u64 preempt_entry, preempted, preempted_rax,
 * preempted_rcx, preempted_r11}. The page address is the
 * host's own (from the layout), not the guest's word, and every access goes through {@link
 * GuestMemory}, so nothing here can reach outside guest RAM.
 */
final class HypercallPage {

    private static final long NR = GuestAbi.HYPERCALL_NR_OFFSET;
    private static final long ARGS = GuestAbi.HYPERCALL_ARGS_OFFSET;
    private static final long RESULT = GuestAbi.HYPERCALL_RESULT_OFFSET;
    private static final long CR3 = GuestAbi.HYPERCALL_CR3_OFFSET;
    private static final long FAULT_ADDRESS = GuestAbi.HYPERCALL_FAULT_ADDRESS_OFFSET;
    private static final long FAULT_LENGTH = GuestAbi.HYPERCALL_FAULT_LENGTH_OFFSET;
    private static final long FAULT_WRITE = GuestAbi.HYPERCALL_FAULT_WRITE_OFFSET;
    private static final long CLOCK = GuestAbi.HYPERCALL_CLOCK_OFFSET;
    private static final long PREEMPT_ENTRY = GuestAbi.HYPERCALL_PREEMPT_ENTRY_OFFSET;
    private static final long PREEMPTED = GuestAbi.HYPERCALL_PREEMPTED_OFFSET;
    private static final long PREEMPTED_RAX = GuestAbi.HYPERCALL_PREEMPTED_RAX_OFFSET;
    private static final long PREEMPTED_RCX = GuestAbi.HYPERCALL_PREEMPTED_RCX_OFFSET;
    private static final long PREEMPTED_R11 = GuestAbi.HYPERCALL_PREEMPTED_R11_OFFSET;
    private static final long SIZE = PREEMPTED_R11 + 8;
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

    /** 0: the pointer arguments are guest-physical; else the page-table root of the program's addresses. */
    long cr3() {
        return page().get(ValueLayout.JAVA_LONG_UNALIGNED, CR3);
    }

    /** The kernel's word: the guest-physical address of its clock, 0 from none; unchecked. */
    long clock() {
        return page().get(ValueLayout.JAVA_LONG_UNALIGNED, CLOCK);
    }

    /**
     * The kernel's word: where a preempted program enters it. Unchecked: it only becomes the
     * guest's own RIP, which the guest kernel can set to anything anyway.
     */
    long preemptEntry() {
        return page().get(ValueLayout.JAVA_LONG_UNALIGNED, PREEMPT_ENTRY);
    }

    /** Hands the kernel the program's registers a preemption redirected (docs/guest-abi.md). */
    void setPreempted(long rax, long rcx, long r11) {
        MemorySegment page = page();
        page.set(ValueLayout.JAVA_LONG_UNALIGNED, PREEMPTED_RAX, rax);
        page.set(ValueLayout.JAVA_LONG_UNALIGNED, PREEMPTED_RCX, rcx);
        page.set(ValueLayout.JAVA_LONG_UNALIGNED, PREEMPTED_R11, r11);
        page.set(ValueLayout.JAVA_LONG_UNALIGNED, PREEMPTED, 1);
    }

    void setResult(long result) {
        page().set(ValueLayout.JAVA_LONG_UNALIGNED, RESULT, result);
    }

    /** Answers that the call has not run: the program's range {@code fault} must be mapped first. */
    void setUserFault(UserPageFault fault) {
        MemorySegment page = page();
        page.set(ValueLayout.JAVA_LONG_UNALIGNED, FAULT_ADDRESS, fault.address());
        page.set(ValueLayout.JAVA_LONG_UNALIGNED, FAULT_LENGTH, fault.length());
        page.set(ValueLayout.JAVA_LONG_UNALIGNED, FAULT_WRITE, fault.write() ? 1 : 0);
        page.set(ValueLayout.JAVA_LONG_UNALIGNED, RESULT, GuestAbi.USER_FAULT);
    }

    /** The text a LOG or PANIC names by (address, length) in args 0 and 1, cut to a sane length. */
    String message() {
        long length = Math.min(Math.max(argument(1), 0), MAX_MESSAGE);
        byte[] bytes = memory.range(argument(0), length).toArray(ValueLayout.JAVA_BYTE);
        return new String(bytes, StandardCharsets.UTF_8).stripTrailing();
    }
}
