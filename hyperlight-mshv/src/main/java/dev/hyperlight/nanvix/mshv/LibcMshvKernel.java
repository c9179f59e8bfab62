package dev.hyperlight.nanvix.mshv;

import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/** The production {@link MshvKernel}: the C library's calls, {@code errno} captured per call. Thread-safe. */
final class LibcMshvKernel implements MshvKernel {

    /** {@code errno} of each thread's last call, captured right after it; one small segment per thread. */
    private static final ThreadLocal<MemorySegment> CALL_STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(libc_h.CALL_STATE_LAYOUT));

    @Override
    public int open(Path device) {
        MemorySegment callState = CALL_STATE.get();
        try (Arena arena = Arena.ofConfined()) {
            int fd = libc_h.open(callState, arena.allocateFrom(device.toString()), libc_h.O_RDWR | libc_h.O_CLOEXEC, 0);
            return fd < 0 ? -libc_h.errno(callState) : fd;
        }
    }

    @Override
    public int ioctl(int fd, long request, MemorySegment argument) {
        MemorySegment callState = CALL_STATE.get();
        int result = libc_h.ioctl(callState, fd, request, argument);
        return result < 0 ? -libc_h.errno(callState) : result;
    }

    @Override
    public int close(int fd) {
        MemorySegment callState = CALL_STATE.get();
        return libc_h.close(callState, fd) != 0 ? -libc_h.errno(callState) : 0;
    }
}
