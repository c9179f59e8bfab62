/* Executes a privileged instruction in user mode, chosen by argv[1]: hlt, cli, or out. */
#include <string.h>

int main(int argc, char **argv)
{
    const char *which = argc > 1 ? argv[1] : "hlt";
    if (strcmp(which, "hlt") == 0)
        __asm__ volatile("hlt");
    else if (strcmp(which, "cli") == 0)
        __asm__ volatile("cli");
    else if (strcmp(which, "out-exit")  == 0)
        /* The host's EXIT port with status 0: must be a fault, never a clean exit. */
        __asm__ volatile("outl %0, %1" : : "a"(0), "Nd"((unsigned short)0x6e1));
    else if (strcmp(which, "out-hypercall") == 0)
        /* The host's HYPERCALL port: must be a fault, never a replayed system call. */
        __asm__ volatile("outl %0, %1" : : "a"(0), "Nd"((unsigned short)0x6e0));
    return 0;
}
