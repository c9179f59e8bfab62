package dev.hyperlight.nanvix.vmm.x86;

import dev.hyperlight.nanvix.hypervisor.DescriptorTable;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.Registers;
import dev.hyperlight.nanvix.hypervisor.Segment;
import dev.hyperlight.nanvix.hypervisor.SpecialRegisters;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.loader.BootState;
import dev.hyperlight.nanvix.loader.DescriptorTableRegister;
import dev.hyperlight.nanvix.loader.SegmentDescriptor;
import dev.hyperlight.nanvix.loader.SegmentRegisters;

/**
 * Puts a vCPU straight into 64-bit long mode at the guest kernel's entry, as the loader planned
 * it: no real mode, no firmware (the Hyperlight way).
 */
public final class LongModeEntry {

    private LongModeEntry() {}

    public static void apply(VirtualCpu vcpu, BootState boot) throws HypervisorException {
        SpecialRegisters current = vcpu.specialRegisters();
        SegmentRegisters segments = boot.segments();
        vcpu.setSpecialRegisters(new SpecialRegisters(
                segment(segments.cs()), segment(segments.ds()), segment(segments.es()),
                segment(segments.fs()), segment(segments.gs()), segment(segments.ss()),
                segment(segments.tr()), segment(segments.ldt()),
                table(boot.gdt()), table(boot.idt()),
                boot.cr0(), 0, boot.cr3(), boot.cr4(), 0, boot.efer(), current.apicBase()));
        vcpu.setRegisters(Registers.entry(boot.rip(), boot.rsp(), boot.rflags(), boot.rdi(), boot.rsi()));
    }

    private static Segment segment(SegmentDescriptor d) {
        return new Segment(d.base(), d.limit(), d.selector(), d.type(), d.present(), d.dpl(), d.db(), d.s(),
                d.l(), d.g(), d.avl(), d.unusable());
    }

    private static DescriptorTable table(DescriptorTableRegister register) {
        return new DescriptorTable(register.base(), register.limit());
    }
}
