package dev.hyperlight.nanvix.hypervisor;

/**
 * A VM made from a {@link VmSnapshot} ({@link Hypervisor#cloneVm}) with its one vCPU, stopped where
 * the snapshot was taken: the next {@link VirtualCpu#run()} resumes after that exit. Closing it
 * closes the VM and so the vCPU.
 */
public record ClonedVm(VirtualMachine vm, VirtualCpu vcpu) implements AutoCloseable {

    @Override
    public void close() {
        vm.close();
    }
}
