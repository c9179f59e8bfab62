package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.Termination;
import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorProvider;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.syscall.SyscallTable;
import dev.hyperlight.nanvix.vmm.MicroVm;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * The worst guest for a time limit: a guest kernel (guests/spin-kernel.S) that disables
 * interrupts and spins at CPL 0 without ever exiting. The host's kick still stops it, for the
 * wall-clock limit and for the CPU-time limit.
 */
class KernelSpinTest {

    private static MicroVm.Report run(Duration timeout, Duration cpuTime) throws Exception {
        HypervisorProvider provider = ServiceLoader.load(HypervisorProvider.class).findFirst().orElseThrow();
        try (Hypervisor hypervisor = provider.open();
                HostIo io = new HostIo(IoConfig.builder().build())) {
            MicroVm.Launch launch = new MicroVm.Launch(Files.readAllBytes(Guests.guest("spin-kernel")),
                    Files.readAllBytes(Guests.guest("exit-status")), "/app/exit-status", List.of("exit-status"),
                    List.of(), 32L << 20, SyscallTable.defaults(), io, timeout, cpuTime, Optional.empty(), "spin");
            return MicroVm.run(hypervisor, launch, cancel -> {});
        }
    }

    @Test
    void aKernelSpinningWithInterruptsDisabledIsStoppedByTheTimeout() throws Exception {
        MicroVm.Report report = run(Duration.ofMillis(500), Duration.ZERO);

        assertThat(report.termination()).isEqualTo(new Termination.TimedOut(Duration.ofMillis(500)));
    }

    @Test
    void andByTheCpuTimeLimit() throws Exception {
        MicroVm.Report report = run(Duration.ofSeconds(20), Duration.ofMillis(300));

        assertThat(report.termination()).isEqualTo(new Termination.CpuTimeExceeded(Duration.ofMillis(300)));
    }
}
