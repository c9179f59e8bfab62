/* A guest kernel that disables interrupts and spins: only the host can stop it. */
    .text
    .globl _start
_start:
    cli             /* one byte: the loop is at the entry point + 1 (KernelSpinTest) */
1:  jmp 1b
