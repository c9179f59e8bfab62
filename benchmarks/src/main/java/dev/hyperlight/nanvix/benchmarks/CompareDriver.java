package dev.hyperlight.nanvix.benchmarks;

import dev.hyperlight.nanvix.HostPlatform;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.SandboxException;
import dev.hyperlight.nanvix.hypervisor.Deployment;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The micro-VM side of {@code benchmarks/compare}: one JVM with one {@link Sandbox}, as an
 * application embedding the library has, that runs each program it is sent in a fresh micro-VM.
 *
 * <p>Protocol (lines on stdin and stdout): first it prints {@code flavour NAME} (the hypervisor
 * flavour, as {@code --version} reports it); then for each line {@code PROGRAM} it reads, it runs
 * the program and prints {@code MILLIS EXIT_CODE}, the wall time of {@link Sandbox#run} (VM
 * creation to the VM's destruction) and the program's exit code, or {@code error MESSAGE}. With
 * {@code --cold}, warm starts are off: every run boots the guest kernel and its runtime. With
 * {@code --deployment SPEC} ({@code multi-process} or {@code multi-process:N}, as the CLI spells it),
 * VMs run in confined VMM processes (warm runs too: clones in VMM processes).
 */
public final class CompareDriver {

    private CompareDriver() {}

    public static void main(String[] args) throws Exception {
        System.out.println("flavour " + HostPlatform.flavour().name());
        System.out.flush();
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        List<String> options = List.of(args);
        boolean cold = options.contains("--cold");
        int deploymentAt = options.indexOf("--deployment");
        Deployment deployment = deploymentAt >= 0 && deploymentAt + 1 < args.length
                ? Deployment.parse(args[deploymentAt + 1]) : Deployment.IN_PROCESS;
        try (Sandbox sandbox = new Sandbox(RuntimeConfig.builder().timeout(Duration.ofMinutes(5)).warmStarts(!cold)
                .deployment(deployment)
                .stdout(OutputStream.nullOutputStream()).stderr(OutputStream.nullOutputStream()).build())) {
            String program;
            while ((program = commands.readLine()) != null && !program.isBlank()) {
                System.out.println(timedRun(sandbox, Path.of(program.strip())));
                System.out.flush();
            }
        }
    }

    private static String timedRun(Sandbox sandbox, Path program) {
        try {
            long start = System.nanoTime();
            RunResult result = sandbox.run(program);
            double millis = (System.nanoTime() - start) / 1e6;
            return String.format("%.3f %d", millis, result.exitCode());
        } catch (SandboxException e) {
            return "error " + e.getMessage().replace('\n', ' ');
        }
    }
}
