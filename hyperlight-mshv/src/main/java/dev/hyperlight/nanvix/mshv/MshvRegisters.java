package dev.hyperlight.nanvix.mshv;

import static dev.hyperlight.nanvix.mshv.sys.hv_h.*;

import dev.hyperlight.nanvix.hypervisor.DescriptorTable;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.Registers;
import dev.hyperlight.nanvix.hypervisor.Segment;
import dev.hyperlight.nanvix.hypervisor.SpecialRegisters;
import dev.hyperlight.nanvix.mshv.sys.hv_x64_segment_register;
import dev.hyperlight.nanvix.mshv.sys.hv_x64_table_register;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

/**
 * Converts between the backend-neutral register records and lists of TLFS register names with
 * their 16-byte values, as {@link VpRegisters} reads and writes them.
 */
final class MshvRegisters {

    private MshvRegisters() {}

    /** In the order of {@link Registers}' components. */
    static final int[] GENERAL = {
        HV_X64_REGISTER_RAX, HV_X64_REGISTER_RBX, HV_X64_REGISTER_RCX, HV_X64_REGISTER_RDX,
        HV_X64_REGISTER_RSI, HV_X64_REGISTER_RDI, HV_X64_REGISTER_RSP, HV_X64_REGISTER_RBP,
        HV_X64_REGISTER_R8, HV_X64_REGISTER_R9, HV_X64_REGISTER_R10, HV_X64_REGISTER_R11,
        HV_X64_REGISTER_R12, HV_X64_REGISTER_R13, HV_X64_REGISTER_R14, HV_X64_REGISTER_R15,
        HV_X64_REGISTER_RIP, HV_X64_REGISTER_RFLAGS,
    };

    /** In the order of {@link SpecialRegisters}' components. */
    static final int[] SPECIAL = {
        HV_X64_REGISTER_CS, HV_X64_REGISTER_DS, HV_X64_REGISTER_ES, HV_X64_REGISTER_FS,
        HV_X64_REGISTER_GS, HV_X64_REGISTER_SS, HV_X64_REGISTER_TR, HV_X64_REGISTER_LDTR,
        HV_X64_REGISTER_GDTR, HV_X64_REGISTER_IDTR,
        HV_X64_REGISTER_CR0, HV_X64_REGISTER_CR2, HV_X64_REGISTER_CR3, HV_X64_REGISTER_CR4,
        HV_X64_REGISTER_CR8, HV_X64_REGISTER_EFER, HV_X64_REGISTER_APIC_BASE,
    };

    /**
     * The model-specific registers {@link MshvVirtualCpu#setMsr} can write, by MSR index: those
     * the hypervisor exposes as registers of their own. (FS and GS bases are the segments' bases.)
     */
    static final Map<Integer, Integer> MSRS = Map.of(
            0x10, HV_X64_REGISTER_TSC,
            0x1b, HV_X64_REGISTER_APIC_BASE,
            0x277, HV_X64_REGISTER_PAT,
            0xc000_0080, HV_X64_REGISTER_EFER,
            0xc000_0081, HV_X64_REGISTER_STAR,
            0xc000_0082, HV_X64_REGISTER_LSTAR,
            0xc000_0083, HV_X64_REGISTER_CSTAR,
            0xc000_0084, HV_X64_REGISTER_SFMASK,
            0xc000_0102, HV_X64_REGISTER_KERNEL_GS_BASE,
            0xc000_0103, HV_X64_REGISTER_TSC_AUX);

    /**
     * What a VM fork copies besides the general and special registers and the XSAVE area: the
     * TSC (so the guest's clock runs on), the system-call and swapgs MSRs the guest kernel
     * programmed, PAT and XCR0.
     */
    static final int[] SAVED_EXTRA = {
        HV_X64_REGISTER_TSC, HV_X64_REGISTER_STAR, HV_X64_REGISTER_LSTAR, HV_X64_REGISTER_CSTAR,
        HV_X64_REGISTER_SFMASK, HV_X64_REGISTER_KERNEL_GS_BASE, HV_X64_REGISTER_TSC_AUX, HV_X64_REGISTER_PAT,
        HV_X64_REGISTER_XFEM,
    };

    // HV_X64_SEGMENT_REGISTER attribute bits (the descriptor's access byte and flags, packed)
    private static final int TYPE_MASK = 0xf;
    private static final int NON_SYSTEM = 1 << 4;
    private static final int DPL_SHIFT = 5;
    private static final int PRESENT = 1 << 7;
    private static final int AVAILABLE = 1 << 12;
    private static final int LONG = 1 << 13;
    private static final int DEFAULT = 1 << 14;
    private static final int GRANULARITY = 1 << 15;

    static Registers readGeneral(MemorySegment values) {
        long[] r = new long[GENERAL.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = low(values, i);
        }
        return new Registers(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
                r[13], r[14], r[15], r[16], r[17]);
    }

    static MemorySegment writeGeneral(Registers from) {
        long[] r = {
            from.rax(), from.rbx(), from.rcx(), from.rdx(), from.rsi(), from.rdi(), from.rsp(), from.rbp(),
            from.r8(), from.r9(), from.r10(), from.r11(), from.r12(), from.r13(), from.r14(), from.r15(),
            from.rip(), from.rflags(),
        };
        MemorySegment values = values(r.length);
        for (int i = 0; i < r.length; i++) {
            values.set(ValueLayout.JAVA_LONG_UNALIGNED, (long) VpRegisters.VALUE_SIZE * i, r[i]);
        }
        return values;
    }

    static SpecialRegisters readSpecial(MemorySegment values) {
        return new SpecialRegisters(
                segment(value(values, 0)), segment(value(values, 1)), segment(value(values, 2)),
                segment(value(values, 3)), segment(value(values, 4)), segment(value(values, 5)),
                segment(value(values, 6)), segment(value(values, 7)),
                table(value(values, 8)), table(value(values, 9)),
                low(values, 10), low(values, 11), low(values, 12), low(values, 13), low(values, 14),
                low(values, 15), low(values, 16));
    }

    static MemorySegment writeSpecial(SpecialRegisters from) {
        MemorySegment values = values(SPECIAL.length);
        Segment[] segments = {from.cs(), from.ds(), from.es(), from.fs(), from.gs(), from.ss(), from.tr(), from.ldt()};
        for (int i = 0; i < segments.length; i++) {
            segment(segments[i], value(values, i));
        }
        table(from.gdt(), value(values, 8));
        table(from.idt(), value(values, 9));
        long[] plain = {from.cr0(), from.cr2(), from.cr3(), from.cr4(), from.cr8(), from.efer(), from.apicBase()};
        for (int i = 0; i < plain.length; i++) {
            values.set(ValueLayout.JAVA_LONG_UNALIGNED, (long) VpRegisters.VALUE_SIZE * (10 + i), plain[i]);
        }
        return values;
    }

    /** The CPL a register read of SS and CR0 gives, as {@link SpecialRegisters#privilegeLevel()}. */
    static int privilegeLevel(long cr0, MemorySegment ss) {
        return SpecialRegisters.privilegeLevel(cr0, attributes(ss) >> DPL_SHIFT & 3);
    }

    static MemorySegment values(int count) {
        return MemorySegment.ofArray(new byte[VpRegisters.VALUE_SIZE * count]);
    }

    static MemorySegment value(MemorySegment values, int index) {
        return values.asSlice((long) VpRegisters.VALUE_SIZE * index, VpRegisters.VALUE_SIZE);
    }

    static long low(MemorySegment values, int index) {
        return values.get(ValueLayout.JAVA_LONG_UNALIGNED, (long) VpRegisters.VALUE_SIZE * index);
    }

    static Segment segment(MemorySegment s) {
        int attributes = attributes(s);
        boolean present = (attributes & PRESENT) != 0;
        return new Segment(hv_x64_segment_register.base(s), hv_x64_segment_register.limit(s),
                Short.toUnsignedInt(hv_x64_segment_register.selector(s)), attributes & TYPE_MASK, present,
                attributes >> DPL_SHIFT & 3, (attributes & DEFAULT) != 0, (attributes & NON_SYSTEM) != 0,
                (attributes & LONG) != 0, (attributes & GRANULARITY) != 0, (attributes & AVAILABLE) != 0,
                !present); // the hypervisor has no "unusable" flag: a segment not present is unusable
    }

    /** Packs {@code from} into an {@code HV_X64_SEGMENT_REGISTER}; an unusable segment is written not present. */
    static void segment(Segment from, MemorySegment s) {
        int attributes = bits(from.type(), 4, "segment type")
                | (from.s() ? NON_SYSTEM : 0)
                | bits(from.dpl(), 2, "segment DPL") << DPL_SHIFT
                | (from.present() && !from.unusable() ? PRESENT : 0)
                | (from.avl() ? AVAILABLE : 0)
                | (from.l() ? LONG : 0)
                | (from.db() ? DEFAULT : 0)
                | (from.g() ? GRANULARITY : 0);
        hv_x64_segment_register.base(s, from.base());
        hv_x64_segment_register.limit(s, from.limit());
        hv_x64_segment_register.selector(s, (short) bits(from.selector(), 16, "segment selector"));
        hv_x64_segment_register.attributes(s, (short) attributes);
    }

    private static int attributes(MemorySegment segment) {
        return Short.toUnsignedInt(hv_x64_segment_register.attributes(segment));
    }

    private static DescriptorTable table(MemorySegment t) {
        return new DescriptorTable(hv_x64_table_register.base(t), Short.toUnsignedInt(hv_x64_table_register.limit(t)));
    }

    private static void table(DescriptorTable from, MemorySegment t) {
        t.fill((byte) 0);
        hv_x64_table_register.base(t, from.base());
        hv_x64_table_register.limit(t, (short) bits(from.limit(), 16, "descriptor table limit"));
    }

    /** {@code value}, which must fit in {@code width} unsigned bits (the hypervisor would read others). */
    private static int bits(int value, int width, String what) {
        if (value >>> width != 0) {
            throw new IllegalArgumentException(what + " 0x" + Integer.toHexString(value) + " does not fit in "
                    + width + " bits");
        }
        return value;
    }

    /** The TLFS register for MSR {@code index}, or UNSUPPORTED. */
    static int msrRegister(int index) throws HypervisorException {
        Integer name = MSRS.get(index);
        if (name == null) {
            throw new HypervisorException(HypervisorException.Kind.UNSUPPORTED, "the mshv backend cannot set MSR 0x"
                    + Integer.toHexString(index) + ": the hypervisor exposes no register for it that this backend maps");
        }
        return name;
    }
}
