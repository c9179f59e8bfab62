package dev.hyperlight.nanvix;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * What one run produced.
 *
 * @param termination how the run ended
 * @param stdout captured standard output (empty when it was streamed to a sink)
 * @param stderr captured standard error (empty when it was streamed to a sink)
 * @param outputTruncated whether a stream, captured or streamed, exceeded the output limit
 * @param duration wall-clock time from VM creation to its destruction
 * @param unsupportedSyscalls system calls the guest kernel answered with ENOSYS, by name, with
 *     how often
 * @param limitsReached limits the run ran into without being stopped: output dropped, EMFILE or
 *     ENOSPC given to the guest, an output file too large (limits that stop a run are its {@link
 *     #termination()})
 * @param outputFiles the {@linkplain RunRequest#outputFiles() output files} the run left, by
 *     canonical guest path; empty when it asked for none
 */
public record RunResult(
        Termination termination,
        byte[] stdout,
        byte[] stderr,
        boolean outputTruncated,
        Duration duration,
        Map<String, Integer> unsupportedSyscalls,
        Set<ResourceLimit> limitsReached,
        Map<String, byte[]> outputFiles) {

    /** Takes unmodifiable copies of the collections (not of the byte arrays). */
    public RunResult {
        unsupportedSyscalls = Map.copyOf(unsupportedSyscalls);
        limitsReached = Set.copyOf(limitsReached);
        outputFiles = Map.copyOf(outputFiles);
    }

    /** The exit status a shell would report: the guest's own, 124 on timeout, 128+N on a fault. */
    public int exitCode() {
        return termination.exitCode();
    }

    /** Whether the program exited with status 0. */
    public boolean success() {
        return termination instanceof Termination.Exited exited && exited.status() == 0;
    }

    /** Standard output decoded as UTF-8. */
    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /** Standard error decoded as UTF-8. */
    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }
}
