package dev.hyperlight.nanvix.syscall;

import dev.hyperlight.nanvix.abi.Sysno;
import java.util.Arrays;

/**
 * One forwarded system call as the guest kernel wrote it: the Linux x86-64 number and the six
 * raw argument registers. Pointer arguments are guest-physical addresses.
 *
 * @param number the call number; any value, unknown ones fail with ENOSYS
 */
public record SyscallRequest(long number, long arg0, long arg1, long arg2, long arg3, long arg4, long arg5) {

    /** A request for {@code sysno} with up to six arguments; missing ones are 0. */
    public static SyscallRequest of(Sysno sysno, long... args) {
        if (args.length > 6) {
            throw new IllegalArgumentException("a system call has at most six arguments, got " + args.length);
        }
        long[] a = Arrays.copyOf(args, 6);
        return new SyscallRequest(sysno.number(), a[0], a[1], a[2], a[3], a[4], a[5]);
    }

    /** Argument {@code index} (0 to 5). */
    public long arg(int index) {
        return switch (index) {
            case 0 -> arg0;
            case 1 -> arg1;
            case 2 -> arg2;
            case 3 -> arg3;
            case 4 -> arg4;
            case 5 -> arg5;
            default -> throw new IndexOutOfBoundsException("argument " + index);
        };
    }
}
