package dev.hyperlight.nanvix.kvm;

import dev.hyperlight.nanvix.hypervisor.DescriptorTable;
import dev.hyperlight.nanvix.hypervisor.Registers;
import dev.hyperlight.nanvix.hypervisor.Segment;
import dev.hyperlight.nanvix.hypervisor.SpecialRegisters;
import dev.hyperlight.nanvix.kvm.sys.kvm_dtable;
import dev.hyperlight.nanvix.kvm.sys.kvm_regs;
import dev.hyperlight.nanvix.kvm.sys.kvm_segment;
import dev.hyperlight.nanvix.kvm.sys.kvm_sregs;
import java.lang.foreign.MemorySegment;

/** Converts between KVM's register structs and the backend-neutral register records. */
final class KvmRegisters {

    private KvmRegisters() {}

    static Registers read(MemorySegment regs) {
        return new Registers(
                kvm_regs.rax(regs), kvm_regs.rbx(regs), kvm_regs.rcx(regs), kvm_regs.rdx(regs),
                kvm_regs.rsi(regs), kvm_regs.rdi(regs), kvm_regs.rsp(regs), kvm_regs.rbp(regs),
                kvm_regs.r8(regs), kvm_regs.r9(regs), kvm_regs.r10(regs), kvm_regs.r11(regs),
                kvm_regs.r12(regs), kvm_regs.r13(regs), kvm_regs.r14(regs), kvm_regs.r15(regs),
                kvm_regs.rip(regs), kvm_regs.rflags(regs));
    }

    static void write(Registers from, MemorySegment regs) {
        kvm_regs.rax(regs, from.rax());
        kvm_regs.rbx(regs, from.rbx());
        kvm_regs.rcx(regs, from.rcx());
        kvm_regs.rdx(regs, from.rdx());
        kvm_regs.rsi(regs, from.rsi());
        kvm_regs.rdi(regs, from.rdi());
        kvm_regs.rsp(regs, from.rsp());
        kvm_regs.rbp(regs, from.rbp());
        kvm_regs.r8(regs, from.r8());
        kvm_regs.r9(regs, from.r9());
        kvm_regs.r10(regs, from.r10());
        kvm_regs.r11(regs, from.r11());
        kvm_regs.r12(regs, from.r12());
        kvm_regs.r13(regs, from.r13());
        kvm_regs.r14(regs, from.r14());
        kvm_regs.r15(regs, from.r15());
        kvm_regs.rip(regs, from.rip());
        kvm_regs.rflags(regs, from.rflags());
    }

    static SpecialRegisters readSpecial(MemorySegment sregs) {
        return new SpecialRegisters(
                segment(kvm_sregs.cs(sregs)), segment(kvm_sregs.ds(sregs)), segment(kvm_sregs.es(sregs)),
                segment(kvm_sregs.fs(sregs)), segment(kvm_sregs.gs(sregs)), segment(kvm_sregs.ss(sregs)),
                segment(kvm_sregs.tr(sregs)), segment(kvm_sregs.ldt(sregs)),
                table(kvm_sregs.gdt(sregs)), table(kvm_sregs.idt(sregs)),
                kvm_sregs.cr0(sregs), kvm_sregs.cr2(sregs), kvm_sregs.cr3(sregs), kvm_sregs.cr4(sregs),
                kvm_sregs.cr8(sregs), kvm_sregs.efer(sregs), kvm_sregs.apic_base(sregs));
    }

    /**
     * Fills all of {@code sregs}. The interrupt bitmap (interrupts KVM should inject) is left
     * empty: this project injects none.
     */
    static void writeSpecial(SpecialRegisters from, MemorySegment sregs) {
        sregs.fill((byte) 0);
        segment(from.cs(), kvm_sregs.cs(sregs));
        segment(from.ds(), kvm_sregs.ds(sregs));
        segment(from.es(), kvm_sregs.es(sregs));
        segment(from.fs(), kvm_sregs.fs(sregs));
        segment(from.gs(), kvm_sregs.gs(sregs));
        segment(from.ss(), kvm_sregs.ss(sregs));
        segment(from.tr(), kvm_sregs.tr(sregs));
        segment(from.ldt(), kvm_sregs.ldt(sregs));
        table(from.gdt(), kvm_sregs.gdt(sregs));
        table(from.idt(), kvm_sregs.idt(sregs));
        kvm_sregs.cr0(sregs, from.cr0());
        kvm_sregs.cr2(sregs, from.cr2());
        kvm_sregs.cr3(sregs, from.cr3());
        kvm_sregs.cr4(sregs, from.cr4());
        kvm_sregs.cr8(sregs, from.cr8());
        kvm_sregs.efer(sregs, from.efer());
        kvm_sregs.apic_base(sregs, from.apicBase());
    }

    private static Segment segment(MemorySegment s) {
        return new Segment(
                kvm_segment.base(s), kvm_segment.limit(s), Short.toUnsignedInt(kvm_segment.selector(s)),
                Byte.toUnsignedInt(kvm_segment.type(s)), kvm_segment.present(s) != 0,
                Byte.toUnsignedInt(kvm_segment.dpl(s)), kvm_segment.db(s) != 0, kvm_segment.s(s) != 0,
                kvm_segment.l(s) != 0, kvm_segment.g(s) != 0, kvm_segment.avl(s) != 0,
                kvm_segment.unusable(s) != 0);
    }

    private static void segment(Segment from, MemorySegment s) {
        kvm_segment.base(s, from.base());
        kvm_segment.limit(s, from.limit());
        kvm_segment.selector(s, (short) bits(from.selector(), 16, "segment selector"));
        kvm_segment.type(s, (byte) bits(from.type(), 4, "segment type"));
        kvm_segment.present(s, flag(from.present()));
        kvm_segment.dpl(s, (byte) bits(from.dpl(), 2, "segment DPL"));
        kvm_segment.db(s, flag(from.db()));
        kvm_segment.s(s, flag(from.s()));
        kvm_segment.l(s, flag(from.l()));
        kvm_segment.g(s, flag(from.g()));
        kvm_segment.avl(s, flag(from.avl()));
        kvm_segment.unusable(s, flag(from.unusable()));
    }

    private static DescriptorTable table(MemorySegment t) {
        return new DescriptorTable(kvm_dtable.base(t), Short.toUnsignedInt(kvm_dtable.limit(t)));
    }

    private static void table(DescriptorTable from, MemorySegment t) {
        kvm_dtable.base(t, from.base());
        kvm_dtable.limit(t, (short) bits(from.limit(), 16, "descriptor table limit"));
    }

    /** {@code value}, which must fit in {@code width} unsigned bits (KVM would silently truncate it). */
    private static int bits(int value, int width, String what) {
        if (value >>> width != 0) {
            throw new IllegalArgumentException(what + " 0x" + Integer.toHexString(value) + " does not fit in "
                    + width + " bits");
        }
        return value;
    }

    private static byte flag(boolean value) {
        return (byte) (value ? 1 : 0);
    }
}
