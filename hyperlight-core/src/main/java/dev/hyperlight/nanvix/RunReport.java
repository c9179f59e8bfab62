package dev.hyperlight.nanvix;

import java.util.Objects;
import java.util.Optional;

/**
 * A run that ended with a result, as {@link SandboxListener#runEnded} is told of it.
 *
 * @param runId the run's id in its sandbox ({@code run-1}, {@code run-2}...), also in the name of
 *     its vCPU thread ({@code hyperlight-vcpu-run-1}) and in its log lines
 * @param program what was run, as it was asked for: the program's or script's path, {@code
 *     javascript code} for a code string, the runtime's name for an interpreter run
 * @param runtime the runtime that ran it; empty for an ELF program
 * @param start how its VM started
 * @param result how it ended and what it produced
 */
public record RunReport(String runId, String program, Optional<GuestRuntime> runtime, VmStart start,
        RunResult result) {

    public RunReport {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(program, "program");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(result, "result");
    }
}
