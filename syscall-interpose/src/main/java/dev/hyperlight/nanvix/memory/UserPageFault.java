package dev.hyperlight.nanvix.memory;

/**
 * A program address the page tables do not let the host access as asked: not mapped (yet), read
 * only, not the program's. The host cannot tell a page the guest kernel maps on demand from a bad
 * pointer (the kernel's areas decide that), so the call is not run: the kernel is told the range
 * (docs/guest-abi.md, "User addresses"), maps it and asks again, or answers EFAULT. Thrown before
 * the call has any effect.
 */
public final class UserPageFault extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long address;
    private final long length;
    private final boolean write;

    /**
     * @param address the first byte that cannot be accessed
     * @param length bytes from {@code address} to the end of the argument's range (at least 1)
     * @param write whether the host was to write there
     * @param reason what the walk found, for the log
     */
    public UserPageFault(long address, long length, boolean write, UserTranslation.Reason reason) {
        super((write ? "write" : "read") + " of [0x" + Long.toHexString(address) + ", +" + length + "): " + reason,
                null, false, false);
        this.address = address;
        this.length = length;
        this.write = write;
    }

    public long address() {
        return address;
    }

    public long length() {
        return length;
    }

    public boolean write() {
        return write;
    }
}
