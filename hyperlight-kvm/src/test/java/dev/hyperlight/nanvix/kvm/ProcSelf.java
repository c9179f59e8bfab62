package dev.hyperlight.nanvix.kvm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** What /proc/self says about this process: descriptors, threads, mappings. */
final class ProcSelf {

    /** One line of /proc/self/maps. */
    record Mapping(long start, long end, String permissions) {

        boolean contains(long address) {
            return start <= address && address < end;
        }
    }

    private ProcSelf() {}

    static long openDescriptors() {
        return count(Path.of("/proc/self/fd"));
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

    private static Mapping mapping(String line) {
        String[] fields = line.split("\\s+");
        String[] range = fields[0].split("-");
        return new Mapping(HexFormat.fromHexDigitsToLong(range[0]), HexFormat.fromHexDigitsToLong(range[1]),
                fields[1]);
    }

    private static long count(Path directory) {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
