package dev.hyperlight.nanvix.benchmarks;

import dev.hyperlight.nanvix.RunResult;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the benchmarked programs are, relative to the repository root (the working directory). */
final class Workloads {

    private Workloads() {}

    /** An example guest of {@code guest-examples}, e.g. {@code hello-c} or {@code hello.py}. */
    static Path example(String name) {
        return existing(Path.of("guest-examples", name));
    }

    /** A benchmark guest of {@code benchmarks/guests}, e.g. {@code idle}. */
    static Path guest(String name) {
        return existing(Path.of("benchmarks", "guests", name));
    }

    private static Path existing(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException(path.toAbsolutePath()
                    + " is missing: run from the repository root after a build (benchmarks/jmh does both)");
        }
        return path;
    }

    /** {@code result}, if the program exited with status 0; a failed run must not pass for a fast one. */
    static RunResult succeeded(RunResult result) {
        if (!result.success()) {
            throw new IllegalStateException("the run failed: " + result.termination().describe() + "\n"
                    + result.stderrText());
        }
        return result;
    }
}
