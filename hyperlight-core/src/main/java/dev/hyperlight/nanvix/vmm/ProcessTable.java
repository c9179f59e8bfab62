package dev.hyperlight.nanvix.vmm;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.syscall.RunState;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The processes of one run: the first one (the program the caller started) and every process
 * it forks, each a micro-VM of its own on its own platform thread. It hands out pids, keeps
 * ended processes until their parent waits for them (orphans are reaped at once), caps how
 * many exist at a time (EAGAIN past the cap, like RLIMIT_NPROC), sums the CPU time of all of
 * them for the run's CPU limit, and stops them all at the run's end or time limit.
 *
 * <p>One lock ({@code this}) guards the table and the parent/child links; waiters wait on it.
 */
final class ProcessTable implements AutoCloseable {

    /** Processes (running or not yet waited for) a run may have at once, the first included. */
    static final int DEFAULT_MAX_PROCESSES = 16;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Hypervisor hypervisor;
    private final MicroVm.Launch launch;
    private final RunLog log;
    private final int maxProcesses;
    private final Map<Integer, GuestProcess> processes = new LinkedHashMap<>();
    /** Every process the run had, so that {@link #close()} joins every thread it started. */
    private final List<GuestProcess> everyProcess = new ArrayList<>();
    private final Map<Integer, Integer> unsupportedSyscalls = new LinkedHashMap<>();
    private final AtomicLong endedCpuNanos = new AtomicLong();
    private final RunState runState = new RunState();
    private int nextPid = 1;
    /** Why the whole run is being stopped, once it is: every process started later stops at once. */
    private GuestEnd stoppingAll;
    /** The first call the audit could not record, in any process: it is how the run ended. */
    private GuestEnd.AuditFailed auditFailure;

    ProcessTable(Hypervisor hypervisor, MicroVm.Launch launch, RunLog log, int maxProcesses) {
        this.hypervisor = hypervisor;
        this.launch = launch;
        this.log = log;
        this.maxProcesses = maxProcesses;
    }

    Hypervisor hypervisor() {
        return hypervisor;
    }

    /** What interceptors keep for this run, shared by all its processes. */
    RunState runState() {
        return runState;
    }

    MicroVm.Launch launch() {
        return launch;
    }

    RunLog log() {
        return log;
    }

    /** The run's first process (pid 1), with the caller's I/O. */
    synchronized GuestProcess first(HostIo io) {
        GuestProcess first = new GuestProcess(this, nextPid++, null, io);
        processes.put(first.pid(), first);
        everyProcess.add(first);
        return first;
    }

    /** Registers a child of {@code parent}; EAGAIN at the cap. */
    synchronized GuestProcess child(GuestProcess parent, HostIo io) {
        if (processes.size() >= maxProcesses) {
            log.host("pid " + parent.pid() + ": fork refused, " + maxProcesses + " processes exist");
            throw new ErrnoException(Errno.EAGAIN);
        }
        if (stoppingAll != null) {
            throw new ErrnoException(Errno.EAGAIN);
        }
        GuestProcess child = new GuestProcess(this, nextPid++, parent, io);
        processes.put(child.pid(), child);
        everyProcess.add(child);
        parent.children().add(child);
        return child;
    }

    synchronized GuestProcess find(int pid) {
        return processes.get(pid);
    }

    synchronized List<GuestProcess> all() {
        return new ArrayList<>(processes.values());
    }

    /**
     * A process ended: it becomes waitable by its parent (orphans and the first process are
     * dropped at once), its own children become orphans, and waiters are woken.
     */
    synchronized void ended(GuestProcess process, Map<Integer, Integer> enosys, long cpuNanos) {
        endedCpuNanos.addAndGet(cpuNanos);
        enosys.forEach((nr, count) -> unsupportedSyscalls.merge(nr, count, Integer::sum));
        for (GuestProcess child : process.children()) {
            child.orphan();
            if (child.exit() != null) {
                processes.remove(child.pid());
            }
        }
        process.children().clear();
        if (process.parent() == null || process.parent().exit() != null) {
            processes.remove(process.pid());
        }
        notifyAll();
    }

    /** A parent collected {@code child}'s status (wait without WNOWAIT). */
    synchronized void reaped(GuestProcess child) {
        processes.remove(child.pid());
        if (child.parent() != null) {
            child.parent().children().remove(child);
        }
    }

    /** Stops every process (the run's time or CPU limit, a cancel, the first process's end). */
    void stopAll(GuestEnd reason) {
        synchronized (this) {
            if (stoppingAll == null) {
                stoppingAll = reason;
            }
        }
        all().forEach(process -> process.stop(reason));
    }

    /**
     * A process's call could not be recorded: the whole run stops, and ends as {@code failure}
     * whichever process it was ({@link #auditFailure()}).
     */
    void auditFailed(GuestEnd.AuditFailed failure) {
        synchronized (this) {
            if (auditFailure == null) {
                auditFailure = failure;
            }
        }
        stopAll(failure);
    }

    /** The first audit failure of the run, if there was one. */
    synchronized Optional<GuestEnd.AuditFailed> auditFailure() {
        return Optional.ofNullable(auditFailure);
    }

    /** CPU time of every process of the run so far (the vCPU threads' time includes the guest's). */
    long cpuTimeNanos() {
        long total = endedCpuNanos.get();
        for (GuestProcess process : all()) {
            total += process.cpuTimeNanos(THREADS);
        }
        return total;
    }

    synchronized Map<Integer, Integer> unsupportedSyscalls() {
        return Map.copyOf(unsupportedSyscalls);
    }

    /**
     * At the end of the run: stops the processes still running (their VMs are closed by their
     * threads) and waits for every thread, so no VM or thread outlives the run.
     */
    @Override
    public void close() {
        stopAll(new GuestEnd.Faulted(GuestProcess.SIGKILL, "the run's first process ended", 0));
        // A process being forked while we join is stopped at birth (stoppingAll), and joined next.
        int joined = 0;
        while (true) {
            GuestProcess next;
            synchronized (this) {
                if (joined == everyProcess.size()) {
                    return;
                }
                next = everyProcess.get(joined++);
            }
            next.joinThread();
        }
    }
}
