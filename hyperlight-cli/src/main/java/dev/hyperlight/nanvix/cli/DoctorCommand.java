package dev.hyperlight.nanvix.cli;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.HostPlatform;
import dev.hyperlight.nanvix.hypervisor.Flavour;
import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.HypervisorProvider;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code hyperlight-nanvix doctor}: whether this host can run micro-VMs, one line per check, each
 * OK, WARN (some runs will fail or be slow) or FAIL (no run can work), with a hint when not OK.
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

    /** How a check came out. */
    enum Status {
        /** Works. */
        OK,
        /** Some runs will fail or be slow, others work. */
        WARN,
        /** No run can work until this is fixed. */
        FAIL
    }

    /**
     * One line of the report.
     *
     * @param hint what to do about it (empty for OK)
     * @param exitCode the command's status when this check failed (0 unless FAIL)
     */
    record Check(String name, Status status, String detail, String hint, int exitCode) {

        static Check ok(String name, String detail) {
            return new Check(name, Status.OK, detail, "", 0);
        }

        static Check warn(String name, String detail, String hint) {
            return new Check(name, Status.WARN, detail, hint, 0);
        }

        static Check fail(String name, String detail, String hint, int exitCode) {
            return new Check(name, Status.FAIL, detail, hint, exitCode);
        }

        String line() {
            return String.format("%-4s %s: %s%s", status, name, detail, hint.isEmpty() ? "" : " -- " + hint);
        }
    }

    /** Smallest guest RAM the sandbox accepts: enough for the VM-creation check. */
    private static final long CHECK_VM_MEMORY = 16L << 20;

    private final PrintStream out;

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
        List<Check> checks = checks();
        checks.forEach(check -> out.println(check.line()));
        out.flush();
        return checks.stream().filter(check -> check.status() == Status.FAIL).findFirst()
                .map(Check::exitCode).orElse(0);
    }

    /** Every check, in the order a run depends on them; hypervisor checks stop at the first failure. */
    static List<Check> checks() {
        List<Check> checks = new ArrayList<>();
        checks.add(java());
        Optional<HypervisorProvider> backend = HostPlatform.backend();
        if (backend.isEmpty()) {
            checks.add(Check.fail("hypervisor", "no hypervisor backend is on the class path",
                    "add hyperlight-kvm to it", ExitCodes.NO_HYPERVISOR));
        } else {
            hypervisor(backend.get(), checks);
        }
        checks.add(HostPlatform.baseImageProblem()
                .map(problem -> Check.warn("image base", problem, "dynamically linked programs cannot run until it is built"))
                .orElseGet(() -> Check.ok("image base", "found (loader and C/C++ libraries for dynamically linked programs)")));
        for (GuestRuntime runtime : GuestRuntime.BUILT_IN) {
            String name = "runtime " + runtime.name();
            checks.add(HostPlatform.runtimeProblem(runtime)
                    .map(problem -> Check.warn(name, problem, "its scripts cannot run until then"))
                    .orElseGet(() -> Check.ok(name, "found (" + runtime.interpreter() + ")")));
        }
        return checks;
    }

    private static Check java() {
        String version = "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")";
        if (!DoctorCommand.class.getModule().isNativeAccessEnabled()) {
            return Check.warn("java", version + ", native access not enabled",
                    "start java with --enable-native-access=ALL-UNNAMED (the launcher does), or every run warns on stderr");
        }
        return Check.ok("java", version + ", native access enabled");
    }

    private static void hypervisor(HypervisorProvider provider, List<Check> checks) {
        Path device = provider.device();
        if (!Files.exists(device)) {
            checks.add(Check.fail("device", device + " does not exist",
                    "this host offers no " + provider.name() + ": enable hardware virtualization or load the module",
                    ExitCodes.NO_HYPERVISOR));
            return;
        }
        if (!Files.isReadable(device) || !Files.isWritable(device)) {
            checks.add(Check.fail("permission", "this user may not open " + device + " for reading and writing",
                    "add the user to the group owning it (usually 'kvm') and log in again", ExitCodes.NO_PERMISSION));
            return;
        }
        checks.add(Check.ok("device", device + " exists, readable and writable by this user"));
        try (Hypervisor hypervisor = provider.open()) {
            checks.add(Check.ok("api", hypervisor.describe()));
            try (VirtualMachine vm = hypervisor.createVm(CHECK_VM_MEMORY); VirtualCpu vcpu = vm.createVcpu()) {
                checks.add(Check.ok("vm", "created a VM with " + (CHECK_VM_MEMORY >> 20) + " MiB of RAM and a vCPU"));
            }
        } catch (HypervisorException e) {
            checks.add(Check.fail("api", e.getMessage(), "see docs/guest-abi.md, \"Platform notes for the host\"",
                    switch (e.kind()) {
                        case DEVICE_MISSING, UNSUPPORTED -> ExitCodes.NO_HYPERVISOR;
                        case PERMISSION_DENIED -> ExitCodes.NO_PERMISSION;
                        case FAILED -> ExitCodes.HOST_ERROR;
                    }));
            return;
        }
        Flavour flavour = provider.flavour();
        checks.add(switch (flavour) {
            case HARDWARE -> Check.ok("flavour", flavour.description());
            case PVM -> Check.warn("flavour", flavour.description(),
                    "runs work, but each system call and page fault costs tens of microseconds (docs/benchmarks.md)");
            case UNKNOWN -> Check.warn("flavour", "cannot tell what runs guests behind " + device,
                    "no kvm_intel, kvm_amd or kvm_pvm under /sys/module");
        });
    }
}
