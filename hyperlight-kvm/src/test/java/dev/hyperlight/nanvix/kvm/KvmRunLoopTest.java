package dev.hyperlight.nanvix.kvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures the costs the VMM pays (logged at INFO), after enough warm-up for the JIT to compile
 * the paths, with bounds loose enough only to catch a regression by an order of magnitude.
 */
class KvmTimingTest extends KvmTestHypervisors {

    private static final Logger LOG = LoggerFactory.getLogger(KvmTimingTest.class);
    private static final int PORT = 0x6e0;

    @Test
    void createRunToFirstExitAndClose() throws HypervisorException {
        byte[] guest = new GuestCode().movAl(1).outImm8Al(0x80).hlt().bytes();
        int warmup = 300;
        int samples = 100;
        long[] toFirstExit = new long[samples];
        long[] toClosed = new long[samples];
        for (int i = -warmup; i < samples; i++) {
            long start = System.nanoTime();
            VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE);
            VirtualCpu vcpu = vm.createVcpu();
            TestGuest.load(vm.memory(), vcpu, guest);
            VmExit first = vcpu.run();
            long exited = System.nanoTime();
            vm.close();
            long closed = System.nanoTime();
            assertThat(first).isEqualTo(new VmExit.IoOut(0x80, 1, 1, 0));
            if (i >= 0) {
                toFirstExit[i] = exited - start;
                toClosed[i] = closed - exited;
            }
        }
        LOG.info("create VM + vCPU + load + run to first exit: median {} us, p90 {} us; close: median {} us",
                micros(median(toFirstExit)), micros(percentile(toFirstExit, 90)), micros(median(toClosed)));
        assertThat(median(toFirstExit)).isLessThan(TimeUnit.MILLISECONDS.toNanos(500));
    }

    @Test
    void outExitRoundTrip() throws HypervisorException {
        int outs = 20_000;
        outLoop(kvm, outs); // warm-up
        outLoop(kvmWithoutSyncRegisters, outs);
        for (boolean sync : new boolean[] {true, false}) {
            long nanos = outLoop(hypervisor(sync), outs);
            LOG.info("out exit round trip ({}): {} us per exit over {} exits",
                    sync ? "CPL from synced sregs" : "CPL from KVM_GET_SREGS", micros(nanos / outs), outs);
            assertThat(nanos / outs).isLessThan(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private static long outLoop(KvmHypervisor hypervisor, int outs) throws HypervisorException {
        GuestCode code = new GuestCode().movDx(PORT).movEcx(outs);
        int loop = code.position();
        byte[] guest = code.outDxEax().decEcx().jnzBackTo(loop).hlt().bytes();
        try (VirtualMachine vm = hypervisor.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
            TestGuest.load(vm.memory(), vcpu, guest);
            long start = System.nanoTime();
            int seen = 0;
            VmExit exit;
            while ((exit = vcpu.run()) instanceof VmExit.IoOut out) {
                assertThat(out.privilegeLevel()).isZero();
                seen++;
            }
            long elapsed = System.nanoTime() - start;
            assertThat(exit).isEqualTo(new VmExit.Halt());
            assertThat(seen).isEqualTo(outs);
            return elapsed;
        }
    }

    @Test
    void interruptLatency() throws Exception {
        int samples = 30;
        long[] latency = new long[samples];
        for (int i = 0; i < samples; i++) {
            try (VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
                TestGuest.load(vm.memory(), vcpu, new GuestCode().spin().bytes());
                CompletableFuture<Long> returnedAt = CompletableFuture.supplyAsync(() -> {
                    try {
                        VmExit exit = vcpu.run();
                        long now = System.nanoTime();
                        assertThat(exit).isEqualTo(new VmExit.Interrupted());
                        return now;
                    } catch (HypervisorException e) {
                        throw new IllegalStateException(e);
                    }
                }, runnable -> Thread.ofPlatform().start(runnable));
                Thread.sleep(20); // well inside the spinning guest
                long start = System.nanoTime();
                vcpu.interrupt();
                long interruptReturned = System.nanoTime();
                latency[i] = returnedAt.get(1, TimeUnit.SECONDS) - start;
                assertThat(interruptReturned).isGreaterThanOrEqualTo(start + latency[i]);
            }
        }
        LOG.info("interrupt() to run() returning Interrupted: median {} us, max {} us",
                micros(median(latency)), micros(percentile(latency, 100)));
        assertThat(median(latency)).isLessThan(Duration.ofMillis(50).toNanos());
    }

    private static long median(long[] values) {
        return percentile(values, 50);
    }

    private static long percentile(long[] values, int percent) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, sorted.length * percent / 100)];
    }

    private static String micros(long nanos) {
        return String.format("%.1f", nanos / 1000.0);
    }
}
