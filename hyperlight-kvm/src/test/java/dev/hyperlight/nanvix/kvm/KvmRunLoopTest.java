package dev.hyperlight.nanvix.kvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The run loop at volume: many VMs one after the other, many exits from one guest, and interrupts
 * of running guests. How long these take is measured by the JMH benchmarks
 * ({@code benchmarks/}, {@code KvmBenchmarks}), never asserted here.
 */
class KvmRunLoopTest extends KvmTestHypervisors {

    private static final int PORT = 0x6e0;

    @Test
    void everyVmOfAHundredInARowReachesItsFirstExit() throws HypervisorException {
        byte[] guest = new GuestCode().movAl(1).outImm8Al(0x80).hlt().bytes();
        for (int i = 0; i < 100; i++) {
            try (VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
                TestGuest.load(vm.memory(), vcpu, guest);
                assertThat(vcpu.run()).isEqualTo(new VmExit.IoOut(0x80, 1, 1, 0));
            }
        }
    }

    @ParameterizedTest(name = "sync registers: {0}")
    @ValueSource(booleans = {true, false})
    void everyOutOfALongLoopReachesTheHostWithKernelPrivilege(boolean syncRegisters) throws HypervisorException {
        int outs = 20_000;
        GuestCode code = new GuestCode().movDx(PORT).movEcx(outs);
        int loop = code.position();
        byte[] guest = code.outDxEax().decEcx().jnzBackTo(loop).hlt().bytes();
        try (VirtualMachine vm = hypervisor(syncRegisters).createVm(TestGuest.RAM_SIZE);
                VirtualCpu vcpu = vm.createVcpu()) {
            TestGuest.load(vm.memory(), vcpu, guest);
            int seen = 0;
            VmExit exit;
            while ((exit = vcpu.run()) instanceof VmExit.IoOut out) {
                assertThat(out.port()).isEqualTo(PORT);
                assertThat(out.privilegeLevel()).isZero();
                seen++;
            }
            assertThat(exit).isEqualTo(new VmExit.Halt());
            assertThat(seen).isEqualTo(outs);
        }
    }

    @Test
    void everyInterruptOfTenSpinningGuestsEndsItsRun() throws Exception {
        TestGuest.CountingGuest guest = TestGuest.countForever(new GuestCode());
        for (int i = 0; i < 10; i++) {
            try (VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
                TestGuest.load(vm.memory(), vcpu, guest.code());
                CompletableFuture<VmExit> spinning = KvmVirtualCpuTest.runOnAnotherThread(vcpu);
                TestGuest.awaitSpinning(vm.memory(), 0); // the interrupt must find the guest running

                vcpu.interrupt();

                assertThat(spinning.get(10, TimeUnit.SECONDS)).isEqualTo(new VmExit.Interrupted());
                assertThat(guest.inLoop(vcpu.registers().rip())).as("stopped inside the loop").isTrue();
            }
        }
    }
}
