package dev.hyperlight.nanvix.kvm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** What /proc/self says about this process: descriptors, threads, mappings. */
final class ProcSelf {

    /** One line of /proc/self/maps; {@code path} is empty for anonymous memory. */
    record Mapping(long start, long end, String permissions, String path) {

        boolean contains(long address) {
            return start <= address && address < end;
        }
    }

    /** A line of /proc/self/maps, which starts each mapping's block in /proc/self/smaps. */
    private static final Pattern MAPPING_LINE = Pattern.compile("[0-9a-f]+-[0-9a-f]+ ");

    private ProcSelf() {}

    static long openDescriptors() {
        return descriptorTargets().size();
    }

    /** Descriptors of KVM objects: {@code anon_inode:kvm-vm}, {@code anon_inode:kvm-vcpu:N}. */
    static long kvmDescriptors() {
        return descriptorTargets().stream().filter(target -> target.startsWith("anon_inode:kvm-")).count();
    }

    /** Descriptors whose target contains {@code text}, e.g. {@code memfd:NAME}. */
    static long descriptorTargetsContaining(String text) {
        return descriptorTargets().stream().filter(target -> target.contains(text)).count();
    }

    /** Mappings of KVM objects ({@code kvm_run} areas). */
    static long kvmMappings() {
        return mappings().stream().filter(m -> m.path().startsWith("anon_inode:kvm-")).count();
    }

    private static List<String> descriptorTargets() {
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            return entries.map(ProcSelf::target).toList();
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

    static long threads() {
        return count(Path.of("/proc/self/task"));
    }

    static List<Mapping> mappings() {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream().map(ProcSelf::mapping).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Mapping mappingAt(long address) {
        return mappings().stream().filter(m -> m.contains(address)).findFirst()
                .orElseThrow(() -> new AssertionError("no mapping holds 0x" + Long.toHexString(address)));
    }

    /**
     * The {@code Anonymous} kilobytes of the mapping that holds {@code address}, from {@code
     * /proc/self/smaps}: for a private file mapping, the pages written since (copied on write).
     */
    static long anonymousKilobytes(long address) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
            boolean inside = false;
            for (String line : lines) {
                if (MAPPING_LINE.matcher(line).lookingAt()) {
                    inside = mapping(line).contains(address);
                } else if (inside && line.startsWith("Anonymous:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            throw new AssertionError("no mapping holds 0x" + Long.toHexString(address));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Mapping mapping(String line) {
        String[] fields = line.split("\\s+", 6);
        String[] range = fields[0].split("-");
        return new Mapping(HexFormat.fromHexDigitsToLong(range[0]), HexFormat.fromHexDigitsToLong(range[1]),
                fields[1], fields.length == 6 ? fields[5].strip() : "");
    }

    private static long count(Path directory) {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
