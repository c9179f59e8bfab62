package dev.hyperlight.nanvix.loader;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/** The boot info block at GPA 0x1000 (docs/guest-abi.md, "Boot info"). All fields are u64. */
public record BootInfo(
        long magic,
        long abiVersion,
        long kernelBase,
        long memorySize,
        long freeStart,
        long freeEnd,
        long hypercallPage,
        long ioBuffer,
        long ioBufferSize,
        long programImage,
        long programSize,
        long strings,
        long stringsSize,
        long argc,
        long envc,
        long realtimeNs,
        long tscKhz,
        byte[] random,
        long stackSize,
        long flags,
        long[] fastCalls) {

    /** "NVXBOOT1" read as a little-endian u64. */
    public static final long MAGIC = 0x3154_4f4f_4258_564eL;
    public static final int RANDOM_SIZE = 32;

    public static final int MAGIC_OFFSET = 0;
    public static final int ABI_VERSION_OFFSET = 8;
    public static final int KERNEL_BASE_OFFSET = 16;
    public static final int MEMORY_SIZE_OFFSET = 24;
    public static final int FREE_START_OFFSET = 32;
    public static final int FREE_END_OFFSET = 40;
    public static final int HYPERCALL_PAGE_OFFSET = 48;
    public static final int IO_BUFFER_OFFSET = 56;
    public static final int IO_BUFFER_SIZE_OFFSET = 64;
    public static final int PROGRAM_IMAGE_OFFSET = 72;
    public static final int PROGRAM_SIZE_OFFSET = 80;
    public static final int STRINGS_OFFSET = 88;
    public static final int STRINGS_SIZE_OFFSET = 96;
    public static final int ARGC_OFFSET = 104;
    public static final int ENVC_OFFSET = 112;
    public static final int REALTIME_NS_OFFSET = 120;
    public static final int TSC_KHZ_OFFSET = 128;
    public static final int RANDOM_OFFSET = 136;
    public static final int STACK_SIZE_OFFSET = 168;
    public static final int FLAGS_OFFSET = 176;
    /** The fast calls' bitmap (docs/guest-abi.md, "The system-call door"): 8 words, ABI version 4. */
    public static final int FAST_CALLS_OFFSET = 184;
    public static final int FAST_CALLS_WORDS = (int) (GuestAbi.FAST_CALL_LIMIT / 64);
    public static final int SIZE = FAST_CALLS_OFFSET + 8 * FAST_CALLS_WORDS;

    /**
     * Flag: a warm start's template. After loading the program, the kernel reads its start message
     * from fd 3 instead of taking the strings, random bytes and time of this block
     * (docs/guest-abi.md, "Start message").
     */
    public static final long FLAG_START_MESSAGE = 1;

    private static final ValueLayout.OfLong U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public BootInfo {
        if (random.length != RANDOM_SIZE) {
            throw new IllegalArgumentException("the boot random seed must be 32 bytes");
        }
        random = random.clone();
        if (fastCalls.length != FAST_CALLS_WORDS) {
            throw new IllegalArgumentException("the fast calls' bitmap must be " + FAST_CALLS_WORDS + " words");
        }
        fastCalls = fastCalls.clone();
    }

    /** The boot info for a planned layout. */
    public static BootInfo of(GuestLayout layout, StringsBlock strings, long realtimeNs,
            long tscKhz, byte[] random, long stackSize, long flags, long[] fastCalls) {
        return new BootInfo(MAGIC, AbiVersion.CURRENT, GuestAbi.KERNEL_BASE,
                layout.memorySize(), layout.freeStart(), layout.freeEnd(),
                layout.hypercallPage(), layout.ioBuffer(), layout.ioBufferSize(),
                layout.programImage(), layout.programSize(),
                layout.strings(), layout.stringsSize(),
                strings.argc(), strings.envc(),
                realtimeNs, tscKhz, random, stackSize, flags, fastCalls);
    }

    /** Reads the block back from guest RAM (no validation: for checks and diagnostics). */
    public static BootInfo readFrom(MemorySegment ram) {
        MemorySegment block = ram.asSlice(GuestAbi.BOOT_INFO_GPA, SIZE);
        return new BootInfo(
                block.get(U64, MAGIC_OFFSET), block.get(U64, ABI_VERSION_OFFSET),
                block.get(U64, KERNEL_BASE_OFFSET), block.get(U64, MEMORY_SIZE_OFFSET),
                block.get(U64, FREE_START_OFFSET), block.get(U64, FREE_END_OFFSET),
                block.get(U64, HYPERCALL_PAGE_OFFSET), block.get(U64, IO_BUFFER_OFFSET),
                block.get(U64, IO_BUFFER_SIZE_OFFSET), block.get(U64, PROGRAM_IMAGE_OFFSET),
                block.get(U64, PROGRAM_SIZE_OFFSET), block.get(U64, STRINGS_OFFSET),
                block.get(U64, STRINGS_SIZE_OFFSET), block.get(U64, ARGC_OFFSET),
                block.get(U64, ENVC_OFFSET), block.get(U64, REALTIME_NS_OFFSET),
                block.get(U64, TSC_KHZ_OFFSET),
                block.asSlice(RANDOM_OFFSET, RANDOM_SIZE).toArray(ValueLayout.JAVA_BYTE),
                block.get(U64, STACK_SIZE_OFFSET), block.get(U64, FLAGS_OFFSET),
                block.asSlice(FAST_CALLS_OFFSET, 8L * FAST_CALLS_WORDS).toArray(U64));
    }

    /** Writes the block at GPA 0x1000 and zeroes the rest of its page. */
    public void writeTo(MemorySegment ram) {
        MemorySegment page = ram.asSlice(GuestAbi.BOOT_INFO_GPA, GuestAbi.PAGE_SIZE);
        page.fill((byte) 0);
        page.set(U64, MAGIC_OFFSET, magic);
        page.set(U64, ABI_VERSION_OFFSET, abiVersion);
        page.set(U64, KERNEL_BASE_OFFSET, kernelBase);
        page.set(U64, MEMORY_SIZE_OFFSET, memorySize);
        page.set(U64, FREE_START_OFFSET, freeStart);
        page.set(U64, FREE_END_OFFSET, freeEnd);
        page.set(U64, HYPERCALL_PAGE_OFFSET, hypercallPage);
        page.set(U64, IO_BUFFER_OFFSET, ioBuffer);
        page.set(U64, IO_BUFFER_SIZE_OFFSET, ioBufferSize);
        page.set(U64, PROGRAM_IMAGE_OFFSET, programImage);
        page.set(U64, PROGRAM_SIZE_OFFSET, programSize);
        page.set(U64, STRINGS_OFFSET, strings);
        page.set(U64, STRINGS_SIZE_OFFSET, stringsSize);
        page.set(U64, ARGC_OFFSET, argc);
        page.set(U64, ENVC_OFFSET, envc);
        page.set(U64, REALTIME_NS_OFFSET, realtimeNs);
        page.set(U64, TSC_KHZ_OFFSET, tscKhz);
        MemorySegment.copy(random, 0, page, ValueLayout.JAVA_BYTE, RANDOM_OFFSET, RANDOM_SIZE);
        page.set(U64, STACK_SIZE_OFFSET, stackSize);
        page.set(U64, FLAGS_OFFSET, flags);
        for (int i = 0; i < FAST_CALLS_WORDS; i++) {
            page.set(U64, FAST_CALLS_OFFSET + 8L * i, fastCalls[i]);
        }
    }

    @Override
    public long[] fastCalls() {
        return fastCalls.clone();
    }

    @Override
    public byte[] random() {
        return random.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BootInfo that
                && magic == that.magic && abiVersion == that.abiVersion
                && kernelBase == that.kernelBase && memorySize == that.memorySize
                && freeStart == that.freeStart && freeEnd == that.freeEnd
                && hypercallPage == that.hypercallPage && ioBuffer == that.ioBuffer
                && ioBufferSize == that.ioBufferSize && programImage == that.programImage
                && programSize == that.programSize && strings == that.strings
                && stringsSize == that.stringsSize && argc == that.argc && envc == that.envc
                && realtimeNs == that.realtimeNs && tscKhz == that.tscKhz
                && Arrays.equals(random, that.random) && stackSize == that.stackSize
                && flags == that.flags && Arrays.equals(fastCalls, that.fastCalls);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(memorySize) * 31 + Arrays.hashCode(random) + Long.hashCode(realtimeNs);
    }

    /** Leaves the random bytes out: they seed the program's stack canary. */
    @Override
    public String toString() {
        return "BootInfo[magic=0x" + Long.toHexString(magic) + ", abiVersion=" + abiVersion
                + ", kernelBase=0x" + Long.toHexString(kernelBase) + ", memorySize=" + memorySize
                + ", free=[0x" + Long.toHexString(freeStart) + ", 0x" + Long.toHexString(freeEnd)
                + "), hypercallPage=0x" + Long.toHexString(hypercallPage)
                + ", ioBuffer=0x" + Long.toHexString(ioBuffer) + "+" + ioBufferSize
                + ", programImage=0x" + Long.toHexString(programImage) + "+" + programSize
                + ", strings=0x" + Long.toHexString(strings) + "+" + stringsSize
                + ", argc=" + argc + ", envc=" + envc + ", realtimeNs=" + realtimeNs
                + ", tscKhz=" + tscKhz + ", stackSize=" + stackSize + ", flags=" + flags + ", fastCalls=" + Arrays.toString(fastCalls) + "]";
    }
}
