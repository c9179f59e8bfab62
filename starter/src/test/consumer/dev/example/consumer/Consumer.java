package dev.example.consumer;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.HostPlatform;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.hypervisor.HypervisorProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A user's application of the starter, written as one would from the README, run by
 * run-consumer on the class path and on the module path. {@code check} does everything up to a
 * VM (finds the backend, the kernel and every runtime image, extracting them into the cache);
 * {@code run DYNAMIC_C_PROGRAM} runs a Python file, Python and JavaScript code and a dynamically
 * linked C program in VMs.
 */
public final class Consumer {

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "check" -> check();
            case "run" -> run(Path.of(args[1]));
            default -> throw new IllegalArgumentException("unknown action " + args[0]);
        }
    }

    private static void check() {
        System.out.println("library module: " + Optional.ofNullable(Sandbox.class.getModule().getName()).orElse("unnamed"));
        System.out.println("backend: " + HostPlatform.backend().map(HypervisorProvider::name).orElse("none"));
        System.out.println("kernel: " + HostPlatform.guestKernelProblem().orElse("ok"));
        for (GuestRuntime runtime : GuestRuntime.BUILT_IN) {
            System.out.println("runtime " + runtime.name() + ": " + HostPlatform.runtimeProblem(runtime).orElse("ok"));
        }
        System.out.println("base image: " + HostPlatform.baseImageProblem().orElse("ok"));
        System.out.println("cache: " + RuntimeConfig.defaults().runtimeCacheDirectory());
    }

    private static void run(Path dynamicProgram) throws Exception {
        Path script = Files.createTempDirectory("consumer").resolve("hello.py");
        Files.writeString(script, "print('python file', 6 * 7)\n");
        print(Sandbox.run(script.toString())); // the one-liner: a sandbox of defaults for one run
        try (Sandbox sandbox = new Sandbox(RuntimeConfig.defaults())) {
            print(sandbox.runCode(GuestRuntime.PYTHON, "import sys; print('python code', sys.version_info[:2])"));
            print(sandbox.runCode(GuestRuntime.JAVASCRIPT, "console.log('javascript code', 6 * 7)"));
            print(sandbox.run(dynamicProgram, "consumer"));
        }
    }

    private static void print(RunResult result) {
        System.out.print(result.stdoutText());
        System.out.println("exit " + result.exitCode());
    }
}
