package dev.hyperlight.nanvix.hypervisor;

/**
 * A VM made from a {@link VmSnapshot} ({@link Hypervisor#cloneVm}) with its one vCPU, stopped where
 * the snapshot was taken: the next {@link VirtualCpu#run()} resumes after that exit. Closing it
 * closes the VM and so the vCPU.
 *
 * <p>The guest's TSC should read, in the clone, the snapshot's TSC moved on by the time since the
 * snapshot was taken, so that clocks the guest computes from it read the real time and never go
 * back. Not every backend can set it: on hardware KVM the clone's TSC is set so (to within the
 * second KVM may keep it near another vCPU's); under PVM the guest reads the host's own TSC, and a
 * write to it is dropped. {@code tscLag} says how far the clone's TSC is from where it should be,
 * so that whoever knows the guest's clock calibration can move that on instead.
 *
 * @param tscLag TSC cycles by which the clone's TSC, read right after the clone was made, is behind
 *     the snapshot's TSC moved on by the time since the snapshot (negative: ahead); 0 where the
 *     backend cannot tell
 */
public record ClonedVm(VirtualMachine vm, VirtualCpu vcpu, long tscLag) implements AutoCloseable {

    @Override
    public void close() {
        vm.close();
    }
}
