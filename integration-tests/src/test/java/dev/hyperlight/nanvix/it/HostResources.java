package dev.hyperlight.nanvix.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What this JVM holds of the host, from /proc/self: open file descriptors, threads and virtual
 * memory. Compared before and after many sandboxes, it shows what they leaked.
 */
record HostResources(long fileDescriptors, long threads, long virtualMemoryKib) {

    static HostResources now() throws IOException {
        return new HostResources(count(Path.of("/proc/self/fd")), count(Path.of("/proc/self/task")),
                readVirtualMemoryKib());
    }

    private static long count(Path directory) throws IOException {
        try (var entries = Files.list(directory)) {
            return entries.count();
        }
    }

    private static long readVirtualMemoryKib() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith("VmSize:"))
                .mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")))
                .findFirst()
                .orElseThrow();
    }
}
