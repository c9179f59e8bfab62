package dev.hyperlight.nanvix.vmm;

import dev.hyperlight.nanvix.hypervisor.Registers;
import dev.hyperlight.nanvix.hypervisor.SpecialRegisters;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;

/** A vCPU for run-loop tests: subclasses say what {@code run()} and {@code registers()} return. */
abstract class StubVirtualCpu implements VirtualCpu {

    @Override
    public void setRegisters(Registers registers) {}

    @Override
    public SpecialRegisters specialRegisters() {
        throw new UnsupportedOperationException("the run loop does not read special registers");
    }

    @Override
    public void setSpecialRegisters(SpecialRegisters registers) {}

    @Override
    public void setMsr(int index, long value) {}

    @Override
    public long tscKhz() {
        return 0;
    }

    @Override
    public void interrupt() {}

    @Override
    public void close() {}
}
