package dev.hyperlight.nanvix.hostmem.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The glibc functions and constants (x86-64) of host memory and of both hypervisor backends, bound
 * once: {@code <fcntl.h>} (with file seals), {@code <unistd.h>}, {@code <sys/ioctl.h>}, {@code
 * <sys/mman.h>} (with {@code memfd_create} and {@code mincore}), {@code <sys/syscall.h>}, {@code
 * <signal.h>}, {@code <pthread.h>}, {@code <errno.h>}, {@code <string.h>}. A backend's own device
 * (its ioctl request numbers and structures) is bound in that backend's {@code sys} package.
 *
 * <p>Functions that report failure through {@code errno} take a first {@code callState} argument
 * (allocated with {@link #CALL_STATE_LAYOUT}) into which the linker captures {@code errno} right
 * after the call, before the JVM can overwrite it; read it with {@link #errno(MemorySegment)}.
 */
@SuppressWarnings("restricted") // binding native functions is what this class is for
public final class libc_h {

    private libc_h() {}

    // <fcntl.h>
    public static final int O_RDWR = 02;
    public static final int O_CLOEXEC = 02000000;
    public static final int F_ADD_SEALS = 1033;
    public static final int F_GET_SEALS = 1034;
    public static final int F_SEAL_SEAL = 0x1;
    public static final int F_SEAL_SHRINK = 0x2;
    public static final int F_SEAL_GROW = 0x4;
    public static final int F_SEAL_WRITE = 0x8;

    // <unistd.h>
    public static final int SEEK_DATA = 3;
    public static final int SEEK_HOLE = 4;
    public static final int SEEK_END = 2;

    // <sys/mman.h>
    public static final int PROT_NONE = 0x0;
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_FIXED = 0x10;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MFD_CLOEXEC = 0x1;
    public static final int MFD_ALLOW_SEALING = 0x2;
    public static final int MAP_NORESERVE = 0x4000;
    public static final int MADV_HUGEPAGE = 14;
    public static final int MADV_POPULATE_WRITE = 23;
    public static final long MAP_FAILED = -1L;

    // <errno.h>
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int EACCES = 13;
    public static final int ENOTTY = 25;

    // <signal.h>
    public static final long SIG_DFL = 0L;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    public static final StructLayout CALL_STATE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle errno$VH = CALL_STATE_LAYOUT.varHandle(groupElement("errno"));

    /** The {@code errno} captured by the last call that was given {@code callState}. */
    public static int errno(MemorySegment callState) {
        return (int) errno$VH.get(callState, 0L);
    }

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("C library symbol not found: " + name));
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(symbol(name), descriptor, options);
    }

    private static AssertionError unreachable(Throwable ex) {
        return new AssertionError("should not reach here", ex);
    }

    // int open(const char *pathname, int flags, ...)
    private static final MethodHandle open$MH = downcall("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));

    public static int open(MemorySegment callState, MemorySegment pathname, int flags, int mode) {
        try {
            return (int) open$MH.invokeExact(callState, pathname, flags, mode);
        } catch (Throwable ex) {
            throw unreachable(ex);
        }
    }

    // int close(int fd)
    private static final MethodHandle close$MH = downcall("close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO);

    public static int close(MemorySegment callState, int fd) {
        try {
            return (int) close$MH.invokeExact(callState, fd);
        } catch (Throwable ex) {
            throw unreachable(ex);
        }
    }

    // int ioctl(int fd, unsigned long request, ...): one variadic argument, an integer or a pointer
    private static final MethodHandle ioctl$long$MH = downcall("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle ioctl$pointer$MH = downcall("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));

    public static int ioctl(MemorySegment callState, int fd, long request, long argument) {
        try {
            return (int) ioctl$long$MH.invokeExact(callState, fd, request, argument);
        } catch (Throwable ex) {
            throw unreachable(ex);
        }
    }

    public static int ioctl(MemorySegment callState, int fd, long request, MemorySegment argument) {
        try {
            return (int) ioctl$pointer$MH.invokeExact(callState, fd, request, argument);
        } catch (Throwable ex) {
            throw unreachable(ex);
        }
    }

    // int memfd_create(const char *name, unsigned int flags)
    private static final MethodHandle memfd_create$MH = downcall("memfd_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO);

    public static int memfd_create(MemorySegment callState, MemorySegment name, int flags) {
        try {
            return (int) memfd_create$MH.invokeExact(callState, name, flags);
        } catch (Throwable ex) {
            throw unreachable(ex);
        }
    }

    // int ftruncate(int fd, off_t length)
    private static final MethodHandle ftruncate$MH = downcall("ftruncate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), CAPTURE_ERRNO);

    public static int ftruncate(MemorySegment callState, int fd, long length) {
        try {
            return (int) ftruncate$MH.invokeExact(callState, fd, length);
        } catch (Throwable ex) {
            throw unreachable(ex);
        }
    }

    // int fcntl(int fd, int cmd, ...): one variadic integer argument
    private static final MethodHandle fcntl$MH = downcall("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));

    public static int fcntl(MemorySegment callState, int fd, int cmd, int argument) {
        try {
            return (int) fcntl$MH.invokeExact(callState, fd, cmd, argument);
        } catch (Throwable ex) {
            throw unreachable(ex);
        }
    }

    // off_t lseek(int fd, off_t offset, int whence)
    private static final MethodHandle lseek$MH = downcall("lseek",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);

    public static long lseek(MemorySegment callState, int fd, long offset, int whence) {
        try {
            return (long) lseek$MH.invokeExact(callState, fd, offset, whence);
        } catch (Throwable ex) {
            throw unreachable(ex);
        }
    }

    // int mincore(void *addr, size_t length, unsigned char *vec)
    private static final MethodHandle mincore$MH = downcall("mincore",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS), CAPTURE_ERRNO);

    public static int mincore(MemorySegment callState, MemorySegment addr, long length, MemorySegment vec) {
        try {
            return (int) mincore$MH.invokeExact(callState, addr, length, vec);
        } catch (Throwable ex) {
            throw unreachable(ex);
        }
    }

    // void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
    private static final MethodHandle mmap$MH = downcall("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
            CAPTURE_ERRNO);

    public static MemorySegment mmap(MemorySegment callState, MemorySegment addr, long length, int prot, int flags,
            int fd, long offset) {
        try {
            return (MemorySegment) mmap$MH.invokeExact(callState, addr, length, prot, flags, fd, offset);
        } catch (Throwable ex) {
            throw unreachable(ex);
        }
    }

    // int munmap(void *addr, size_t length)
    private static final MethodHandle munmap$MH = downcall("munmap",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), CAPTURE_ERRNO);

    public static int munmap(MemorySegment callState, MemorySegment addr, long length) {
        try {
            return (int) munmap$MH.invokeExact(callState, addr, length);
        } catch (Throwable ex) {
            throw unreachable(ex);
        }
    }

    // int madvise(void *addr, size_t length, int advice)
    private static final MethodHandle madvise$MH = downcall("madvise",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);

    public static int madvise(MemorySegment callState, MemorySegment addr, long length, int advice) {
        try {
            return (int) madvise$MH.invokeExact(callState, addr, length, advice);
        } catch (Throwable ex) {
            throw unreachable(ex);
        }
    }

    // int mprotect(void *addr, size_t len, int prot)
    private static final MethodHandle mprotect$MH = downcall("mprotect",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);

    public static int mprotect(MemorySegment callState, MemorySegment addr, long len, int prot) {
        try {
            return (int) mprotect$MH.invokeExact(callState, addr, len, prot);
        } catch (Throwable ex) {
            throw unreachable(ex);
        }
    }

    // long syscall(long number, ...): six integer or pointer arguments, as the kernel takes them
    private static final MethodHandle syscall$MH = downcall("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));

    public static long syscall(MemorySegment callState, long number, long a1, long a2, long a3, long a4, long a5,
            long a6) {
        try {
            return (long) syscall$MH.invokeExact(callState, number, a1, a2, a3, a4, a5, a6);
        } catch (Throwable ex) {
            throw unreachable(ex);
        }
    }

    // <sys/syscall.h>, <linux/futex.h>: the calls glibc has no wrapper for, or that we make raw
    public static final long SYS_futex = 202;
    public static final long SYS_tgkill = 234;
    public static final long SYS_pidfd_open = 434;
    public static final long SYS_pidfd_getfd = 438;
    public static final int FUTEX_WAIT = 0;
    public static final int FUTEX_WAKE = 1;
    /** The VMM process's kick signal (its vCPU threads have a do-nothing handler for it). */
    public static final int SIGUSR1 = 10;

    // pthread_t pthread_self(void)
    private static final MethodHandle pthread_self$MH = downcall("pthread_self",
            FunctionDescriptor.of(JAVA_LONG));

    public static long pthread_self() {
        try {
            return (long) pthread_self$MH.invokeExact();
        } catch (Throwable ex) {
            throw unreachable(ex);
        }
    }

    // int pthread_kill(pthread_t thread, int sig): returns an error number, does not set errno
    private static final MethodHandle pthread_kill$MH = downcall("pthread_kill",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));

    public static int pthread_kill(long thread, int sig) {
        try {
            return (int) pthread_kill$MH.invokeExact(thread, sig);
        } catch (Throwable ex) {
            throw unreachable(ex);
        }
    }

    // int sigaction(int signum, const struct sigaction *act, struct sigaction *oldact)
    private static final MethodHandle sigaction$MH = downcall("sigaction",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), CAPTURE_ERRNO);

    public static int sigaction(MemorySegment callState, int signum, MemorySegment act, MemorySegment oldact) {
        try {
            return (int) sigaction$MH.invokeExact(callState, signum, act, oldact);
        } catch (Throwable ex) {
            throw unreachable(ex);
        }
    }

    // int sigemptyset(sigset_t *set)
    private static final MethodHandle sigemptyset$MH = downcall("sigemptyset",
            FunctionDescriptor.of(JAVA_INT, ADDRESS), CAPTURE_ERRNO);

    public static int sigemptyset(MemorySegment callState, MemorySegment set) {
        try {
            return (int) sigemptyset$MH.invokeExact(callState, set);
        } catch (Throwable ex) {
            throw unreachable(ex);
        }
    }

    // int __libc_current_sigrtmin(void): SIGRTMIN is this call in glibc, not a constant
    private static final MethodHandle __libc_current_sigrtmin$MH = downcall("__libc_current_sigrtmin",
            FunctionDescriptor.of(JAVA_INT));

    public static int __libc_current_sigrtmin() {
        try {
            return (int) __libc_current_sigrtmin$MH.invokeExact();
        } catch (Throwable ex) {
            throw unreachable(ex);
        }
    }

    /** The address of {@code pid_t getpid(void)}, for use as a function pointer. */
    public static MemorySegment getpid$address() {
        return symbol("getpid");
    }

    // char *strerror(int errnum): glibc returns a constant string for every known errno
    private static final MethodHandle strerror$MH = downcall("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    public static MemorySegment strerror(int errnum) {
        try {
            return (MemorySegment) strerror$MH.invokeExact(errnum);
        } catch (Throwable ex) {
            throw unreachable(ex);
        }
    }
}
