package dev.hyperlight.nanvix.cli;

import dev.hyperlight.nanvix.HealthCheck;
import dev.hyperlight.nanvix.HostPlatform;
import dev.hyperlight.nanvix.RuntimeConfig;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hyperlight-nanvix doctor}: whether this host can run micro-VMs, one line per {@link
 * HostPlatform#healthChecks() check}, each OK, WARN (some runs will fail or be slow) or FAIL (no
 * run can work), with a hint when not OK.
 * Exits 0 unless a check failed, else with the status a run would have failed with (69 no usable
 * hypervisor, 77 no permission, 70 anything else).
 */
@Command(
        name = "doctor",
        mixinStandardHelpOptions = true,
        description = {
            "Checks whether this host can run micro-VMs: the JVM, the hypervisor device,",
            "its permissions and API, creating a VM, what runs guests behind the device",
            "(hardware virtualization or PVM), and the runtime images.",
            "Prints one line per check (OK, WARN or FAIL, with a hint) and exits non-zero",
            "when a check failed."
        })
final class DoctorCommand implements Callable<Integer> {

    private final PrintStream out;

    @Option(names = "--hypervisor", paramLabel = "kvm|mshv|auto", defaultValue = RuntimeConfig.AUTO_HYPERVISOR,
            description = "Check this hypervisor backend (default: auto, the one a run would use).")
    String hypervisor;

    private DoctorCommand(PrintStream out) {
        this.out = out;
    }

    /** Parses {@code args} (the words after {@code doctor}), runs the checks, returns the status. */
    static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine commandLine = new CommandLine(new DoctorCommand(out));
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setParameterExceptionHandler((exception, ignored) -> {
            err.println("hyperlight-nanvix doctor: " + exception.getMessage());
            return ExitCodes.USAGE;
        });
        commandLine.setExecutionExceptionHandler((exception, ignored, parseResult) -> {
            err.println("hyperlight-nanvix doctor: internal error: " + exception);
            return ExitCodes.HOST_ERROR;
        });
        return commandLine.execute(args);
    }

    @Override
    public Integer call() {
        List<HealthCheck> checks = HostPlatform.healthChecks(hypervisor);
        checks.forEach(check -> out.println(check.line()));
        out.flush();
        return checks.stream().flatMap(check -> check.failure().stream()).findFirst()
                .map(ExitCodes::of).orElse(0);
    }
}
