package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.syscall.SyscallTable;
import dev.hyperlight.nanvix.vmm.MicroVm;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one run tells the world as it ends: the {@link RunEvent} when a Flight Recorder recording
 * takes it, and the configuration's {@link SandboxListener}, if any.
 */
final class RunObservation {

    private static final Logger LOG = LoggerFactory.getLogger(RunObservation.class);

    private final RunEvent event = new RunEvent();
    private final Optional<SandboxListener> listener;
    private final String runId;
    private final String program;
    private final Optional<GuestRuntime> runtime;

    private RunObservation(Optional<SandboxListener> listener, String runId, String program,
            Optional<GuestRuntime> runtime) {
        this.listener = listener;
        this.runId = runId;
        this.program = program;
        this.runtime = runtime;
    }

    /** Called just before the run's VM is created: the event's duration starts here. */
    static RunObservation begin(RuntimeConfig config, String runId, String program, Optional<GuestRuntime> runtime) {
        RunObservation observation = new RunObservation(config.listener(), runId, program, runtime);
        observation.event.begin();
        return observation;
    }

    /** The configuration's table, telling the listener of every call it decides when there is one. */
    static SyscallTable syscallTable(RuntimeConfig config) {
        return config.listener().map(config.syscallTable()::withObserver).orElse(config.syscallTable());
    }

    /** Called once the run's VMs are destroyed. */
    void ended(MicroVm.Start vmStart, RunResult result) {
        VmStart start = switch (vmStart) {
            case COLD -> VmStart.COLD;
            case WARM -> VmStart.WARM;
        };
        event.end();
        if (event.shouldCommit()) {
            event.runId = runId;
            event.program = program;
            event.runtime = runtime.map(GuestRuntime::name).orElse(null);
            event.start = label(start);
            event.termination = result.termination().kind();
            event.exitStatus = result.exitCode();
            event.limitsReached = result.limitsReached().stream().map(RunObservation::label).sorted()
                    .collect(Collectors.joining(","));
            event.commit();
        }
        if (listener.isPresent()) {
            try {
                listener.get().runEnded(new RunReport(runId, program, runtime, start, result));
            } catch (RuntimeException e) {
                LOG.warn("{}: the sandbox listener failed on the run's end; ignored", runId, e);
            }
        }
    }

    /** An enum constant as events and metrics name it: {@code tmp_quota}, {@code cold}. */
    static String label(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }
}
