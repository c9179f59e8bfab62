package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorProvider;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.loader.KernelImage;
import dev.hyperlight.nanvix.syscall.SyscallTable;
import dev.hyperlight.nanvix.vmm.GuestEnd;
import dev.hyperlight.nanvix.vmm.MicroVm;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worst guest for a time limit: a guest kernel (guests/spin-kernel.S) that disables
 * interrupts and spins at CPL 0 without ever exiting. The host's kick still stops it, for the
 * wall-clock limit and for the CPU-time limit. Each test checks, from the RIP the run log
 * records at the stop, that the kick found the guest inside its loop, not before its first
 * instruction. In the multi-process deployment the kick is a signal to the VMM process's vCPU thread.
 */
class KernelSpinTest {

    private static final long MEMORY = 32L << 20;
    private static final Pattern STOPPED_AT = Pattern.compile("stopped at rip 0x(\\p{XDigit}+)");

    @TempDir
    Path logs;

    private MicroVm.Report run(Duration timeout, Duration cpuTime) throws Exception {
        HypervisorProvider provider = ServiceLoader.load(HypervisorProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(found -> found.name().equals("kvm")).findFirst().orElseThrow();
        try (Hypervisor hypervisor = provider.open(Suite.deployment());
                HostIo io = new HostIo(IoConfig.builder().build())) {
            MicroVm.Launch launch = new MicroVm.Launch(spinKernel(), Files.readAllBytes(Guests.guest("exit-status")),
                    "/app/exit-status", List.of("exit-status"), List.of(), MEMORY, SyscallTable.defaults(), io,
                    timeout, cpuTime, Optional.of(logs), "spin", Optional.empty());
            return MicroVm.run(hypervisor, launch, cancel -> {});
        }
    }

    private static byte[] spinKernel() throws Exception {
        return Files.readAllBytes(Guests.guest("spin-kernel"));
    }

    /** The RIP the host logged when it stopped the vCPU. */
    private long stoppedAt() throws Exception {
        String log = Files.readString(logs.resolve("sandbox.log"));
        Matcher stopped = STOPPED_AT.matcher(log);
        assertThat(stopped.find()).as("the run log records where the vCPU stopped:%n%s", log).isTrue();
        return Long.parseUnsignedLong(stopped.group(1), 16);
    }

    /** The address of {@code jmp 1b}: the entry point, {@code cli}, is one byte long. */
    private static long spinLoop() throws Exception {
        return KernelImage.parse(MemorySegment.ofArray(spinKernel()), MEMORY).entryPoint() + 1;
    }

    @Test
    void aKernelSpinningWithInterruptsDisabledIsStoppedByTheTimeout() throws Exception {
        MicroVm.Report report = run(Duration.ofMillis(500), Duration.ZERO);

        assertThat(report.end()).isEqualTo(new GuestEnd.TimedOut(Duration.ofMillis(500)));
        assertThat(Long.toHexString(stoppedAt())).as("RIP at the stop").isEqualTo(Long.toHexString(spinLoop()));
    }

    @Test
    void andByTheCpuTimeLimit() throws Exception {
        MicroVm.Report report = run(Duration.ofSeconds(20), Duration.ofMillis(300));

        assertThat(report.end()).isEqualTo(new GuestEnd.CpuTimeExceeded(Duration.ofMillis(300)));
        assertThat(Long.toHexString(stoppedAt())).as("RIP at the stop").isEqualTo(Long.toHexString(spinLoop()));
    }
}
