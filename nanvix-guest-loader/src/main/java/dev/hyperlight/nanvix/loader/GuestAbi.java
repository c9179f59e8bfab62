package dev.hyperlight.nanvix.loader;

/**
 * Constants of docs/guest-abi.md. Change them only together with the document and the kernel
 * (guest-kernel/src/abi/host.rs; KernelAbiTest compares the two).
 */
public final class GuestAbi {

    /** KVA of GPA 0: all guest RAM is mapped here (PML4 slot 255). */
    public static final long KERNEL_BASE = 0x0000_7f80_0000_0000L;
    /** User mappings lie in {@code [USER_BOTTOM, USER_TOP)}. */
    public static final long USER_TOP = 0x0000_7f00_0000_0000L;
    public static final long USER_BOTTOM = 0x1000;

    public static final int PAGE_SIZE = 4096;

    /**
     * The system-call door: a page of the kernel's at the top of every program's address space
     * (read-only, executable), whose {@code out} at {@code DOOR_VA + DOOR_OUT_OFFSET} to {@link
     * #PORT_SYSCALL} asks the host to serve the program's call from its registers.
     */
    public static final long DOOR_VA = 0x0000_7eff_ffff_f000L;
    public static final long DOOR_OUT_OFFSET = 0x20;
    /** The door page's copy of the process's umask (a u64 the kernel keeps equal to it). */
    public static final long DOOR_UMASK_OFFSET = 0x50;
    /** Calls numbered below this may be fast (one bit each in the boot info). */
    public static final long FAST_CALL_LIMIT = 512;
    /** The host maps guest RAM with pages of this size. */
    public static final long LARGE_PAGE_SIZE = 2L << 20;
    /** RAM mapped by one page directory. */
    public static final long PAGE_DIRECTORY_SPAN = 1L << 30;

    // Fixed guest-physical addresses of the layout table.
    public static final long BOOT_INFO_GPA = 0x1000;
    public static final long HYPERCALL_PAGE_GPA = 0x2000;
    public static final long GDT_GPA = 0x3000;
    public static final long PML4_GPA = 0x4000;
    public static final long PDPT_GPA = 0x5000;
    public static final long PAGE_DIRECTORIES_GPA = 0x6000;
    public static final long IO_BUFFER_GPA = 0x10_0000;
    /** The I/O buffer slot ends where the kernel image begins. */
    public static final long IO_BUFFER_MAX_SIZE = 0x10_0000;
    public static final long KERNEL_IMAGE_GPA = 0x20_0000;

    // Hypercall page (one per vCPU).
    public static final int HYPERCALL_NR_OFFSET = 0;
    public static final int HYPERCALL_ARGS_OFFSET = 8;
    public static final int HYPERCALL_ARG_COUNT = 6;
    public static final int HYPERCALL_RESULT_OFFSET = 56;
    /** 0: the pointer arguments are guest-physical; else the program's, under this page-table root. */
    public static final int HYPERCALL_CR3_OFFSET = 64;
    public static final int HYPERCALL_FAULT_ADDRESS_OFFSET = 72;
    public static final int HYPERCALL_FAULT_LENGTH_OFFSET = 80;
    public static final int HYPERCALL_FAULT_WRITE_OFFSET = 88;
    /** Written by the kernel once at boot: the GPA of its clock (the vvar page); 0 from none. */
    public static final int HYPERCALL_CLOCK_OFFSET = 96;
    /** Written by the kernel once at boot: where a preempted program enters it (its SYSCALL entry). */
    public static final int HYPERCALL_PREEMPT_ENTRY_OFFSET = 104;
    /** Written by the host when it preempts the program: 1, and the program's RAX, RCX and R11. */
    public static final int HYPERCALL_PREEMPTED_OFFSET = 112;
    public static final int HYPERCALL_PREEMPTED_RAX_OFFSET = 120;
    public static final int HYPERCALL_PREEMPTED_RCX_OFFSET = 128;
    public static final int HYPERCALL_PREEMPTED_R11_OFFSET = 136;
    /** RAX of a preempted program as it enters the kernel at the preemption entry. */
    public static final long PREEMPT_CALL = 0x7072_6565_6d70L;
    /**
     * The result of a call with user addresses the program's page tables do not let the host
     * access: the call has not run, the fault fields name the range for the kernel to map.
     */
    public static final long USER_FAULT = 0x8000_0000_0000_0000L;

    // Ports the kernel writes to with `out dx, eax`.
    public static final int PORT_HYPERCALL = 0x6e0;
    public static final int PORT_EXIT = 0x6e1;
    public static final int PORT_FAULT = 0x6e2;
    public static final int PORT_LOG = 0x6e3;
    public static final int PORT_PANIC = 0x6e4;
    /** Value 1: preempt the program every time slice (more than one thread can run); 0: stop. */
    public static final int PORT_PREEMPT = 0x6e5;
    /** The system-call door's {@code out imm8, al}, from user mode at the door's address only. */
    public static final int PORT_SYSCALL = 0x6e;

    /**
     * Run flags, the {@code nr} word of EXIT and FAULT: a request of the program was refused for
     * lack of free frames (the guest memory limit was reached).
     */
    public static final long RUN_FLAG_MEMORY_LIMIT_REACHED = 1;

    private GuestAbi() {}

    /** The kernel virtual address of a guest-physical address, through the direct map. */
    public static long kva(long gpa) {
        return KERNEL_BASE + gpa;
    }
}
