package dev.hyperlight.nanvix.process;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.io.HostIo;
import java.util.List;
import java.util.Optional;

/**
 * The process calls of one guest process, served by whoever runs its VM (the VMM's process
 * table). {@link HostIo#processes()} hands it to the syscall table, so a policy decides these
 * calls like any other forwarded call. Failures are {@link ErrnoException}s with Linux's errno.
 */
public interface ProcessControl {

    /** This process's pid. */
    int pid();

    /** Its parent's pid, 0 when the parent is the host. */
    int parentPid();

    /**
     * fork: copies the calling process (its VM, stopped inside this call, and its fd table) into
     * a new process; returns the child's pid. EAGAIN past the run's process limit.
     */
    int fork();

    /**
     * execve: checks and loads {@code path}; on success the calling VM never resumes (its process
     * goes on with the new image), so the call "returns" only failures.
     */
    void execve(String path, List<String> argv, List<String> envp);

    /**
     * Waits for a child to end.
     *
     * @param pid a child's pid, or -1 for any child (process groups are not distinguished: 0 and
     *     values below -1 mean any child too)
     * @param noHang WNOHANG: return empty at once if no child has ended
     * @param reap false for WNOWAIT: leave the child waitable
     * @throws ErrnoException ECHILD when there is no such child
     */
    Optional<ChildExit> waitChild(int pid, boolean noHang, boolean reap);

    /** kill: sends {@code signal} to process {@code pid} (0 and -1: this process and its children). */
    void kill(int pid, int signal);

    /**
     * How a child ended.
     *
     * @param pid the child's pid
     * @param exitStatus its exit status when it exited, else -1
     * @param signal the signal that killed it, else 0
     */
    record ChildExit(int pid, int exitStatus, int signal) {
        /** The status word wait4 reports: {@code status << 8} for an exit, the signal number for a kill. */
        public int waitStatus() {
            return signal != 0 ? signal & 0x7f : (exitStatus & 0xff) << 8;
        }
    }

    /** The only process of a run that cannot create others (no VMM process table attached). */
    ProcessControl SINGLE = new ProcessControl() {
        @Override
        public int pid() {
            return 1;
        }

        @Override
        public int parentPid() {
            return 0;
        }

        @Override
        public int fork() {
            throw new ErrnoException(Errno.ENOSYS);
        }

        @Override
        public void execve(String path, List<String> argv, List<String> envp) {
            throw new ErrnoException(Errno.ENOSYS);
        }

        @Override
        public Optional<ChildExit> waitChild(int pid, boolean noHang, boolean reap) {
            throw new ErrnoException(Errno.ECHILD);
        }

        @Override
        public void kill(int pid, int signal) {
            throw new ErrnoException(Errno.ESRCH);
        }
    };
}
