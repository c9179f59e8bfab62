package dev.hyperlight.nanvix.vmm.x86;

/** x86 exception vectors, as the guest kernel reports them in a fault record. */
public final class ExceptionVector {

    public static final int PAGE_FAULT = 14;

    private static final String[] NAMES = {
        "divide error", "debug exception", "non-maskable interrupt", "breakpoint", "overflow",
        "bound range exceeded", "invalid opcode", "device not available", "double fault",
        "coprocessor segment overrun", "invalid TSS", "segment not present", "stack fault",
        "general protection fault", "page fault", "reserved vector 15", "x87 floating-point error",
        "alignment check", "machine check", "SIMD floating-point exception", "virtualization exception",
        "control protection exception"
    };

    private ExceptionVector() {}

    public static String name(long vector) {
        return vector >= 0 && vector < NAMES.length ? NAMES[(int) vector] : "exception " + vector;
    }

    /**
     * Describes a fault: the vector's name, for a page fault also the address and the access
     * ({@code "page fault at 0x0 (read, not present)"}).
     */
    public static String describe(long vector, long errorCode, long faultAddress) {
        if (vector != PAGE_FAULT) {
            return name(vector);
        }
        String access = (errorCode & 0x10) != 0 ? "execute" : (errorCode & 0x2) != 0 ? "write" : "read";
        String cause = (errorCode & 0x1) != 0 ? "protection violation" : "not present";
        return "page fault at 0x" + Long.toHexString(faultAddress) + " (" + access + ", " + cause + ")";
    }
}
