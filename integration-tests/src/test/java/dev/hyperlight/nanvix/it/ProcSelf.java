package dev.hyperlight.nanvix.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** What /proc/self and the JVM say about the VMs of this process: KVM descriptors, mappings, threads. */
final class ProcSelf {

    private ProcSelf() {}

    /** Descriptors of KVM objects: {@code anon_inode:kvm-vm}, {@code anon_inode:kvm-vcpu:N}. */
    static long kvmFileDescriptors() {
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            return entries.map(ProcSelf::target).filter(target -> target.startsWith("anon_inode:kvm-")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String target(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException closedMeanwhile) { // e.g. the descriptor of the directory listing itself
            return "";
        }
    }

    /** Mappings of KVM objects: the {@code kvm_run} area of each vCPU. */
    static long kvmMappings() {
        return mapsLines().stream().filter(line -> line.contains("anon_inode:kvm-")).count();
    }

    /**
     * Read-write mappings of exactly {@code size} bytes, as guest RAM is mapped: private in-process,
     * shared (the VMM process's memfd) in the multi-process deployment.
     */
    static long mappingsOfSize(long size) {
        return mapsLines().stream().filter(line -> {
            String[] fields = line.split("\\s+");
            String[] range = fields[0].split("-");
            return (fields[1].equals("rw-p") || fields[1].equals("rw-s"))
                    && HexFormat.fromHexDigitsToLong(range[1]) - HexFormat.fromHexDigitsToLong(range[0]) == size;
        }).count();
    }

    /** This JVM's living VMM processes (the multi-process deployment). */
    static List<ProcessHandle> vmmProcesses() {
        return ProcessHandle.current().children()
                .filter(child -> child.info().command().map(command -> command.endsWith("hyperlight-vmm")).orElse(false))
                .filter(ProcessHandle::isAlive)
                .toList();
    }

    /** This JVM's VMM processes that serve a vCPU: those with more than one thread. */
    static List<ProcessHandle> vmmProcessesRunningAVcpu() {
        return vmmProcesses().stream()
                .filter(child -> {
                    try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(child.pid()), "task"))) {
                        return tasks.count() > 1;
                    } catch (IOException ended) {
                        return false;
                    }
                })
                .toList();
    }

    /**
     * What {@code processes} lists once at most {@code atMost} are left, or after 30 s: processes
     * end a little after their last VM, and the pool's replacements started by the last takes
     * end as they come up.
     */
    static List<ProcessHandle> awaitAtMost(Supplier<List<ProcessHandle>> processes, int atMost)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (processes.get().size() > atMost && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return processes.get();
    }

    private static List<String> mapsLines() {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The one live thread of this name. */
    static Thread thread(String name) {
        List<Thread> named = Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals(name)).toList();
        if (named.size() != 1) {
            throw new AssertionError("expected one live thread named " + name + ", found " + named.size());
        }
        return named.getFirst();
    }
}
