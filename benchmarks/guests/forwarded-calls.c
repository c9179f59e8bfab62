/* Makes forwarded system calls (lseek on fd 1, which the guest kernel hands to the host) in a
 * loop, COUNT times or, without an argument, until the VM is stopped. The JMH benchmark of the
 * forwarded call counts them on the host as they arrive. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long count = argc > 1 ? atol(argv[1]) : -1;
    for (long i = 0; count < 0 || i < count; i++) {
        /* syscall() rather than the libc wrapper, so that nothing is cached in user space. */
        syscall(SYS_lseek, 1, 0L, SEEK_CUR);
    }
    return 0;
}
