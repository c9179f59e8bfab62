package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.hypervisor.Deployment;
import dev.hyperlight.nanvix.hypervisor.Flavour;
import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.HypervisorProvider;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The hypervisor backend sandboxes would use on this host, what runs behind it, and whether runs
 * can work here ({@link #healthChecks()}, what {@code hyperlight-nanvix doctor} prints).
 */
public final class HostPlatform {

    private HostPlatform() {}

    /**
     * The flavour behind the backend {@link Sandbox} opens; {@link Flavour#UNKNOWN} when no
     * backend is on the class path.
     */
    public static Flavour flavour() {
        return Hypervisors.choose().map(HypervisorProvider::flavour).orElse(Flavour.UNKNOWN);
    }

    /** One line for diagnostics, e.g. {@code kvm: PVM (kvm_pvm): guest kernel code is emulated}. */
    public static String describe() {
        return Hypervisors.choose()
                .map(provider -> provider.name() + (provider.isPresent() ? "" : " (device missing)") + ": "
                        + provider.flavour().description())
                .orElse("no hypervisor backend on the class path");
    }

    /** The backend {@link Sandbox} opens: the first whose device is present, else the first found. */
    public static Optional<HypervisorProvider> backend() {
        return Hypervisors.choose();
    }

    /**
     * Why {@code runtime}'s files cannot be used on this host with the default configuration, or
     * empty when they can. A bundled image is extracted on the way, as its first run would.
     */
    public static Optional<String> runtimeProblem(GuestRuntime runtime) {
        try {
            RuntimeImages.of(RuntimeConfig.defaults()).locate(runtime);
            return Optional.empty();
        } catch (SandboxException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * Why dynamically linked programs cannot find their loader and libraries with the default
     * configuration, or empty when they can; the base image is extracted on the way.
     */
    public static Optional<String> baseImageProblem() {
        try {
            RuntimeImages.of(RuntimeConfig.defaults()).locate(RuntimeImage.Debian.BASE, RuntimeImages.BASE_USER);
            return Optional.empty();
        } catch (SandboxException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** Guest RAM of the VM the health check creates: the least a sandbox accepts. */
    private static final long CHECK_VM_MEMORY = RuntimeConfig.MIN_MEMORY;

    /**
     * Whether this host can run micro-VMs, one check per thing a run depends on, in that order:
     * the JVM (native access), the hypervisor device, its permissions and API, creating a VM and
     * a vCPU, what runs guests behind the device, the base image of dynamically linked programs
     * and each built-in runtime (a bundled image is extracted into the default cache on the way).
     * The hypervisor checks stop at the first failure. Fit for a service's health check: nothing
     * is left open, and the VM created lives for the check only.
     */
    public static List<HealthCheck> healthChecks() {
        return healthChecks(RuntimeConfig.AUTO_HYPERVISOR);
    }

    /**
     * {@link #healthChecks()} of the backend {@code hypervisor} names ({@link
     * RuntimeConfig#hypervisor()}), with a line after the JVM's naming every backend on the class
     * path, the state of its device, and the one a run would use.
     */
    public static List<HealthCheck> healthChecks(String hypervisor) {
        Optional<HypervisorProvider> chosen = Hypervisors.choose(hypervisor);
        List<HealthCheck> checks = new ArrayList<>(healthChecks(chosen));
        checks.add(1, backends(hypervisor, chosen));
        return List.copyOf(checks);
    }

    /**
     * Each backend's device: absent, or present with its permissions and, for a usable one other
     * than the chosen (whose own checks follow), what it says of its API.
     */
    private static HealthCheck backends(String hypervisor, Optional<HypervisorProvider> chosen) {
        List<String> states = new ArrayList<>();
        for (HypervisorProvider provider : Hypervisors.all()) {
            Path device = provider.device();
            String state;
            if (!Files.exists(device)) {
                state = "absent";
            } else if (!Files.isReadable(device) || !Files.isWritable(device)) {
                state = "present, not readable and writable by this user";
            } else if (chosen.isPresent() && chosen.get().name().equals(provider.name())) {
                state = "present, readable and writable";
            } else {
                try (Hypervisor opened = provider.open()) {
                    state = "present, readable and writable, " + opened.describe();
                } catch (HypervisorException e) {
                    state = "present, unusable: " + e.getMessage();
                }
            }
            states.add(provider.name() + " (" + device + ": " + state + ")");
        }
        String uses = chosen.map(provider -> "a run uses " + provider.name() + " (" + hypervisor + ")")
                .orElse("no backend named " + hypervisor);
        return HealthCheck.ok("backends", String.join(", ", states) + "; " + uses);
    }

    static List<HealthCheck> healthChecks(Optional<HypervisorProvider> backend) {
        List<HealthCheck> checks = new ArrayList<>();
        checks.add(java(backend.map(provider -> provider.getClass().getModule()).orElse(HostPlatform.class.getModule())));
        if (backend.isEmpty()) {
            checks.add(HealthCheck.fail("hypervisor", "no hypervisor backend is on the class path",
                    "add hyperlight-kvm to it", SandboxException.Reason.HYPERVISOR_MISSING));
        } else {
            hypervisor(backend.get(), checks);
        }
        checks.add(baseImageProblem()
                .map(problem -> HealthCheck.warn("image base", problem,
                        "dynamically linked programs cannot run until it is built"))
                .orElseGet(() -> asLocked("image base", RuntimeImage.Debian.BASE,
                        "found (loader and C/C++ libraries for dynamically linked programs)")));
        for (GuestRuntime runtime : GuestRuntime.BUILT_IN) {
            String name = "runtime " + runtime.name();
            checks.add(runtimeProblem(runtime)
                    .map(problem -> HealthCheck.warn(name, problem, "its scripts cannot run until then"))
                    .orElseGet(() -> asLocked(name, runtime.image(), "found (" + runtime.interpreter() + ")")));
        }
        return List.copyOf(checks);
    }

    /**
     * OK with {@code found} when the image found holds the packages its lock pins (or has no
     * lock), else a warning: it misses the security updates the lock moved to, or was built
     * from versions nobody reviewed.
     */
    private static HealthCheck asLocked(String name, RuntimeImage image, String found) {
        Optional<String> drift;
        try {
            drift = ImageLock.drift(RuntimeImages.of(RuntimeConfig.defaults()).locate(image, name));
        } catch (SandboxException | IOException e) {
            return HealthCheck.warn(name, found + ", but its lock cannot be read: " + e.getMessage(),
                    "rebuild the image");
        }
        return drift.map(sentence -> HealthCheck.warn(name, found + ", but " + sentence,
                        "rebuild it (guest-runtimes/debian/build-image.sh), or move the lock with"
                                + " guest-runtimes/debian/refresh-locks.sh"))
                .orElseGet(() -> HealthCheck.ok(name, found));
    }

    /** The module the backends share guest-RAM code in (hyperlight-hostmem); it makes native calls too. */
    private static final String HOST_MEMORY_MODULE = "dev.hyperlight.nanvix.hostmem";

    /**
     * Native access for the modules that make the backend's native calls: the backend's, and on
     * the module path the backends' shared host-memory module.
     */
    private static HealthCheck java(Module backendModule) {
        String version = "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")";
        List<Module> modules = new ArrayList<>(List.of(backendModule));
        if (backendModule.isNamed() && backendModule.getLayer() != null) {
            backendModule.getLayer().findModule(HOST_MEMORY_MODULE).ifPresent(modules::add);
        }
        List<String> missing = modules.stream().filter(module -> !module.isNativeAccessEnabled())
                .map(module -> module.isNamed() ? module.getName() : "ALL-UNNAMED").toList();
        if (!missing.isEmpty()) {
            return HealthCheck.warn("java", version + ", native access not enabled",
                    "start java with --enable-native-access=" + String.join(",", missing)
                            + ", or every run warns on stderr");
        }
        return HealthCheck.ok("java", version + ", native access enabled");
    }

    /** Whether the multi-process deployment works here, and which confinement its VMM processes get. */
    private static HealthCheck multiProcess(HypervisorProvider provider) {
        try (Hypervisor hypervisor = provider.open(new Deployment.MultiProcess(0));
                VirtualMachine vm = hypervisor.createVm(CHECK_VM_MEMORY);
                VirtualCpu vcpu = vm.createVcpu()) {
            return HealthCheck.ok("multi-process", hypervisor.describe());
        } catch (HypervisorException e) {
            return HealthCheck.warn("multi-process", e.getMessage(),
                    "--deployment multi-process is unavailable here; in-process runs are not affected");
        }
    }

    private static void hypervisor(HypervisorProvider provider, List<HealthCheck> checks) {
        Path device = provider.device();
        if (!Files.exists(device)) {
            checks.add(HealthCheck.fail("device", device + " does not exist", "this host offers no "
                    + provider.name() + ": enable hardware virtualization or load the module",
                    SandboxException.Reason.HYPERVISOR_MISSING));
            return;
        }
        if (!Files.isReadable(device) || !Files.isWritable(device)) {
            checks.add(HealthCheck.fail("permission", "this user may not open " + device + " for reading and writing",
                    "add the user to the group owning it (usually 'kvm') and log in again",
                    SandboxException.Reason.HYPERVISOR_PERMISSION));
            return;
        }
        checks.add(HealthCheck.ok("device", device + " exists, readable and writable by this user"));
        try (Hypervisor hypervisor = provider.open()) {
            checks.add(HealthCheck.ok("api", hypervisor.describe()));
            try (VirtualMachine vm = hypervisor.createVm(CHECK_VM_MEMORY); VirtualCpu vcpu = vm.createVcpu()) {
                checks.add(HealthCheck.ok("vm", "created a VM with " + (CHECK_VM_MEMORY >> 20) + " MiB of RAM and a vCPU"));
            }
        } catch (HypervisorException e) {
            checks.add(HealthCheck.fail("api", e.getMessage(), "see docs/guest-abi.md, \"Platform notes for the host\"",
                    Hypervisors.translate(e).reason()));
            return;
        }
        checks.add(multiProcess(provider));
        Flavour flavour = provider.flavour();
        checks.add(switch (flavour) {
            case HARDWARE -> HealthCheck.ok("flavour", flavour.description());
            case PVM -> HealthCheck.warn("flavour", flavour.description(),
                    "runs work, but each system call and page fault costs tens of microseconds (docs/benchmarks.md)");
            case UNKNOWN -> HealthCheck.warn("flavour", "cannot tell what runs guests behind " + device,
                    "no kvm_intel, kvm_amd or kvm_pvm under /sys/module");
        });
    }

    /** Why the guest kernel cannot be loaded, or empty when it can. */
    public static Optional<String> guestKernelProblem() {
        try {
            GuestKernel.image();
            return Optional.empty();
        } catch (IllegalStateException | UncheckedIOException e) {
            return Optional.of(e.getMessage());
        }
    }
}
