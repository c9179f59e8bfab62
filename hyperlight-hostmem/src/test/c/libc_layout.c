/*
 * Prints the structure layout and constants that the Java bindings in
 * dev.hyperlight.nanvix.hostmem.sys (the C library, shared by host memory and both backends)
 * hard-code, as "key value" lines, straight from the system headers. LibcLayoutTest compiles and
 * runs it and compares every line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SIZE(type) printf("sizeof %s %zu\n", #type, sizeof(struct type))
#define OFFSET(type, field) printf("offsetof %s.%s %zu\n", #type, #field, offsetof(struct type, field))
#define CONSTANT(name) printf("const %s %lld\n", #name, (long long)(name))

int main(void) {
    SIZE(sigaction);
    OFFSET(sigaction, sa_handler);
    OFFSET(sigaction, sa_mask);
    OFFSET(sigaction, sa_flags);
    OFFSET(sigaction, sa_restorer);

    CONSTANT(_IOC_NONE);
    CONSTANT(_IOC_WRITE);
    CONSTANT(_IOC_READ);

    CONSTANT(O_RDWR);
    CONSTANT(O_CLOEXEC);
    CONSTANT(F_ADD_SEALS);
    CONSTANT(F_GET_SEALS);
    CONSTANT(F_SEAL_SEAL);
    CONSTANT(F_SEAL_SHRINK);
    CONSTANT(F_SEAL_GROW);
    CONSTANT(F_SEAL_WRITE);
    CONSTANT(SEEK_DATA);
    CONSTANT(SEEK_HOLE);
    CONSTANT(SEEK_END);
    CONSTANT(PROT_NONE);
    CONSTANT(PROT_READ);
    CONSTANT(PROT_WRITE);
    CONSTANT(MAP_SHARED);
    CONSTANT(MAP_PRIVATE);
    CONSTANT(MAP_FIXED);
    CONSTANT(MAP_ANONYMOUS);
    CONSTANT(MFD_CLOEXEC);
    CONSTANT(MFD_ALLOW_SEALING);
    CONSTANT(MAP_NORESERVE);
    CONSTANT(MADV_HUGEPAGE);
    CONSTANT(MADV_POPULATE_WRITE);
    CONSTANT(MAP_FAILED);
    CONSTANT(EPERM);
    CONSTANT(ENOENT);
    CONSTANT(EINTR);
    CONSTANT(ENXIO);
    CONSTANT(E2BIG);
    CONSTANT(EACCES);
    CONSTANT(ENOTTY);
    CONSTANT(SIG_DFL);
    CONSTANT(SYS_futex);
    CONSTANT(SYS_tgkill);
    CONSTANT(SYS_pidfd_open);
    CONSTANT(SYS_pidfd_getfd);
    CONSTANT(FUTEX_WAIT);
    CONSTANT(FUTEX_WAKE);
    CONSTANT(SIGUSR1);
    return 0;
}
