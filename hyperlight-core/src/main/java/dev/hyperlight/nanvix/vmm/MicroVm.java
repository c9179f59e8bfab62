package dev.hyperlight.nanvix.vmm;

import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.loader.BootRequest;
import dev.hyperlight.nanvix.syscall.FastCalls;
import dev.hyperlight.nanvix.loader.GuestImageException;
import dev.hyperlight.nanvix.syscall.SyscallTable;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One micro-VM, created for one run and destroyed after it: guest RAM, the guest kernel and the
 * program written into it, one vCPU in long mode, the run loop, and the time limits.
 */
public final class MicroVm {

    /**
     * Everything one run needs. {@code io} stays open; the caller owns it. With {@code fromTemplate},
     * the run starts from its template and the kernel and program images are not used.
     */
    public record Launch(
            byte[] kernelImage,
            byte[] program,
            String execPath,
            List<String> arguments,
            List<String> environment,
            long memorySize,
            SyscallTable syscallTable,
            HostIo io,
            Duration timeout,
            Duration cpuTimeLimit,
            Optional<Path> logDirectory,
            String runId,
            Optional<Clone> fromTemplate) {}

    /**
     * A warm start: the run is a clone of {@code template}, and the read the template stopped in
     * gets {@code startMessage} (then end of file) from the clone's own I/O.
     */
    public record Clone(Template template, byte[] startMessage) {}

    /**
     * How the run ended, the calls the guest kernel answered with ENOSYS, whether it refused
     * the program memory for lack of free frames, and how its first VM started.
     */
    public record Report(GuestEnd end, Map<Integer, Integer> unsupportedSyscalls,
            boolean memoryLimitReached, Start start) {}

    /** How a run's first VM got to the program. */
    public enum Start {
        /** A fresh VM booted the guest kernel from its image and loaded the program. */
        COLD,
        /** The VM is a copy-on-write clone of a {@link Template}. */
        WARM
    }

    private MicroVm() {}

    /**
     * Creates the VM, boots the guest kernel with the program, runs it to its end on the calling
     * thread (a platform thread) and destroys the VM. Processes the program forks run in VMs of
     * their own on their own threads ({@link ProcessTable}); they share the run's time and CPU
     * limits and are stopped when the program ends. {@code cancel} is set to a hook that stops
     * the run early from another thread.
     */
    public static Report run(Hypervisor hypervisor, Launch launch, Consumer<Runnable> cancel)
            throws HypervisorException, GuestImageException {
        try (RunLog log = RunLog.open(launch.runId(), launch.logDirectory())) {
            ProcessTable processes = new ProcessTable(hypervisor, launch, log, ProcessTable.DEFAULT_MAX_PROCESSES);
            GuestRun.Outcome outcome;
            try (processes) {
                GuestProcess first = processes.first(launch.io());
                GuestProcess.Image image;
                if (launch.fromTemplate().isPresent()) {
                    Clone clone = launch.fromTemplate().get();
                    launch.io().installInput(clone.template().startFd(), clone.startMessage());
                    image = GuestProcess.clone(processes, clone.template());
                } else {
                    image = GuestProcess.boot(processes, bootRequest(launch));
                }
                cancel.accept(() -> processes.stopAll(new GuestEnd.VmFailed("the run was cancelled")));
                Thread watchdog = Watchdog.start(launch.timeout(), launch.cpuTimeLimit(), processes::cpuTimeNanos,
                        processes::stopAll);
                try {
                    outcome = first.run(image);
                } finally {
                    if (watchdog != null) {
                        watchdog.interrupt();
                    }
                    Thread.interrupted(); // a late stop must not leak into the caller's next wait
                }
            }
            // After every process has stopped: an audit failure in any of them, even one that
            // came after the first process ended, is how the run ended.
            GuestEnd end = processes.auditFailure().map(GuestEnd.class::cast)
                    .orElse(outcome.end());
            log.host("ended: " + end);
            Map<Integer, Integer> unsupported = new LinkedHashMap<>(outcome.unsupportedSyscalls());
            processes.unsupportedSyscalls().forEach((nr, count) -> unsupported.putIfAbsent(nr, count));
            return new Report(end, unsupported, outcome.memoryLimitReached(),
                    launch.fromTemplate().isPresent() ? Start.WARM : Start.COLD);
        }
    }

    /**
     * Boots the launch's program and runs it until it reads fd {@code startFd} (the guest kernel
     * itself, right after loading the program, with {@code kernelStartPoint}), on the calling
     * thread, within the launch's time limit; captures the VM there as a {@link Template} tagged
     * {@code tags} and where it stopped ({@link Template#of}), and destroys the VM. The program may not fork; its {@code io} should hold a
     * placeholder at {@code startFd}, so that no file the program opens takes that number.
     *
     * {@code cancel} is set to a hook that stops it early from another thread.
     *
     * @throws TemplateException when the program ends, fails, times out or is cancelled first, or
     *     leaves other files open or processes running at that point
     */
    public static Template prepare(Hypervisor hypervisor, Launch launch, int startFd, boolean kernelStartPoint,
            Map<String, String> tags, Consumer<Runnable> cancel)
            throws HypervisorException, GuestImageException, TemplateException {
        try (RunLog log = RunLog.open(launch.runId(), launch.logDirectory());
                ProcessTable processes = new ProcessTable(hypervisor, launch, log, 1)) {
            GuestProcess first = processes.first(launch.io());
            GuestProcess.Image image = GuestProcess.boot(processes,
                    bootRequest(launch).startMessage(kernelStartPoint));
            cancel.accept(() -> processes.stopAll(new GuestEnd.VmFailed("the run was cancelled")));
            Thread watchdog = Watchdog.start(launch.timeout(), launch.cpuTimeLimit(), processes::cpuTimeNanos,
                    processes::stopAll);
            try {
                Template template = first.captureAtStartPoint(image, startFd, tags);
                log.host("template captured at the read of fd " + startFd);
                return template;
            } catch (TemplateException e) {
                log.host("no template: " + e.getMessage());
                throw e;
            } finally {
                if (watchdog != null) {
                    watchdog.interrupt();
                }
                Thread.interrupted();
            }
        }
    }

    private static BootRequest.Builder bootRequest(Launch launch) {
        return BootRequest.builder()
                .kernelElf(MemorySegment.ofArray(launch.kernelImage()))
                .programElf(MemorySegment.ofArray(launch.program()))
                .execPath(launch.execPath())
                .argv(launch.arguments())
                .envp(launch.environment())
                .fastCalls(FastCalls.bitmap());
    }
}
