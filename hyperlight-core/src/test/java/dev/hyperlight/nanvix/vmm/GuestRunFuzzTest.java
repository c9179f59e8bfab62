package dev.hyperlight.nanvix.vmm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.Termination;
import dev.hyperlight.nanvix.hypervisor.Registers;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.io.Mount;
import dev.hyperlight.nanvix.loader.GuestAbi;
import dev.hyperlight.nanvix.syscall.Errno;
import dev.hyperlight.nanvix.syscall.GuestMemory;
import dev.hyperlight.nanvix.syscall.Syscall;
import dev.hyperlight.nanvix.syscall.SyscallAction;
import dev.hyperlight.nanvix.syscall.SyscallTable;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exit decoder and the hypercall path under random guest memory: random page contents, random
 * ports, privilege levels and call numbers, served by the real {@link SyscallTable} over a real
 * {@link HostIo}. Whatever the guest wrote, the run ends with a {@link Termination} and no host
 * exception. Seeded, so a failure replays.
 */
class GuestRunFuzzTest {

    private static final int RAM = 256 * 1024;
    private static final long PAGE = GuestAbi.HYPERCALL_PAGE_GPA;
    private static final int RUNS = 400;
    private static final int[] PORTS = {GuestAbi.PORT_HYPERCALL, GuestAbi.PORT_HYPERCALL, GuestAbi.PORT_HYPERCALL,
        GuestAbi.PORT_HYPERCALL, GuestAbi.PORT_LOG, GuestAbi.PORT_EXIT, GuestAbi.PORT_FAULT, GuestAbi.PORT_PANIC,
        0x80, 0xffff};

    @TempDir
    Path tmp;

    @Test
    void randomGuestMemoryNeverBecomesAHostException() throws Exception {
        Files.writeString(tmp.resolve("file"), "content");
        Files.createDirectory(tmp.resolve("dir"));
        // Sleeping for a random timespec would only make the test slow.
        SyscallTable table = SyscallTable.defaults()
                .with(Syscall.NANOSLEEP, SyscallAction.block(Errno.EINTR))
                .with(Syscall.NETWORK, SyscallAction.accept())
                // Audit summaries decode every argument of every call, however wild.
                .withAudit(record -> assertThat(record.toJson()).startsWith("{\"call\":"));
        for (int run = 0; run < RUNS; run++) {
            Random random = new Random(run);
            try (Arena arena = Arena.ofConfined();
                    HostIo io = new HostIo(IoConfig.builder().mount(Mount.writable("/tmp", tmp))
                            .workingDirectory("/tmp").build());
                    RunLog log = RunLog.open("fuzz", Optional.empty())) {
                MemorySegment ram = arena.allocate(RAM, 4096);
                GuestMemory memory = GuestMemory.of(ram);
                RandomCpu cpu = new RandomCpu(random, ram);
                GuestRun loop = new GuestRun(cpu, memory, PAGE, new InProcessIoChannel(table, memory, io), log,
                        () -> false);

                GuestRun.Outcome outcome = loop.run(() -> new Termination.VmFailed("stopped"));

                assertThat(outcome.termination()).as("run %d", run).isNotNull();
                assertThat(outcome.unsupportedSyscalls().size()).isLessThanOrEqualTo(512);
            }
        }
    }

    /** A vCPU whose guest scribbles over RAM and the hypercall page before each random exit. */
    private static final class RandomCpu extends StubVirtualCpu {
        private final Random random;
        private final MemorySegment ram;
        private int exits;

        RandomCpu(Random random, MemorySegment ram) {
            this.random = random;
            this.ram = ram;
        }

        @Override
        public VmExit run() {
            scribble();
            if (++exits > 40) {
                return new VmExit.Interrupted();
            }
            int choice = random.nextInt(100);
            if (choice < 90) {
                int port = PORTS[random.nextInt(PORTS.length)];
                return new VmExit.IoOut(port, 4, random.nextLong(), random.nextInt(10) == 0 ? 3 : 0);
            }
            return switch (choice) {
                case 90, 91 -> new VmExit.IoIn(PORTS[random.nextInt(PORTS.length)], 4, random.nextInt(4));
                case 92 -> new VmExit.Mmio(random.nextLong(), 8, random.nextBoolean(), random.nextLong());
                case 93 -> new VmExit.Halt();
                case 94 -> new VmExit.Shutdown();
                case 95 -> new VmExit.FailEntry(random.nextLong());
                case 96 -> new VmExit.InternalError(random.nextInt());
                case 97 -> new VmExit.Unknown(random.nextInt());
                default -> new VmExit.Interrupted();
            };
        }

        /** Random words in the page, some random strings and bytes elsewhere. */
        private void scribble() {
            long nr = switch (random.nextInt(4)) {
                case 0 -> Syscall.FORWARDED.get(random.nextInt(Syscall.FORWARDED.size())).sysno().number();
                case 1 -> random.nextInt(512);
                default -> interesting();
            };
            ram.set(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + GuestAbi.HYPERCALL_NR_OFFSET, nr);
            for (int i = 0; i < 6; i++) {
                ram.set(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + GuestAbi.HYPERCALL_ARGS_OFFSET + 8L * i,
                        random.nextInt(3) == 0 ? pointer() : interesting());
            }
            for (int i = 0; i < 8; i++) {
                long at = 0x8000 + random.nextInt(RAM - 0x9000);
                byte[] text = (random.nextBoolean() ? "/tmp/file\0" : random.nextBoolean() ? "dir/../..\0" : "x")
                        .getBytes();
                MemorySegment.copy(text, 0, ram, ValueLayout.JAVA_BYTE, at, text.length);
                ram.set(ValueLayout.JAVA_BYTE, 0x8000 + random.nextInt(RAM - 0x8000), (byte) random.nextInt());
            }
        }

        private long pointer() {
            return switch (random.nextInt(4)) {
                case 0 -> 0x8000 + random.nextInt(RAM - 0x8000);
                case 1 -> RAM - random.nextInt(16);
                case 2 -> PAGE;
                default -> interesting();
            };
        }

        private long interesting() {
            return switch (random.nextInt(10)) {
                case 0 -> 0;
                case 1 -> -1;
                case 2 -> -100; // AT_FDCWD
                case 3 -> random.nextInt(8);
                case 4 -> Long.MAX_VALUE;
                case 5 -> Long.MIN_VALUE;
                case 6 -> 1L << 40;
                case 7 -> 0xffff_8000_0000_0000L + random.nextInt(1 << 20);
                case 8 -> random.nextInt(RAM * 2);
                default -> random.nextLong();
            };
        }

        @Override
        public Registers registers() {
            return Registers.entry(random.nextLong(), random.nextLong(), 2, 0, 0);
        }
    }
}
