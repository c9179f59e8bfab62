package dev.hyperlight.nanvix.loader;

import static dev.hyperlight.nanvix.loader.ByteSizes.describe;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a bootable guest in guest RAM: kernel, page tables, GDT, boot info, program file and
 * its strings, following docs/guest-abi.md. Everything is validated before the first byte of
 * RAM is written, so a rejected request leaves RAM as it was.
 */
public final class GuestImage {

    private static final Logger LOG = LoggerFactory.getLogger(GuestImage.class);

    private GuestImage() {}

    /**
     * Writes the guest image into {@code ram} (GPA 0 at offset 0; its size is the guest's memory
     * size) and returns the vCPU state to enter it with.
     */
    public static BootState write(MemorySegment ram, BootRequest request) throws GuestImageException {
        Objects.requireNonNull(ram, "ram");
        Objects.requireNonNull(request, "request");
        long memorySize = ram.byteSize();
        GuestLayout.checkMemorySize(memorySize);

        KernelImage kernel = KernelImage.parse(request.kernelElf(), memorySize);
        ElfFile program = ElfFile.parse(request.programElf(), ElfLimits.forProgram(memorySize));
        StringsBlock strings = StringsBlock.encode(request.execPath(), request.argv(), request.envp());
        // Linux refuses argument lists above a quarter of the stack limit; the kernel copies them there.
        if (strings.size() > request.stackSize() / 4) {
            throw new BootArgumentException("the program path, arguments and environment take "
                    + describe(strings.size()) + ", more than a quarter of the "
                    + describe(request.stackSize()) + " stack");
        }
        GuestLayout layout = GuestLayout.plan(memorySize, kernel.start(), kernel.end(),
                program.fileSize(), strings.size(), request.ioBufferSize());
        long needed = program.loadSize() + request.stackSize();
        if (needed > layout.freeSize()) {
            throw new GuestLayoutException("guest memory of " + describe(memorySize)
                    + " is too small for this program: its segments and stack need "
                    + describe(needed) + ", " + describe(layout.freeSize()) + " are free");
        }
        LOG.debug("guest layout {}", layout);

        // The fixed area (boot info, hypercall page, GDT, page tables, I/O buffer) starts zeroed.
        ram.asSlice(0, GuestAbi.KERNEL_IMAGE_GPA).fill((byte) 0);
        BootInfo.of(layout, strings, request.realtimeNs(), request.tscKhz(), request.random(),
                request.stackSize(), request.startMessage() ? BootInfo.FLAG_START_MESSAGE : 0,
                request.fastCalls()).writeTo(ram);
        Gdt.write(ram);
        long cr3 = PageTables.write(ram, layout);
        kernel.writeTo(ram);
        MemorySegment.copy(request.programElf(), 0, ram, layout.programImage(), layout.programSize());
        strings.writeTo(ram, layout.strings());
        return BootState.at(kernel.entryPoint(), layout, cr3);
    }
}
