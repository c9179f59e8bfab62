package dev.hyperlight.nanvix.hypervisor;

/** General-purpose registers, instruction pointer and flags of an x86-64 vCPU. */
public record Registers(
        long rax, long rbx, long rcx, long rdx,
        long rsi, long rdi, long rsp, long rbp,
        long r8, long r9, long r10, long r11,
        long r12, long r13, long r14, long r15,
        long rip, long rflags) {

    /** The state at entry: only the given instruction pointer, stack, flags and two arguments. */
    public static Registers entry(long rip, long rsp, long rflags, long rdi, long rsi) {
        return new Registers(0, 0, 0, 0, rsi, rdi, rsp, 0, 0, 0, 0, 0, 0, 0, 0, 0, rip, rflags);
    }
}
