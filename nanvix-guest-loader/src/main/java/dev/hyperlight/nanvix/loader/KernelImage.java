package dev.hyperlight.nanvix.loader;

import static dev.hyperlight.nanvix.loader.ByteSizes.alignDown;
import static dev.hyperlight.nanvix.loader.ByteSizes.alignUp;
import static dev.hyperlight.nanvix.loader.ByteSizes.hex;
import static dev.hyperlight.nanvix.loader.GuestAbi.KERNEL_BASE;
import static dev.hyperlight.nanvix.loader.GuestAbi.KERNEL_IMAGE_GPA;
import static dev.hyperlight.nanvix.loader.GuestAbi.PAGE_SIZE;

import java.lang.foreign.MemorySegment;

/**
 * The guest kernel ELF, validated like any other ELF file and loaded segment by segment at
 * {@code GPA = p_vaddr - KERNEL_BASE}, so that the host's direct map makes every KVA it was
 * linked at valid.
 */
public final class KernelImage {

    private final ElfFile elf;
    private final long start;
    private final long end;

    private KernelImage(ElfFile elf, long start, long end) {
        this.elf = elf;
        this.start = start;
        this.end = end;
    }

    /** Validates the kernel ELF for a guest with {@code memorySize} bytes of RAM. */
    public static KernelImage parse(MemorySegment file, long memorySize) throws KernelImageException {
        long lowest = GuestAbi.kva(KERNEL_IMAGE_GPA);
        ElfFile elf;
        try {
            elf = ElfFile.parse(file, new ElfLimits(lowest, GuestAbi.kva(memorySize), memorySize));
        } catch (ElfFormatException e) {
            throw new KernelImageException("the guest kernel image is invalid: " + e.getMessage(), e);
        }
        if (elf.kind().isDynamic()) {
            throw new KernelImageException("the guest kernel image asks for a dynamic loader");
        }
        long lowAddress = Long.MAX_VALUE;
        long highAddress = 0;
        for (ProgramHeader segment : elf.loadSegments()) {
            lowAddress = Math.min(lowAddress, segment.virtualAddress());
            highAddress = Math.max(highAddress, segment.endAddress());
        }
        // ElfLimits skips the lower bound for position-independent files; the kernel needs it.
        if (lowAddress < lowest) {
            throw new KernelImageException("the guest kernel image is linked at " + hex(lowAddress)
                    + ", below " + hex(lowest));
        }
        return new KernelImage(elf, alignDown(lowAddress, PAGE_SIZE) - KERNEL_BASE,
                alignUp(highAddress, PAGE_SIZE) - KERNEL_BASE);
    }

    /** KVA the vCPU starts at. */
    public long entryPoint() {
        return elf.entryPoint();
    }

    /** First GPA of the image (page aligned). */
    public long start() {
        return start;
    }

    /** One past the last GPA of the image including bss (page aligned). */
    public long end() {
        return end;
    }

    /** Copies the segments into RAM and zeroes everything else in the image's extent (bss). */
    public void writeTo(MemorySegment ram) {
        ram.asSlice(start, end - start).fill((byte) 0);
        for (ProgramHeader segment : elf.loadSegments()) {
            MemorySegment contents = elf.segmentContents(segment);
            MemorySegment.copy(contents, 0, ram, segment.virtualAddress() - KERNEL_BASE,
                    contents.byteSize());
        }
    }
}
