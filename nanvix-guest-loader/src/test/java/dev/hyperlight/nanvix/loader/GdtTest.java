package dev.hyperlight.nanvix.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class GdtTest {

    private static final ValueLayout.OfLong U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void encodesTheWellKnownFlatDescriptors() {
        long[] entries = Gdt.entries();

        assertThat(entries).hasSize(6);
        assertThat(entries[0]).isZero();
        assertThat(entries[1]).isZero();
        assertThat(entries[2]).isEqualTo(0x00af_9b00_0000_ffffL);
        assertThat(entries[3]).isEqualTo(0x00cf_9300_0000_ffffL);
    }

    @Test
    void encodesABusy64BitTssPointingIntoTheGdtPage() {
        long[] entries = Gdt.entries();
        long tssBase = GuestAbi.kva(GuestAbi.GDT_GPA + Gdt.TSS_OFFSET);

        long low = entries[4];
        assertThat(low & 0xffff).isEqualTo(Gdt.TSS_SIZE - 1);
        assertThat(low >>> 40 & 0xff).as("access byte: present, DPL 0, busy TSS").isEqualTo(0x8b);
        long decodedBase = (low >>> 16 & 0xff_ffff) | (low >>> 56 & 0xff) << 24 | entries[5] << 32;
        assertThat(decodedBase).isEqualTo(tssBase);
    }

    @Test
    void segmentRegistersMatchTheTableEntryForEntry() {
        SegmentRegisters registers = Gdt.segmentRegisters();

        for (SegmentDescriptor segment : new SegmentDescriptor[] {registers.cs(), registers.ds(),
                registers.es(), registers.fs(), registers.gs(), registers.ss(), registers.tr()}) {
            assertThat(decode(Gdt.entries(), segment.selector())).isEqualTo(segment);
        }
        assertThat(registers.cs().selector()).isEqualTo(0x10);
        assertThat(registers.cs().l()).isTrue();
        assertThat(registers.cs().db()).isFalse();
        assertThat(registers.ss().selector()).isEqualTo(0x18);
        assertThat(registers.ds().limit()).isEqualTo(0xffff_ffff);
        assertThat(registers.tr().type()).isEqualTo(0xb);
        assertThat(registers.ldt().unusable()).isTrue();
    }

    @Test
    void writesTheTableAndTssIntoItsPage() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ram = arena.allocate(0x10_0000);
            ram.fill((byte) 0x77);
            Gdt.write(ram);

            long[] entries = Gdt.entries();
            for (int i = 0; i < entries.length; i++) {
                assertThat(ram.get(U64, GuestAbi.GDT_GPA + i * 8L)).isEqualTo(entries[i]);
            }
            MemorySegment tss = ram.asSlice(GuestAbi.GDT_GPA + Gdt.TSS_OFFSET, Gdt.TSS_SIZE);
            assertThat(tss.get(ValueLayout.JAVA_SHORT_UNALIGNED, 102)).isEqualTo((short) 104);
            assertThat(tss.asSlice(0, 102).toArray(ValueLayout.JAVA_BYTE)).containsOnly(0);
            assertThat(ram.get(ValueLayout.JAVA_BYTE, GuestAbi.GDT_GPA + 0xfff)).isZero();
            assertThat(ram.get(ValueLayout.JAVA_BYTE, GuestAbi.GDT_GPA + 0x1000)).isEqualTo((byte) 0x77);
        }
    }

    @Test
    void gdtrHoldsTheKernelVirtualAddress() {
        assertThat(Gdt.register()).isEqualTo(new DescriptorTableRegister(GuestAbi.kva(0x3000), 47));
    }

    @Test
    void refusesDescriptorsItCannotEncode() {
        assertThatThrownBy(() -> new SegmentDescriptor(0, 0x1000, 0, 16, true, 0, false, true, false, false, false, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SegmentDescriptor(0, 0x1000, 0, 3, true, 0, false, true, false, true, false, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SegmentDescriptor(0, 0x10_0000, 0, 3, true, 0, false, true, false, false, false, false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Unpacks a GDT entry independently of the encoder, as the CPU loads it into a register. */
    private static SegmentDescriptor decode(long[] entries, int selector) {
        long entry = entries[selector / 8];
        int type = (int) (entry >>> 40 & 0xf);
        boolean s = (entry >>> 44 & 1) != 0;
        int dpl = (int) (entry >>> 45 & 3);
        boolean present = (entry >>> 47 & 1) != 0;
        boolean avl = (entry >>> 52 & 1) != 0;
        boolean l = (entry >>> 53 & 1) != 0;
        boolean db = (entry >>> 54 & 1) != 0;
        boolean g = (entry >>> 55 & 1) != 0;
        long rawLimit = (entry & 0xffff) | (entry >>> 48 & 0xf) << 16;
        long base = (entry >>> 16 & 0xff_ffff) | (entry >>> 56 & 0xff) << 24;
        if (!s) {
            base |= entries[selector / 8 + 1] << 32;
        }
        int limit = (int) (g ? rawLimit << 12 | 0xfff : rawLimit);
        return new SegmentDescriptor(base, limit, selector, type, present, dpl, db, s, l, g, avl, false);
    }
}
