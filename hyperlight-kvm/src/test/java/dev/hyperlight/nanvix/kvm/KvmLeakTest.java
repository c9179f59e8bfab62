package dev.hyperlight.nanvix.kvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import org.junit.jupiter.api.Test;

/** Creating, running and closing many VMs returns every descriptor, mapping and thread. */
class KvmLeakTest {

    private static final int VMS = 200;
    private static final byte[] GUEST = new GuestCode().movAl(7).outImm8Al(0x80).hlt().bytes();

    @Test
    void twoHundredVmsLeaveNoDescriptorMappingOrThreadBehind() throws HypervisorException {
        try (KvmHypervisor kvm = KvmHypervisor.open(KvmHypervisor.DEVICE)) {
            for (int i = 0; i < 10; i++) { // load classes and compile before the baseline
                runOnce(kvm);
            }
            long descriptors = ProcSelf.openDescriptors();
            int mappings = ProcSelf.mappings().size();
            long threads = ProcSelf.threads();

            for (int i = 0; i < VMS; i++) {
                runOnce(kvm);
            }

            assertThat(ProcSelf.openDescriptors()).as("open descriptors").isEqualTo(descriptors);
            assertThat(ProcSelf.mappings().size()).as("mappings").isEqualTo(mappings);
            assertThat(ProcSelf.threads()).as("threads").isLessThanOrEqualTo(threads);
        }
    }

    private static void runOnce(KvmHypervisor kvm) throws HypervisorException {
        try (VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
            TestGuest.load(vm.memory(), vcpu, GUEST);
            assertThat(vcpu.run()).isEqualTo(new VmExit.IoOut(0x80, 1, 7, 0));
            assertThat(vcpu.run()).isEqualTo(new VmExit.Halt());
        }
    }
}
