package dev.hyperlight.nanvix.cli;

import dev.hyperlight.nanvix.Durations;
import dev.hyperlight.nanvix.Limits;
import dev.hyperlight.nanvix.Policy;
import dev.hyperlight.nanvix.ResourceLimit;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.SandboxException;
import dev.hyperlight.nanvix.Sizes;
import dev.hyperlight.nanvix.Termination;
import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.hypervisor.Deployment;
import dev.hyperlight.nanvix.syscall.JsonLinesAudit;
import dev.hyperlight.nanvix.syscall.Syscall;
import dev.hyperlight.nanvix.syscall.SyscallAction;
import dev.hyperlight.nanvix.syscall.SyscallTable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The policy and limit options of the command: the limits (time, memory, CPU time, output, open
 * files, /tmp), a policy (file or preset) that may set them too, calls to block and an audit
 * file. Options given on the command line win over the policy's settings.
 */
final class PolicyOptions implements AutoCloseable {

    @Option(names = "--timeout", paramLabel = "DURATION",
            description = "Stop the program after this long (500ms, 2s, 1m; 0 = never; default 60s); exit status 124.")
    String timeout;

    @Option(names = "--memory", paramLabel = "SIZE",
            description = "Guest memory, the program's memory limit (256M, 1G; default 256M); exit status 154 if the"
                    + " program fails for lack of it.")
    String memory;

    @Option(names = "--policy", paramLabel = "FILE|PRESET",
            description = "Apply a policy: a properties file (docs/security.md) or a preset: default, strict.")
    String policy;

    @Option(names = "--block", paramLabel = "SYSCALL[=ERRNO]",
            description = "Fail a forwarded system call with ERRNO (default EPERM) (repeatable), e.g. unlinkat=EACCES.")
    List<String> blocks = new ArrayList<>();

    @Option(names = "--allow-network",
            description = "Let network socket calls through (there is no network stack behind them: "
                    + "EAFNOSUPPORT); AF_UNIX sockets work either way.")
    boolean allowNetwork;

    @Option(names = "--audit", paramLabel = "FILE",
            description = "Append one JSON line per decided system call to FILE (paths exact: base64 when not UTF-8);"
                    + " if a line cannot be written, the program is stopped there, exit status 74.")
    Path audit;

    @Option(names = "--max-output", paramLabel = "SIZE",
            description = "Drop standard output and error beyond SIZE each (e.g. 1M); exit status 153 if any was dropped.")
    String maxOutput;

    @Option(names = "--cpu-time", paramLabel = "DURATION",
            description = "Stop the program after this much CPU time (e.g. 5s); exit status 152.")
    String cpuTime;

    @Option(names = "--max-open-files", paramLabel = "N",
            description = "Most files the program may have open at once (default 1024); beyond: EMFILE.")
    Integer maxOpenFiles;

    @Option(names = "--tmp-quota", paramLabel = "SIZE",
            description = "Most bytes the program may write into /tmp (default 1G; none for no quota); beyond: ENOSPC.")
    String tmpQuota;

    @Option(names = "--deployment", paramLabel = "in-process|multi-process|multi-process:N",
            description = "Drive the VM from this process (in-process, the default) or from a confined VMM process"
                    + " that holds /dev/kvm and nothing else: one per VM (multi-process), or one for up to N"
                    + " VMs of the run, its child processes' (multi-process:N).")
    String deployment;

    private Optional<JsonLinesAudit> openAudit = Optional.empty();
    private Policy loaded = Policy.DEFAULT;

    /**
     * The configuration the policy gives, for the other options to change. Without {@code
     * --max-output} or a policy's {@code output.max}, streamed output is not cut (up to 2 GiB per
     * stream).
     *
     * @throws IllegalArgumentException for a missing or malformed policy file
     */
    RuntimeConfig.Builder base() throws SandboxException {
        loaded = loadPolicy();
        return loaded.applyTo(RuntimeConfig.builder().outputLimit(Integer.MAX_VALUE).build()).toBuilder();
    }

    /**
     * {@code config}, built on {@link #base()}, with these options applied.
     *
     * @throws IllegalArgumentException for a bad value, a mount the policy does not allow or an
     *     unwritable audit file
     * @throws SandboxException INVALID_CONFIGURATION for a mount whose host directory does not exist
     */
    RuntimeConfig apply(RuntimeConfig config) throws SandboxException {
        loaded.checkMounts(config);
        RuntimeConfig.Builder builder = config.toBuilder();
        if (timeout != null) {
            builder.timeout(Durations.parse(timeout));
        }
        if (memory != null) {
            builder.memorySize(Sizes.parse(memory));
        }
        if (deployment != null) {
            builder.deployment(Deployment.parse(deployment));
        }
        SyscallTable table = config.syscallTable();
        if (allowNetwork) {
            table = table.with(Syscall.NETWORK, SyscallAction.accept());
        }
        for (String spec : blocks) {
            Map.Entry<Syscall, Errno> block = Policy.parseBlock(spec);
            table = table.with(block.getKey(), SyscallAction.block(block.getValue()));
        }
        Limits limits = config.limits();
        if (cpuTime != null) {
            limits = limits.withCpuTime(Durations.parse(cpuTime));
        }
        if (maxOpenFiles != null) {
            limits = limits.withMaxOpenFiles(maxOpenFiles);
        }
        if (tmpQuota != null) {
            limits = limits.withTmpQuota(tmpQuota.equals("none") ? Limits.NO_QUOTA
                    : Sizes.parse(tmpQuota));
        }
        builder.limits(limits);
        if (maxOutput != null) {
            long bytes = Sizes.parse(maxOutput);
            if (bytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("--max-output " + maxOutput + " is above the maximum of 2G");
            }
            builder.outputLimit((int) bytes);
        }
        // Last, so that a bad value above leaves no file open.
        if (audit != null) {
            try {
                JsonLinesAudit sink = new JsonLinesAudit(audit);
                openAudit = Optional.of(sink);
                table = table.withAudit(sink);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot write the audit file " + audit + ": " + e.getMessage());
            }
        }
        builder.syscallTable(table);
        return builder.build();
    }

    private Policy loadPolicy() {
        if (policy == null) {
            return Policy.DEFAULT;
        }
        Optional<Policy> preset = Policy.preset(policy);
        if (preset.isPresent()) {
            return preset.get();
        }
        Path file = Path.of(policy);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--policy " + policy + " is neither a preset (default, strict) nor a file");
        }
        try {
            return Policy.load(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the policy file " + file + ": " + e.getMessage());
        }
    }

    /**
     * Says on {@code err} which limits the run reached, and returns the command's exit status:
     * 154 when the program failed (non-zero exit or a fault) after guest memory ran out, 153 when
     * it exited but output was dropped, else the run's own. A program that handled ENOMEM and
     * exited 0 keeps its 0: the line on {@code err} still says the limit was reached.
     */
    int exitCode(RunResult result, RuntimeConfig config, PrintStream err) {
        for (ResourceLimit limit : result.limitsReached()) {
            err.println("hyperlight-nanvix: " + switch (limit) {
                case OUTPUT -> "output beyond " + Sizes.format(config.outputLimit()) + " per stream was dropped";
                case OPEN_FILES -> "the program reached the limit of " + config.limits().maxOpenFiles()
                        + " open files (EMFILE)";
                case TMP_QUOTA -> "the program used up its /tmp quota of " + Sizes.format(config.limits().tmpQuota())
                        + " (ENOSPC)";
                case MEMORY -> "the program ran out of its " + Sizes.format(config.memorySize())
                        + " of guest memory (ENOMEM or killed)";
                case OUTPUT_FILES -> "an output file was too large to read back";
            });
        }
        boolean failed = switch (result.termination()) {
            case Termination.Exited exited -> exited.status() != 0;
            case Termination.Faulted ignored -> true;
            default -> false;
        };
        if (failed && result.limitsReached().contains(ResourceLimit.MEMORY)) {
            return ExitCodes.MEMORY_LIMIT;
        }
        if (result.termination() instanceof Termination.Exited && result.limitsReached().contains(ResourceLimit.OUTPUT)) {
            return ExitCodes.OUTPUT_LIMIT;
        }
        return result.exitCode();
    }

    /** Closes the audit file, if one was opened. */
    @Override
    public void close() throws IOException {
        if (openAudit.isPresent()) {
            try {
                openAudit.get().close();
            } catch (IOException e) {
                throw new IOException("cannot finish the audit file " + audit + ": " + e.getMessage(), e);
            }
        }
    }
}
