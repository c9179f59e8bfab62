package dev.hyperlight.nanvix.kvm;

import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The real /dev/kvm, opened once per test class twice: reading exit state through KVM's synced
 * registers and through {@code KVM_GET_SREGS}, so tests can cover both paths.
 */
abstract class KvmTestHypervisors {

    static KvmHypervisor kvm;
    static KvmHypervisor kvmWithoutSyncRegisters;

    @BeforeAll
    static void openKvm() throws HypervisorException {
        kvm = KvmHypervisor.open(KvmHypervisor.DEVICE);
        kvmWithoutSyncRegisters = KvmHypervisor.open(KvmHypervisor.DEVICE, false);
    }

    @AfterAll
    static void closeKvm() {
        kvm.close();
        kvmWithoutSyncRegisters.close();
    }

    static KvmHypervisor hypervisor(boolean syncRegisters) {
        return syncRegisters ? kvm : kvmWithoutSyncRegisters;
    }
}
