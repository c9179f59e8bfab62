package dev.hyperlight.nanvix.kvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import org.junit.jupiter.api.Test;

/**
 * Creating, running and closing many VMs returns every descriptor, mapping and thread. KVM's own
 * descriptors and {@code kvm_run} mappings must come back exactly; the process totals may also
 * move with the JVM's own work (a heap or code-cache change, a trimmed malloc arena), so they are
 * held to a slack far below what even one leaked mapping per VM would add.
 */
class KvmLeakTest {

    private static final int VMS = 200;
    private static final int JVM_SLACK = 10;
    private static final byte[] GUEST = new GuestCode().movAl(7).outImm8Al(0x80).hlt().bytes();

    @Test
    void twoHundredVmsLeaveNoDescriptorMappingOrThreadBehind() throws HypervisorException {
        try (KvmHypervisor kvm = KvmHypervisor.open(KvmHypervisor.DEVICE)) {
            for (int i = 0; i < 10; i++) { // load classes and compile before the baseline
                runOnce(kvm);
            }
            long kvmDescriptors = ProcSelf.kvmDescriptors();
            long kvmMappings = ProcSelf.kvmMappings();
            long descriptors = ProcSelf.openDescriptors();
            int mappings = ProcSelf.mappings().size();
            long threads = ProcSelf.threads();

            for (int i = 0; i < VMS; i++) {
                runOnce(kvm);
            }

            assertThat(ProcSelf.kvmDescriptors()).as("KVM descriptors").isEqualTo(kvmDescriptors);
            assertThat(ProcSelf.kvmMappings()).as("kvm_run mappings").isEqualTo(kvmMappings);
            assertThat(ProcSelf.openDescriptors()).as("open descriptors").isLessThanOrEqualTo(descriptors + JVM_SLACK);
            assertThat(ProcSelf.mappings().size()).as("mappings").isLessThanOrEqualTo(mappings + JVM_SLACK);
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
