/* A guest kernel that disables interrupts and spins: only the host can stop it. */
    .text
    .globl _start
_start:
    cli
1:  jmp 1b
