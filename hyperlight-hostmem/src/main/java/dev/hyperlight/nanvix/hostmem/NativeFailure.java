package dev.hyperlight.nanvix.hostmem;

import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;

/**
 * Turns a failed C library, KVM or mshv call into a {@link HypervisorException} that names the call
 * and errno: the one translation of host memory and both backends. Which errno means a more
 * particular {@link HypervisorException.Kind} (a device missing or not permitted) is the caller's to
 * decide; this gives {@link HypervisorException.Kind#FAILED}.
 */
public final class NativeFailure {

    private NativeFailure() {}

    /** E.g. {@code "mmap of guest RAM failed: Cannot allocate memory (errno 12)"}, of kind {@code FAILED}. */
    public static HypervisorException of(String call, int errno) {
        return new HypervisorException(HypervisorException.Kind.FAILED, call + " failed: " + describe(errno));
    }

    /** E.g. {@code "Permission denied (errno 13)"}. */
    @SuppressWarnings("restricted") // strerror returns a NUL-terminated string of unknown length
    public static String describe(int errno) {
        String text = libc_h.strerror(errno).reinterpret(1024).getString(0);
        return text + " (errno " + errno + ")";
    }
}
