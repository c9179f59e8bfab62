package dev.hyperlight.nanvix.vmm;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.hypervisor.ClonedVm;
import dev.hyperlight.nanvix.hypervisor.CpuState;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import dev.hyperlight.nanvix.hypervisor.VmSnapshot;
import dev.hyperlight.nanvix.io.FileSystemCalls;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.loader.BootRequest;
import dev.hyperlight.nanvix.syscall.FastCalls;
import dev.hyperlight.nanvix.loader.BootState;
import dev.hyperlight.nanvix.loader.ElfFile;
import dev.hyperlight.nanvix.loader.ElfFormatException;
import dev.hyperlight.nanvix.loader.ElfLimits;
import dev.hyperlight.nanvix.loader.GuestAbi;
import dev.hyperlight.nanvix.loader.GuestImage;
import dev.hyperlight.nanvix.loader.GuestImageException;
import dev.hyperlight.nanvix.memory.GuestMemory;
import dev.hyperlight.nanvix.process.ProcessControl;
import dev.hyperlight.nanvix.vmm.x86.LongModeEntry;
import java.lang.foreign.MemorySegment;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One guest process: a micro-VM (replaced by a fresh one at each execve), its I/O (fd table,
 * working directory) and its place in the {@link ProcessTable}. Its system calls about
 * processes arrive here through {@link ProcessControl}, on the thread that runs its VM, while
 * the vCPU is stopped inside the hypercall.
 */
final class GuestProcess implements ProcessControl {

    static final int SIGKILL = 9;
    /** Signals whose default action is to do nothing: kill with them changes nothing here. */
    private static final List<Integer> IGNORED_BY_DEFAULT = List.of(17, 18, 23, 28); // CHLD, CONT, URG, WINCH
    /** Stop signals: no process is ever stopped, so they change nothing either. */
    private static final List<Integer> STOP_SIGNALS = List.of(19, 20, 21, 22); // STOP, TSTP, TTIN, TTOU
    /**
     * Largest executable or script execve reads into host memory: the guest chooses what to
     * exec (a file it wrote to /tmp, say), so the bound is far below what a run's program may be.
     */
    static final long MAX_EXECUTABLE = 64L << 20;
    /** A waiting wait4 looks again this often (a wake-up between two looks is never lost for long). */
    private static final long WAIT_SLICE_MILLIS = 100;
    /** Linux reads this much of a script's first line (BINPRM_BUF_SIZE). */
    private static final int SHEBANG_LINE = 256;

    /**
     * A VM ready to run: created and loaded, its vCPU at the first or the forked instruction, or
     * (a clone of a {@link Template}) stopped inside a hypercall to serve first.
     */
    record Image(VirtualMachine vm, VirtualCpu vcpu, long hypercallPage, boolean pendingHypercall) {

        Image(VirtualMachine vm, VirtualCpu vcpu, long hypercallPage) {
            this(vm, vcpu, hypercallPage, false);
        }
    }

    private final ProcessTable table;
    private final int pid;
    private volatile GuestProcess parent;
    private final HostIo io;
    private final List<GuestProcess> children = new ArrayList<>();
    private final AtomicReference<GuestEnd> stopReason = new AtomicReference<>();
    /** The VM running now; replaced by execve. Read by fork (same thread) and stop (any thread). */
    private volatile Image current;
    /** Set by a successful execve: the image the process goes on with once its VM stops. */
    private volatile BootRequest.Builder pendingExec;
    private volatile Thread thread;
    private volatile long cpuAtStart;
    /** Guards the two below: the CPU time the images' vCPUs used off this process's thread (VMM processes). */
    private final Object elsewhereLock = new Object();
    private long elsewhereEndedNanos;
    private VirtualCpu elsewhereCounted;
    /** How it ended; null while running. Guarded by the table's lock for waiters. */
    private volatile ChildExit exit;

    GuestProcess(ProcessTable table, int pid, GuestProcess parent, HostIo io) {
        this.table = table;
        this.pid = pid;
        this.parent = parent;
        this.io = io;
        io.attach(this);
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public int parentPid() {
        GuestProcess p = parent;
        return p == null ? 0 : p.pid;
    }

    GuestProcess parent() {
        return parent;
    }

    void orphan() {
        parent = null;
    }

    List<GuestProcess> children() {
        return children;
    }

    ChildExit exit() {
        return exit;
    }

    // ---- running ----

    /** Boots the first image of a run from its launch. */
    static Image boot(ProcessTable table, BootRequest.Builder request) throws HypervisorException, GuestImageException {
        VirtualMachine vm = table.hypervisor().createVm(table.launch().memorySize());
        try {
            VirtualCpu vcpu = vm.createVcpu();
            // Random seed and wall-clock time are taken by build(), at the last moment before the first entry.
            BootState boot = GuestImage.write(vm.memory(), request.tscKhz(vcpu.tscKhz()).build());
            LongModeEntry.apply(vcpu, boot);
            return new Image(vm, vcpu, boot.layout().hypercallPage());
        } catch (HypervisorException | GuestImageException | RuntimeException e) {
            vm.close();
            throw e;
        }
    }

    /**
     * The first image of a warm run: a copy-on-write clone of {@code template}, its guest's clock
     * moved on by as much as its TSC lags behind the snapshot's moved on by the time since (under
     * PVM, which keeps the guest on the host's TSC), so that it reads the real time and its
     * monotonic clock counts on from the snapshot's.
     */
    static Image clone(ProcessTable table, Template template) throws HypervisorException {
        ClonedVm clone = table.hypervisor().cloneVm(template.snapshot());
        try {
            if (template.clock() != 0) {
                GuestClock.moveOn(GuestMemory.of(clone.vm().memory()), template.clock(), clone.tscLag());
            }
        } catch (RuntimeException e) {
            clone.close();
            throw e;
        }
        return new Image(clone.vm(), clone.vcpu(), template.hypercallPage(), true);
    }

    /**
     * Runs the first image on the calling thread until the guest reads {@code startFd}, then
     * captures the VM there and closes it. The process must be alone and have only its standard
     * fds and {@code startFd} open, since a clone gets no other host state.
     */
    Template captureAtStartPoint(Image image, int startFd, Map<String, String> tags)
            throws HypervisorException, TemplateException {
        thread = Thread.currentThread();
        current = image;
        try (VirtualMachine vm = image.vm()) {
            if (stopReason.get() != null) {
                image.vcpu().interrupt();
            }
            GuestRun.Outcome outcome = loop(image, OptionalInt.of(startFd)).run(stopReason::get, false);
            if (outcome != GuestRun.AT_START_POINT) {
                throw new TemplateException("the guest did not reach its start point: "
                        + (outcome == GuestRun.REPLACED ? "it ran execve" : String.valueOf(outcome.end())));
            }
            List<Integer> open = io.openDescriptors();
            if (!open.equals(List.of(0, 1, 2, startFd))) {
                throw new TemplateException("the guest had fds " + open + " open at its start point, where a clone"
                        + " has only 0, 1, 2 and " + startFd);
            }
            if (table.all().size() != 1) {
                throw new TemplateException("the guest had started other processes by its start point");
            }
            Map<String, String> allTags = new HashMap<>(tags);
            allTags.put(Template.HYPERCALL_PAGE_TAG, Long.toHexString(image.hypercallPage()));
            allTags.put(Template.START_FD_TAG, Integer.toString(startFd));
            long clock = new HypercallPage(GuestMemory.of(vm.memory()), image.hypercallPage()).clock();
            if (clock != 0) {
                if (clock < 0 || clock % GuestAbi.PAGE_SIZE != 0 || clock > vm.memory().byteSize() - GuestAbi.PAGE_SIZE) {
                    throw new TemplateException("the guest kernel named its clock at 0x" + Long.toHexString(clock)
                            + ", not a page of its RAM");
                }
                allTags.put(Template.CLOCK_TAG, Long.toHexString(clock));
            }
            VmSnapshot snapshot = vm.snapshot(image.vcpu(), allTags);
            try {
                return Template.of(snapshot);
            } catch (IllegalArgumentException e) {
                snapshot.close();
                throw e;
            }
        } finally {
            current = null;
        }
    }

    /**
     * Runs the process on the calling thread until it ends, through every execve, and records
     * how it ended. Closes every VM it ran.
     */
    GuestRun.Outcome run(Image first) {
        // The start first: the watchdog counts from it once it sees the thread, and the thread
        // may be one that ran long before (the caller's), whose whole CPU time is not the run's.
        cpuAtStart = cpuNow();
        thread = Thread.currentThread();
        Image image = first;
        GuestRun.Outcome outcome = null;
        try {
            while (image != null) {
                current = image;
                try (VirtualMachine vm = image.vm()) {
                    if (stopReason.get() != null) {
                        image.vcpu().interrupt(); // stopped before this VM existed
                    }
                    countElsewhere(image.vcpu());
                    try {
                        outcome = loop(image, OptionalInt.empty()).run(stopReason::get, image.pendingHypercall());
                    } finally {
                        countElsewhere(null); // before the VM, and its VMM process, go
                    }
                }
                image = null;
                BootRequest.Builder exec = pendingExec;
                if (exec != null && outcome.end() == null) {
                    pendingExec = null;
                    image = boot(table, exec);
                }
            }
        } catch (HypervisorException | GuestImageException | RuntimeException e) {
            table.log().host("pid " + pid + ": " + e);
            outcome = new GuestRun.Outcome(new GuestEnd.VmFailed(String.valueOf(e.getMessage())));
        } finally {
            current = null;
        }
        GuestEnd end = outcome.end();
        if (end instanceof GuestEnd.AuditFailed failed) {
            table.auditFailed(failed);
        }
        exit = switch (end) {
            case GuestEnd.Exited exited -> new ChildExit(pid, exited.status(), 0);
            case GuestEnd.Faulted faulted -> new ChildExit(pid, -1, faulted.signal());
            default -> new ChildExit(pid, -1, SIGKILL);
        };
        if (pid != 1) {
            table.log().host("pid " + pid + " ended: " + end);
        }
        table.ended(this, outcome.unsupportedSyscalls(), cpuNow() - cpuAtStart + elsewhereNanos());
        return outcome;
    }

    /** The run loop of {@code image}'s vCPU over this process's I/O. */
    private GuestRun loop(Image image, OptionalInt startPoint) {
        GuestMemory memory = GuestMemory.of(image.vm().memory());
        IoChannel channel = new InProcessIoChannel(table.launch().syscallTable(), memory, io, table.runState());
        return new GuestRun(image.vcpu(), memory, image.hypercallPage(), channel, table.log(),
                () -> pendingExec != null, startPoint);
    }

    /** Stops the process's VM (any thread): a time limit, a kill, the run's end. */
    void stop(GuestEnd reason) {
        if (exit != null || !stopReason.compareAndSet(null, reason)) {
            return;
        }
        Image image = current;
        if (image != null) {
            image.vcpu().interrupt();
        }
        Thread running = thread;
        if (running != null && running != Thread.currentThread()) {
            running.interrupt(); // wakes a blocking host call (a pipe read, a wait, a sleep)
        }
    }

    void joinThread() {
        Thread running = thread;
        if (running == null || running == Thread.currentThread()) {
            return;
        }
        try {
            running.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    long cpuTimeNanos(ThreadMXBean threads) {
        Thread running = thread;
        if (running == null || exit != null) {
            return 0; // not started yet, or counted by the table when it ended
        }
        long now = threads.getThreadCpuTime(running.threadId());
        return (now < 0 ? 0 : now - cpuAtStart) + elsewhereNanos();
    }

    /** Ends the count of the vCPU counted so far (its time stays counted) and starts {@code vcpu}'s, if any. */
    private void countElsewhere(VirtualCpu vcpu) {
        synchronized (elsewhereLock) {
            if (elsewhereCounted != null) {
                elsewhereEndedNanos += elsewhereCounted.cpuTimeElsewhereNanos();
            }
            elsewhereCounted = vcpu;
        }
    }

    /** CPU time the vCPUs of this process's images used on threads other than its own ({@link VirtualCpu#cpuTimeElsewhereNanos()}). */
    private long elsewhereNanos() {
        synchronized (elsewhereLock) {
            return elsewhereEndedNanos + (elsewhereCounted == null ? 0 : elsewhereCounted.cpuTimeElsewhereNanos());
        }
    }

    private static long cpuNow() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    // ---- the calls ----

    /**
     * Copies this process: a new VM of the same size with a copy of guest memory and of the
     * vCPU state taken now (the vCPU is stopped in this very hypercall), whose hypercall result
     * is 0; the I/O is forked ({@link HostIo#forkProcess()}). The child runs on a new thread.
     */
    @Override
    public int fork() {
        Image parentImage = current;
        if (parentImage == null) {
            throw new ErrnoException(Errno.EAGAIN);
        }
        HostIo childIo = io.forkProcess();
        GuestProcess child;
        try {
            child = table.child(this, childIo);
        } catch (ErrnoException e) {
            childIo.close();
            throw e;
        }
        Image childImage;
        try {
            childImage = copyImage(parentImage);
        } catch (HypervisorException | RuntimeException e) {
            table.log().host("pid " + pid + ": fork failed: " + e);
            child.exit = new ChildExit(child.pid, -1, SIGKILL);
            table.ended(child, Map.of(), 0);
            table.reaped(child);
            childIo.close();
            throw new ErrnoException(Errno.ENOMEM);
        }
        Thread.ofPlatform().name("hyperlight-vcpu-" + table.launch().runId() + "-pid" + child.pid).daemon(true)
                .start(() -> {
                    try {
                        child.run(childImage);
                    } finally {
                        childIo.close();
                    }
                });
        return child.pid;
    }

    private Image copyImage(Image parentImage) throws HypervisorException {
        CpuState state = parentImage.vcpu().saveState();
        VirtualMachine vm = table.hypervisor().createVm(parentImage.vm().memory().byteSize());
        try {
            vm.copyMemoryFrom(parentImage.vm());
            VirtualCpu vcpu = vm.createVcpu();
            vcpu.restoreState(state);
            new HypercallPage(GuestMemory.of(vm.memory()), parentImage.hypercallPage()).setResult(0);
            return new Image(vm, vcpu, parentImage.hypercallPage());
        } catch (HypervisorException | RuntimeException e) {
            vm.close();
            throw e;
        }
    }

    /**
     * Checks and loads the new program (a {@code #!} script runs its interpreter, one level, as
     * Linux does), closes the close-on-exec fds, and leaves the new image for {@link #run} to
     * start once this VM stops. Nothing changes when a check fails.
     */
    @Override
    public void execve(String path, List<String> argv, List<String> envp) {
        FileSystemCalls.ExecutableFile file = io.fileSystem().readExecutable(path, maxExecutable());
        List<String> arguments = new ArrayList<>(argv);
        Optional<List<String>> interpreter = shebang(file.bytes());
        if (interpreter.isPresent()) {
            List<String> command = interpreter.get();
            file = io.fileSystem().readExecutable(command.getFirst(), maxExecutable());
            List<String> scriptArguments = new ArrayList<>(command);
            scriptArguments.add(path);
            if (!arguments.isEmpty()) {
                scriptArguments.addAll(arguments.subList(1, arguments.size()));
            }
            arguments = scriptArguments;
        }
        if (!ElfFile.hasElfMagic(file.bytes())) {
            throw new ErrnoException(Errno.ENOEXEC);
        }
        try {
            ElfFile elf = ElfFile.parse(file.bytes(), ElfLimits.forProgram(table.launch().memorySize()));
            if (elf.interpreter().isPresent()) {
                io.fileSystem().statAt(Fcntl.AT_FDCWD, elf.interpreter().get(), 0); // ENOENT as Linux gives for a missing loader
            }
        } catch (ElfFormatException e) {
            throw new ErrnoException(Errno.ENOEXEC, e.getMessage());
        }
        io.closeOnExec();
        pendingExec = BootRequest.builder()
                .kernelElf(MemorySegment.ofArray(table.launch().kernelImage()))
                .programElf(MemorySegment.ofArray(file.bytes()))
                .execPath(path)
                .argv(arguments)
                .envp(envp)
                .fastCalls(FastCalls.bitmap());
        table.log().host("pid " + pid + ": execve " + path);
    }

    /** No executable larger than a quarter of guest RAM could be loaded next to what it needs. */
    private long maxExecutable() {
        return Math.min(MAX_EXECUTABLE, table.launch().memorySize() / 4);
    }

    /** The interpreter and its optional single argument of a {@code #!} line, if the file has one. */
    private static Optional<List<String>> shebang(byte[] bytes) {
        if (bytes.length < 2 || bytes[0] != '#' || bytes[1] != '!') {
            return Optional.empty();
        }
        int end = 2;
        while (end < bytes.length && end < SHEBANG_LINE && bytes[end] != '\n') {
            end++;
        }
        String line = new String(bytes, 2, end - 2, StandardCharsets.UTF_8).strip();
        if (line.isEmpty()) {
            throw new ErrnoException(Errno.ENOEXEC);
        }
        int space = line.indexOf(' ') < 0 ? line.indexOf('\t') : line.indexOf(' ');
        if (space < 0) {
            return Optional.of(List.of(line));
        }
        String argument = line.substring(space + 1).strip();
        String name = line.substring(0, space);
        return Optional.of(argument.isEmpty() ? List.of(name) : List.of(name, argument));
    }

    @Override
    public Optional<ChildExit> waitChild(int childPid, boolean noHang, boolean reap) {
        synchronized (table) {
            while (true) {
                List<GuestProcess> matching = children.stream()
                        .filter(c -> childPid == -1 || c.pid == childPid).toList();
                if (matching.isEmpty()) {
                    throw new ErrnoException(Errno.ECHILD);
                }
                Optional<GuestProcess> ended = matching.stream().filter(c -> c.exit != null).findFirst();
                if (ended.isPresent()) {
                    if (reap) {
                        table.reaped(ended.get());
                    }
                    return Optional.of(ended.get().exit);
                }
                if (noHang) {
                    return Optional.empty();
                }
                try {
                    table.wait(WAIT_SLICE_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // the run loop sees why (a limit, a kill)
                    throw new ErrnoException(Errno.EINTR);
                }
            }
        }
    }

    @Override
    public void kill(int target, int signal) {
        List<GuestProcess> targets;
        if (target > 0) {
            GuestProcess process = table.find(target);
            if (process == null) {
                throw new ErrnoException(Errno.ESRCH);
            }
            targets = List.of(process);
        } else {
            // One process group and session per run: 0 and -pgid name every process, -1 all but the caller.
            targets = table.all().stream().filter(p -> target != -1 || p != this).toList();
            if (targets.isEmpty()) {
                throw new ErrnoException(Errno.ESRCH);
            }
        }
        if (signal == 0 || IGNORED_BY_DEFAULT.contains(signal) || STOP_SIGNALS.contains(signal)) {
            return;
        }
        GuestEnd killed = new GuestEnd.Faulted(signal, "signal sent by kill() from pid " + pid, 0);
        targets.forEach(process -> process.stop(killed));
    }
}
