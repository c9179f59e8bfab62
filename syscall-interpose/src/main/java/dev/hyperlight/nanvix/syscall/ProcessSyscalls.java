package dev.hyperlight.nanvix.syscall;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.process.ProcessControl;
import dev.hyperlight.nanvix.process.ProcessControl.ChildExit;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The default host implementation of the process calls: decodes and checks the guest's arguments
 * (Linux's flag values and errnos) and asks the process's {@link ProcessControl}.
 */
final class ProcessSyscalls {

    static final int WNOHANG = 1;
    static final int WUNTRACED = 2;
    static final int WEXITED = 4;
    static final int WCONTINUED = 8;
    static final int WNOWAIT = 0x0100_0000;
    /** __WNOTHREAD, __WALL, __WCLONE: thread-related, meaningless with one thread per process. */
    static final int THREAD_OPTIONS = 0x2000_0000 | 0x4000_0000 | 0x8000_0000;
    static final int P_ALL = 0;
    static final int P_PID = 1;
    static final int P_PGID = 2;
    static final int SIGCHLD = 17;
    static final int CLD_EXITED = 1;
    static final int CLD_KILLED = 2;
    /** Highest signal number (SIGRTMAX). */
    static final int NSIG = 64;
    /** Most argv plus envp strings, and most bytes they take, that a guest image can hold (StringsBlock). */
    static final long MAX_STRINGS = 1 << 16;
    static final long MAX_STRINGS_SIZE = 2 << 20;

    private ProcessSyscalls() {}

    /**
     * argv and envp arrive as {@code argc + envc} NUL-terminated strings, back to back. Counts and
     * length are checked against the loader's limits (Linux's ARG_MAX, the guest kernel's bound on
     * argc + envc) before a string is decoded, so the host's work and memory stay bounded.
     */
    static long execve(SyscallCall c, HostIo io) {
        String path = c.path(0);
        long argc = c.argument(3);
        long envc = c.argument(4);
        if (argc < 0 || envc < 0) {
            throw new ErrnoException(Errno.EINVAL, "negative string count");
        }
        MemorySegment block = c.buffer(1);
        if (argc > MAX_STRINGS || envc > MAX_STRINGS || argc + envc > MAX_STRINGS
                || block.byteSize() > MAX_STRINGS_SIZE) {
            throw new ErrnoException(Errno.E2BIG);
        }
        if (argc + envc > block.byteSize()) {
            throw new ErrnoException(Errno.EINVAL, "string counts do not match the block");
        }
        List<String> strings = strings(block, (int) (argc + envc));
        io.processes().execve(path, strings.subList(0, (int) argc), strings.subList((int) argc, strings.size()));
        return 0;
    }

    /** Splits {@code count} NUL-terminated strings off the start of {@code block}. */
    private static List<String> strings(MemorySegment block, int count) {
        byte[] bytes = block.toArray(ValueLayout.JAVA_BYTE);
        List<String> strings = new ArrayList<>(count);
        int start = 0;
        for (int i = 0; i < count; i++) {
            int end = start;
            while (end < bytes.length && bytes[end] != 0) {
                end++;
            }
            if (end == bytes.length) {
                throw new ErrnoException(Errno.EINVAL, "unterminated argument or environment string");
            }
            strings.add(new String(bytes, start, end - start, StandardCharsets.UTF_8));
            start = end + 1;
        }
        return strings;
    }

    /** wait4(pid, wstatus, options): the child's pid and status, 0 with WNOHANG when none ended. */
    static long wait4(SyscallCall c, HostIo io) {
        int pid = (int) c.argument(0);
        int options = (int) c.argument(2);
        if ((options & ~(WNOHANG | WUNTRACED | WCONTINUED | THREAD_OPTIONS)) != 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (pid == Integer.MIN_VALUE) {
            throw new ErrnoException(Errno.ESRCH);
        }
        int child = pid > 0 ? pid : -1; // one process group: 0 and -pgid mean any child
        Optional<ChildExit> exit = io.processes().waitChild(child, (options & WNOHANG) != 0, true);
        if (exit.isEmpty()) {
            return 0;
        }
        if (c.argument(1) != 0) {
            c.memory().range(c.argument(1), 4).set(ValueLayout.JAVA_INT_UNALIGNED, 0, exit.get().waitStatus());
        }
        return exit.get().pid();
    }

    /** waitid(idtype, id, infop, options): fills the siginfo; with WNOHANG and no change, si_pid 0. */
    static long waitid(SyscallCall c, HostIo io) {
        int idType = (int) c.argument(0);
        int id = (int) c.argument(1);
        int options = (int) c.argument(3);
        if ((options & ~(WNOHANG | WUNTRACED | WEXITED | WCONTINUED | WNOWAIT | THREAD_OPTIONS)) != 0
                || (options & (WEXITED | WUNTRACED | WCONTINUED)) == 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        int child = switch (idType) {
            case P_ALL, P_PGID -> -1;
            case P_PID -> {
                if (id <= 0) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                yield id;
            }
            default -> throw new ErrnoException(Errno.EINVAL);
        };
        MemorySegment info = c.argument(2) != 0 ? c.memory().range(c.argument(2), 128) : null;
        Optional<ChildExit> exit = (options & WEXITED) == 0
                ? Optional.empty() // only stops or continues asked for: none ever happens
                : io.processes().waitChild(child, (options & WNOHANG) != 0, (options & WNOWAIT) == 0);
        if (info != null) {
            info.fill((byte) 0);
            exit.ifPresent(e -> {
                // struct siginfo for SIGCHLD: si_signo, si_errno, si_code, then si_pid, si_uid, si_status
                info.set(ValueLayout.JAVA_INT_UNALIGNED, 0, SIGCHLD);
                info.set(ValueLayout.JAVA_INT_UNALIGNED, 8, e.signal() != 0 ? CLD_KILLED : CLD_EXITED);
                info.set(ValueLayout.JAVA_INT_UNALIGNED, 16, e.pid());
                info.set(ValueLayout.JAVA_INT_UNALIGNED, 20, 1000);
                info.set(ValueLayout.JAVA_INT_UNALIGNED, 24, e.signal() != 0 ? e.signal() : e.exitStatus());
            });
        }
        return 0;
    }

    static long kill(SyscallCall c, HostIo io) {
        int signal = (int) c.argument(1);
        if (signal < 0 || signal > NSIG) {
            throw new ErrnoException(Errno.EINVAL);
        }
        io.processes().kill((int) c.argument(0), signal);
        return 0;
    }
}
