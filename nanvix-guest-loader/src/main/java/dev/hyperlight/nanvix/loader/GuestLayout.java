package dev.hyperlight.nanvix.loader;

import static dev.hyperlight.nanvix.loader.ByteSizes.alignUp;
import static dev.hyperlight.nanvix.loader.ByteSizes.describe;
import static dev.hyperlight.nanvix.loader.ByteSizes.exact;
import static dev.hyperlight.nanvix.loader.GuestAbi.IO_BUFFER_GPA;
import static dev.hyperlight.nanvix.loader.GuestAbi.IO_BUFFER_MAX_SIZE;
import static dev.hyperlight.nanvix.loader.GuestAbi.KERNEL_IMAGE_GPA;
import static dev.hyperlight.nanvix.loader.GuestAbi.LARGE_PAGE_SIZE;
import static dev.hyperlight.nanvix.loader.GuestAbi.PAGE_DIRECTORIES_GPA;
import static dev.hyperlight.nanvix.loader.GuestAbi.PAGE_DIRECTORY_SPAN;
import static dev.hyperlight.nanvix.loader.GuestAbi.PAGE_SIZE;

/**
 * Where everything lies in guest-physical memory (the layout table of docs/guest-abi.md). All
 * fields are GPAs or sizes in bytes; every range lies inside {@code [0, memorySize)}.
 */
public record GuestLayout(
        long memorySize,
        long bootInfo,
        long hypercallPage,
        long gdt,
        long pml4,
        long pdpt,
        long pageDirectories,
        int pageDirectoryCount,
        long ioBuffer,
        long ioBufferSize,
        long kernelStart,
        long kernelEnd,
        long programImage,
        long programSize,
        long strings,
        long stringsSize,
        long freeStart,
        long freeEnd) {

    /** Below this the kernel, its buffers and a small program cannot fit with room to run. */
    public static final long MIN_MEMORY_SIZE = 16L << 20;
    /** One page directory per GiB, and the directories must end below the I/O buffer. */
    public static final long MAX_MEMORY_SIZE =
            (IO_BUFFER_GPA - PAGE_DIRECTORIES_GPA) / PAGE_SIZE * PAGE_DIRECTORY_SPAN;

    /**
     * Plans the layout.
     *
     * @param kernelStart first GPA of the kernel image (page aligned, at or above 2 MiB)
     * @param kernelEnd end of the kernel image including bss (page aligned, exclusive)
     * @param programSize bytes of the program's ELF file
     * @param stringsSize bytes of the strings block
     * @param ioBufferSize bytes of the I/O buffer (whole pages, at most 1 MiB)
     */
    public static GuestLayout plan(long memorySize, long kernelStart, long kernelEnd,
            long programSize, long stringsSize, long ioBufferSize) throws GuestLayoutException {
        checkMemorySize(memorySize);
        if (kernelStart < KERNEL_IMAGE_GPA || kernelEnd <= kernelStart
                || kernelStart % PAGE_SIZE != 0 || kernelEnd % PAGE_SIZE != 0) {
            throw new IllegalArgumentException("kernel image extent [" + kernelStart + ", "
                    + kernelEnd + ") is not page aligned at or above 2 MiB");
        }
        if (programSize < 0 || stringsSize < 0) {
            throw new IllegalArgumentException("negative size");
        }
        if (ioBufferSize < PAGE_SIZE || ioBufferSize > IO_BUFFER_MAX_SIZE
                || ioBufferSize % PAGE_SIZE != 0) {
            throw new GuestLayoutException("the I/O buffer size of " + describe(ioBufferSize)
                    + " is not a whole number of 4 KiB pages between 4 KiB and "
                    + describe(IO_BUFFER_MAX_SIZE));
        }
        // Each step is checked against memorySize (< 2^38) before the next addition.
        long programImage = alignUp(kernelEnd, LARGE_PAGE_SIZE);
        long strings = programImage <= memorySize && programSize <= memorySize
                ? alignUp(programImage + programSize, PAGE_SIZE) : Long.MAX_VALUE;
        long freeStart = strings <= memorySize && stringsSize <= memorySize
                ? alignUp(strings + stringsSize, PAGE_SIZE) : Long.MAX_VALUE;
        if (freeStart >= memorySize) {
            throw new GuestLayoutException("guest memory of " + describe(memorySize)
                    + " is too small to hold the kernel (" + describe(kernelEnd - kernelStart)
                    + "), the program file (" + describe(programSize)
                    + ") and its arguments (" + describe(stringsSize) + ")");
        }
        int directories = (int) ((memorySize + PAGE_DIRECTORY_SPAN - 1) / PAGE_DIRECTORY_SPAN);
        return new GuestLayout(memorySize,
                GuestAbi.BOOT_INFO_GPA, GuestAbi.HYPERCALL_PAGE_GPA, GuestAbi.GDT_GPA,
                GuestAbi.PML4_GPA, GuestAbi.PDPT_GPA, PAGE_DIRECTORIES_GPA, directories,
                IO_BUFFER_GPA, ioBufferSize,
                kernelStart, kernelEnd,
                programImage, programSize,
                strings, stringsSize,
                freeStart, memorySize);
    }

    /** Checks that guest RAM of this size can be laid out at all. */
    public static void checkMemorySize(long memorySize) throws GuestLayoutException {
        if (memorySize < MIN_MEMORY_SIZE) {
            throw new GuestLayoutException("guest memory of " + exact(memorySize)
                    + " is too small: at least " + describe(MIN_MEMORY_SIZE) + " is needed");
        }
        if (memorySize > MAX_MEMORY_SIZE) {
            throw new GuestLayoutException("guest memory of " + exact(memorySize)
                    + " is too large: at most " + describe(MAX_MEMORY_SIZE) + " is supported");
        }
        if (memorySize % LARGE_PAGE_SIZE != 0) {
            throw new GuestLayoutException("guest memory of " + exact(memorySize)
                    + " is not a multiple of 2 MiB");
        }
    }

    /** Bytes the kernel may allocate. */
    public long freeSize() {
        return freeEnd - freeStart;
    }

    /** In hex, as the ABI table is written, for logs. */
    @Override
    public String toString() {
        return String.format("GuestLayout[memory=%#x, pageDirectories=%d, ioBuffer=%#x+%#x, "
                        + "kernel=[%#x, %#x), program=%#x+%#x, strings=%#x+%#x, free=[%#x, %#x)]",
                memorySize, pageDirectoryCount, ioBuffer, ioBufferSize, kernelStart, kernelEnd,
                programImage, programSize, strings, stringsSize, freeStart, freeEnd);
    }
}
