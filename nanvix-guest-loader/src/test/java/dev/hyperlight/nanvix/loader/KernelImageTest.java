package dev.hyperlight.nanvix.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.loader.ElfBuilder.Header;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class KernelImageTest {

    private static final long MEMORY = 16L << 20;
    private static final long BASE = GuestAbi.KERNEL_BASE + 0x20_0000;

    private static KernelImage parse(ElfBuilder elf) throws KernelImageException {
        return KernelImage.parse(MemorySegment.ofArray(elf.build()), MEMORY);
    }

    private static byte[] bytesAt(MemorySegment ram, long gpa, int length) {
        return ram.asSlice(gpa, length).toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void reportsEntryAndExtentIncludingBss() throws Exception {
        KernelImage kernel = parse(ElfBuilder.kernel());

        assertThat(kernel.entryPoint()).isEqualTo(BASE);
        assertThat(kernel.start()).isEqualTo(0x20_0000);
        assertThat(kernel.end()).isEqualTo(0x20_5000);
    }

    @Test
    void loadsEachSegmentAtItsAddressMinusKernelBaseAndZeroesBss() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ram = arena.allocate(MEMORY);
            ram.fill((byte) 0x99);
            parse(ElfBuilder.kernel()).writeTo(ram);

            assertThat(bytesAt(ram, 0x20_0000, 0x800)).containsOnly(0xc3);
            assertThat(bytesAt(ram, 0x20_0800, 0x800)).as("padding after text").containsOnly(0);
            assertThat(bytesAt(ram, 0x20_1000, 0x100)).containsOnly(0x52);
            assertThat(bytesAt(ram, 0x20_2000, 0x40)).containsOnly(0xd4);
            assertThat(bytesAt(ram, 0x20_2040, 0x3000 - 0x40)).as("bss").containsOnly(0);
            assertThat(bytesAt(ram, 0x1f_ffff, 1)).containsOnly(0x99);
            assertThat(bytesAt(ram, 0x20_5000, 1)).containsOnly(0x99);
        }
    }

    @Test
    void rejectsAKernelLinkedBelowItsSlot() {
        ElfBuilder low = ElfBuilder.kernel();
        low.headers.set(0, low.headers.get(0).withVaddr(GuestAbi.KERNEL_BASE + 0x1000));
        low.entry = GuestAbi.KERNEL_BASE + 0x1000;

        assertThatThrownBy(() -> parse(low))
                .isInstanceOf(KernelImageException.class)
                .hasMessage("the guest kernel image is invalid: segment 0 starts at 0x7f8000001000, "
                        + "below the lowest usable address 0x7f8000200000");
    }

    @Test
    void rejectsAPositionIndependentKernelLinkedAtZero() {
        ElfBuilder pie = ElfBuilder.staticPie();

        assertThatThrownBy(() -> KernelImage.parse(MemorySegment.ofArray(pie.build()), MEMORY))
                .isInstanceOf(KernelImageException.class)
                .hasMessage("the guest kernel image is linked at 0x0, below 0x7f8000200000");
    }

    @Test
    void rejectsAKernelLargerThanGuestMemory() {
        ElfBuilder huge = ElfBuilder.kernel();
        huge.add(new Header(ProgramHeader.PT_LOAD, ElfBuilder.RW, 0x3000, BASE + 0x10_0000, 0, MEMORY, 0x1000));

        assertThatThrownBy(() -> parse(huge))
                .isInstanceOf(KernelImageException.class)
                .hasMessage("the guest kernel image is invalid: segment 3 ends at 0x7f8001300000, "
                        + "above the address limit 0x7f8001000000")
                .hasCauseInstanceOf(ElfFormatException.class);
    }

    @Test
    void rejectsAProgramPassedAsKernel() {
        assertThatThrownBy(() -> KernelImage.parse(MemorySegment.ofArray(ElfBuilder.staticExecutable().build()), MEMORY))
                .isInstanceOf(KernelImageException.class)
                .hasMessageStartingWith("the guest kernel image is invalid: segment 0 starts at 0x401000");
    }
}
