package dev.hyperlight.nanvix.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GuestLayoutTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    @Test
    void followsTheAbiTable() throws Exception {
        GuestLayout layout = GuestLayout.plan(64 * MIB, 0x20_0000, 0x26_3000, 900_000, 100, MIB);

        assertThat(layout.memorySize()).isEqualTo(64 * MIB);
        assertThat(layout.bootInfo()).isEqualTo(0x1000);
        assertThat(layout.hypercallPage()).isEqualTo(0x2000);
        assertThat(layout.gdt()).isEqualTo(0x3000);
        assertThat(layout.pml4()).isEqualTo(0x4000);
        assertThat(layout.pdpt()).isEqualTo(0x5000);
        assertThat(layout.pageDirectories()).isEqualTo(0x6000);
        assertThat(layout.pageDirectoryCount()).isEqualTo(1);
        assertThat(layout.ioBuffer()).isEqualTo(0x10_0000);
        assertThat(layout.ioBufferSize()).isEqualTo(MIB);
        assertThat(layout.kernelStart()).isEqualTo(0x20_0000);
        assertThat(layout.kernelEnd()).isEqualTo(0x26_3000);
        // Next 2 MiB boundary after the kernel, then strings and free memory page aligned.
        assertThat(layout.programImage()).isEqualTo(0x40_0000);
        assertThat(layout.programSize()).isEqualTo(900_000);
        assertThat(layout.strings()).isEqualTo(0x40_0000 + 0xdc000);
        assertThat(layout.stringsSize()).isEqualTo(100);
        assertThat(layout.freeStart()).isEqualTo(0x40_0000 + 0xdd000);
        assertThat(layout.freeEnd()).isEqualTo(64 * MIB);
        assertThat(layout.freeSize()).isEqualTo(64 * MIB - 0x4d_d000);
    }

    @Test
    void placesTheProgramAtTheKernelEndWhenItIsAlready2MiBAligned() throws Exception {
        GuestLayout layout = GuestLayout.plan(16 * MIB, 0x20_0000, 0x40_0000, 4096, 4096, 4096);

        assertThat(layout.programImage()).isEqualTo(0x40_0000);
        assertThat(layout.strings()).isEqualTo(0x40_1000);
        assertThat(layout.freeStart()).isEqualTo(0x40_2000);
    }

    @Test
    void usesOnePageDirectoryPerStartedGib() throws Exception {
        assertThat(GuestLayout.plan(GIB, 0x20_0000, 0x30_0000, 1, 1, MIB).pageDirectoryCount()).isEqualTo(1);
        assertThat(GuestLayout.plan(GIB + 2 * MIB, 0x20_0000, 0x30_0000, 1, 1, MIB).pageDirectoryCount())
                .isEqualTo(2);
        assertThat(GuestLayout.plan(GuestLayout.MAX_MEMORY_SIZE, 0x20_0000, 0x30_0000, 1, 1, MIB)
                .pageDirectoryCount()).isEqualTo(250);
    }

    @Test
    void theLargestMemoryFillsThePageDirectoryAreaExactly() {
        assertThat(GuestLayout.MAX_MEMORY_SIZE).isEqualTo(250 * GIB);
        assertThat(GuestAbi.PAGE_DIRECTORIES_GPA + 250 * GuestAbi.PAGE_SIZE).isEqualTo(GuestAbi.IO_BUFFER_GPA);
    }

    @Test
    void acceptsTheSmallestMemory() throws Exception {
        assertThat(GuestLayout.plan(16 * MIB, 0x20_0000, 0x30_0000, 1, 1, MIB).freeEnd()).isEqualTo(16 * MIB);
    }

    @Test
    void rejectsMemoryOfTheWrongSize() {
        assertThatThrownBy(() -> GuestLayout.checkMemorySize(8 * MIB))
                .isInstanceOf(GuestLayoutException.class)
                .hasMessage("guest memory of 8 MiB is too small: at least 16 MiB is needed");
        assertThatThrownBy(() -> GuestLayout.checkMemorySize(0))
                .isInstanceOf(GuestLayoutException.class)
                .hasMessage("guest memory of 0 bytes is too small: at least 16 MiB is needed");
        assertThatThrownBy(() -> GuestLayout.checkMemorySize(65 * MIB))
                .isInstanceOf(GuestLayoutException.class)
                .hasMessage("guest memory of 65 MiB is not a multiple of 2 MiB");
        assertThatThrownBy(() -> GuestLayout.checkMemorySize(251 * GIB))
                .isInstanceOf(GuestLayoutException.class)
                .hasMessage("guest memory of 251 GiB is too large: at most 250 GiB is supported");
    }

    @Test
    void rejectsAnIoBufferThatDoesNotFitItsSlot() {
        for (long size : new long[] {0, 100, MIB + 4096, 6000}) {
            assertThatThrownBy(() -> GuestLayout.plan(64 * MIB, 0x20_0000, 0x30_0000, 1, 1, size))
                    .isInstanceOf(GuestLayoutException.class)
                    .hasMessageContaining("I/O buffer size of")
                    .hasMessageEndingWith("is not a whole number of 4 KiB pages between 4 KiB and 1 MiB");
        }
    }

    @Test
    void rejectsContentsThatDoNotFit() {
        assertThatThrownBy(() -> GuestLayout.plan(16 * MIB, 0x20_0000, 0x30_0000, 14 * MIB, 10, MIB))
                .isInstanceOf(GuestLayoutException.class)
                .hasMessage("guest memory of 16 MiB is too small to hold the kernel (1 MiB), "
                        + "the program file (14 MiB) and its arguments (10 bytes)");
        assertThatThrownBy(() -> GuestLayout.plan(16 * MIB, 0x20_0000, 0x110_0000, 1, 1, MIB))
                .isInstanceOf(GuestLayoutException.class)
                .hasMessageStartingWith("guest memory of 16 MiB is too small");
        assertThatThrownBy(() -> GuestLayout.plan(16 * MIB, 0x20_0000, 0x30_0000, Long.MAX_VALUE, 1, MIB))
                .isInstanceOf(GuestLayoutException.class);
        assertThatThrownBy(() -> GuestLayout.plan(16 * MIB, 0x20_0000, 0x30_0000, 1, Long.MAX_VALUE, MIB))
                .isInstanceOf(GuestLayoutException.class);
    }

    @Test
    void rejectsAKernelExtentBelowItsSlot() {
        assertThatThrownBy(() -> GuestLayout.plan(64 * MIB, 0x10_0000, 0x30_0000, 1, 1, MIB))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GuestLayout.plan(64 * MIB, 0x20_0000, 0x20_0800, 1, 1, MIB))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
