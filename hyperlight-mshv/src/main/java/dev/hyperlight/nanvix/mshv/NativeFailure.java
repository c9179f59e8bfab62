package dev.hyperlight.nanvix.mshv;

import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;

/** Turns a failed mshv or C library call into a {@link HypervisorException} that names the call and errno. */
final class NativeFailure {

    private NativeFailure() {}

    static HypervisorException of(String call, int errno) {
        return new HypervisorException(HypervisorException.Kind.FAILED, call + " failed: " + describe(errno));
    }

    /** E.g. {@code "Permission denied (errno 13)"}. */
    @SuppressWarnings("restricted") // strerror returns a NUL-terminated string of unknown length
    static String describe(int errno) {
        String text = libc_h.strerror(errno).reinterpret(1024).getString(0);
        return text + " (errno " + errno + ")";
    }
}
