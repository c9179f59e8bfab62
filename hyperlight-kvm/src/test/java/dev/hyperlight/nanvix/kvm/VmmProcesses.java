package dev.hyperlight.nanvix.kvm;

import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What /proc says about this process's VMM processes (children running hyperlight-vmm). */
final class VmmProcesses {

    private static final String GUEST_RAM = "memfd:hyperlight-guest-ram";

    private VmmProcesses() {}

    static List<ProcessHandle> alive() {
        return ProcessHandle.current().children()
                .filter(child -> child.info().command().map(command -> command.endsWith("hyperlight-vmm")).orElse(false))
                .filter(ProcessHandle::isAlive)
                .toList();
    }

    /** Descriptors of every VMM process whose target contains {@code text}, e.g. {@code memfd:NAME}. */
    static long descriptorTargetsContaining(String text) {
        return alive().stream().flatMap(VmmProcesses::descriptors)
                .filter(link -> target(link).contains(text)).count();
    }

    /**
     * For each guest-RAM memfd a VMM process holds, the bytes outside its holes: the memory that
     * RAM commits (read through {@code /proc/PID/fd/N}, which opens the VMM's own file).
     */
    static List<Long> guestRamDataBytes() {
        List<Long> sizes = new ArrayList<>();
        alive().stream().flatMap(VmmProcesses::descriptors)
                .filter(link -> target(link).contains(GUEST_RAM))
                .forEach(link -> sizes.add(dataBytes(link)));
        return sizes;
    }

    private static long dataBytes(Path link) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
            int fd = libc_h.open(callState, arena.allocateFrom(link.toString()), libc_h.O_CLOEXEC, 0); // O_RDONLY: 0
            if (fd < 0) {
                throw new AssertionError("cannot open " + link + ": errno " + libc_h.errno(callState));
            }
            try {
                long total = 0;
                long offset = 0;
                while (true) {
                    long data = libc_h.lseek(callState, fd, offset, libc_h.SEEK_DATA);
                    if (data < 0) {
                        return total; // ENXIO: only a hole up to the end
                    }
                    long hole = libc_h.lseek(callState, fd, data, libc_h.SEEK_HOLE);
                    total += hole - data;
                    offset = hole;
                }
            } finally {
                libc_h.close(callState, fd);
            }
        }
    }

    private static Stream<Path> descriptors(ProcessHandle process) {
        try (Stream<Path> entries = Files.list(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
            return entries.toList().stream();
        } catch (IOException e) {
            return Stream.empty(); // it ended meanwhile
        }
    }

    private static String target(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException closedMeanwhile) {
            return "";
        }
    }
}
