package dev.hyperlight.nanvix.mshv;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * The one seam through which this backend reaches the kernel's mshv driver: the device's and its
 * derived file descriptors' {@code open}, {@code ioctl} and {@code close}. {@link LibcMshvKernel}
 * is the C library's; tests put other implementations behind it (a recorded script, and a harness
 * that gives mshv's documented semantics on top of {@code /dev/kvm}). Guest RAM is the process's
 * own anonymous memory and signals are the process's: neither goes through here. The VP register
 * page ({@code mmap} of a VP fd) is not used: registers are read and written with hypercalls, so
 * there is no {@code mmap} either.
 *
 * <p>Results follow the kernel's convention: a non-negative value on success, {@code -errno} on
 * failure.
 */
public interface MshvKernel {

    /** Opens {@code device} for reading and writing, close-on-exec: a descriptor or {@code -errno}. */
    int open(Path device);

    /** {@code ioctl(fd, request, argument)}; {@code argument} may be {@link MemorySegment#NULL}. */
    int ioctl(int fd, long request, MemorySegment argument);

    /** Closes a descriptor this kernel returned: 0 or {@code -errno}. */
    int close(int fd);
}
